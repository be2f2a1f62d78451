/**
 * The chat resumes a streaming run where the page left it, in Chromium against a real gateway: after a reload (the
 * transcript and the last applied seq come back from sessionStorage) and after the server drops the connection (the
 * page reconnects), it asks for the events after that seq; showing another view meanwhile loses nothing. Each time
 * the reply shows every token once, in order.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { WorkflowJournal } from '../../actors/index.js';
import { OUTPUT, consoleSuite, say } from './fixture.js';

const s = consoleSuite();

const WORDS = Array.from({ length: 120 }, (_, i) => `w${String(i + 1).padStart(3, '0')}`);

/** The `resume` of every `hello` the page sends. */
function resumes(page: Page): { run_id: string; after_seq: number }[] {
  const out: { run_id: string; after_seq: number }[] = [];
  page.on('websocket', (ws) =>
    ws.on('framesent', (f) => {
      const frame = JSON.parse(String(f.payload)) as { type: string; resume?: { run_id: string; after_seq: number } };
      if (frame.type === 'hello' && frame.resume !== undefined) out.push(frame.resume);
    }),
  );
  return out;
}

/** Sends the long message to the slow agent and waits until the reply has streamed part of the way. */
async function midStream(page: Page): Promise<void> {
  await page.goto(s.gw.url);
  await say(page, 'slow', WORDS.join(' '));
  const reply = page.getByTestId('assistant');
  await expect.poll(() => reply.textContent(), { timeout: 20_000 }).toContain('w015');
  expect(await reply.textContent()).not.toContain(WORDS.at(-1));
}

/** The run ended; the reply shown is exactly the one the thread keeps, every word once. */
async function expectWholeReply(page: Page): Promise<void> {
  await page.getByTestId('run-end').getByText('Run completed').waitFor({ timeout: 30_000 });
  const shown = ((await page.getByTestId('assistant').textContent()) ?? '').replace(/^slow/, '');
  const threadId = (await page.locator('a.mono').textContent()) ?? '';
  const state = (await (await fetch(`${s.gw.url}/acp/threads/${threadId}/state`)).json()) as {
    values: { messages: { type: string; content: string }[] };
  };
  expect(shown).toBe(state.values.messages.filter((m) => m.type === 'ai').at(-1)?.content);
  for (const w of WORDS) expect(shown.split(w).length - 1, w).toBe(1);
}

describe('console chat resume', () => {
  it('resumes a streaming reply after a reload: every token once, in order', async () => {
    const { context, page } = await s.b.page();
    const hellos = resumes(page);
    await midStream(page);
    await page.reload();
    await expectWholeReply(page);
    // The page asked for the events after the last seq it had applied, not for the whole run again.
    expect(hellos).toHaveLength(1);
    expect(hellos[0]?.after_seq).toBeGreaterThan(15);
    await context.close();
  }, 45_000);

  it('resumes after the server drops the connection', async () => {
    const { context, page } = await s.b.page();
    const hellos = resumes(page);
    await midStream(page);
    for (const session of s.gw.gateway.ws.sessions) session.terminate();
    await expectWholeReply(page);
    expect(hellos).toHaveLength(1);
    expect(hellos[0]?.after_seq).toBeGreaterThan(15);
    await context.close();
  }, 45_000);

  it('keeps following the run while another view is shown', async () => {
    const { context, page } = await s.b.page();
    const hellos = resumes(page);
    await midStream(page);
    await page.getByRole('link', { name: 'Threads' }).click();
    await page.getByRole('heading', { name: 'Threads' }).waitFor();
    await page.getByRole('link', { name: 'Chat' }).click();
    await expectWholeReply(page);
    // The connection never dropped: the stream went on, nothing was asked again.
    expect(hellos).toEqual([]);
    await context.close();
  }, 45_000);
});

describe('console chat resume of a workflow run', () => {
  /** The agent step `step`'s reply as shown (the `at`-th reply), and its output as the run's journal keeps it. */
  async function stepReply(page: Page, runId: string, at: number, step: string): Promise<{ shown: string; output: unknown }> {
    const shown = ((await page.getByTestId('assistant').nth(at).textContent()) ?? '').replace(/^slow/, '');
    const events = await new WorkflowJournal(s.gw.system.storage).events('default', runId);
    return { shown, output: events.find((e) => e.type === 'step.completed' && e['step'] === step)?.['output'] };
  }

  /** Every word once in `text`. */
  function expectEveryWordOnce(text: string): void {
    for (const w of WORDS) expect(text.split(w).length - 1, w).toBe(1);
  }

  it('resumes after a reload mid-step and a dropped connection: every event and token once, the human step answered', async () => {
    const { context, page } = await s.b.page();
    const hellos = resumes(page);
    await page.goto(s.gw.url);
    await say(page, 'slow-flow', WORDS.join(' '));
    const replies = page.getByTestId('assistant');
    await expect.poll(() => replies.first().textContent(), { timeout: 20_000 }).toContain('w015');
    expect(await replies.first().textContent()).not.toContain(WORDS.at(-1));

    // A reload in the middle of the first agent step: the run is followed on, its human step comes.
    await page.reload();
    const ask = page.getByRole('group', { name: 'Interrupt' });
    await ask.getByRole('button', { name: 'Approve' }).waitFor({ timeout: 30_000 });
    expect(hellos).toHaveLength(1);
    expect(hellos[0]?.after_seq).toBeGreaterThan(0);
    const first = await stepReply(page, hellos[0]?.run_id ?? '', 0, 'first');
    expect(first.shown).toBe(first.output);
    expectEveryWordOnce(first.shown);
    await expect.poll(() => page.getByTestId('partial').count()).toBe(0);

    // A reload while the human step waits: it is still there and answerable.
    await page.reload();
    await ask.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => replies.nth(1).textContent(), { timeout: 20_000 }).toContain('w015');
    expect(await replies.nth(1).textContent()).not.toContain(WORDS.at(-1));

    // The server drops the connection in the middle of the second agent step: the page reconnects and resumes.
    for (const session of s.gw.gateway.ws.sessions) session.terminate();
    await page.getByTestId('run-end').getByText('Run completed').waitFor({ timeout: 30_000 });
    const second = await stepReply(page, hellos[0]?.run_id ?? '', 1, 'second');
    expect(second.shown).toBe(second.output);
    expectEveryWordOnce(second.shown);
    expect(await replies.count()).toBe(2);
    expect(await page.getByTestId('partial').count()).toBe(0);
    expect(await ask.textContent()).toContain('Answered: approved');

    // Every workflow event once, in order; each resume asked for the events after the last seq applied.
    const steps = await page.locator('[data-kind=step]').allTextContents();
    const logged = await new WorkflowJournal(s.gw.system.storage).events('default', hellos[0]?.run_id ?? '');
    // The journal's step events as the transcript shows them (a waiting human step is the interrupt above).
    const expected = logged
      .filter((e) => e.type.startsWith('step.') && e.type !== 'step.waiting')
      .map((e) => `Step ${String(e['step'])} ${e.type.slice('step.'.length)}`);
    expect(expected).toContain('Step second completed');
    expect(steps.map((t) => t.replace(/:.*$/s, '').trim())).toEqual(expected);
    expect(hellos.map((h) => h.run_id)).toEqual([hellos[0]?.run_id, hellos[0]?.run_id, hellos[0]?.run_id]);
    expect(hellos[1]?.after_seq).toBeGreaterThan(hellos[0]?.after_seq ?? 0);
    expect(hellos[2]?.after_seq).toBeGreaterThan(hellos[1]?.after_seq ?? 0);
    await page.screenshot({ path: `${OUTPUT}chat-workflow-resumed.png`, fullPage: true });
    await context.close();
  }, 90_000);
});
