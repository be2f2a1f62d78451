/**
 * The chat resumes a streaming run where the page left it, in Chromium against a real gateway: after a reload (the
 * transcript and the last applied seq come back from sessionStorage) and after the server drops the connection (the
 * page reconnects), it asks for the events after that seq; showing another view meanwhile loses nothing. Each time
 * the reply shows every token once, in order.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { consoleSuite, say } from './fixture.js';

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
