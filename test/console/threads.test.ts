/**
 * The console's threads view in Chromium against a real gateway: list and search, a thread's checkpoint history, the
 * state at an older checkpoint (time travel), and a fork: a run from that checkpoint, whose checkpoints branch from it
 * while the old branch stays readable.
 */
import { describe, expect, it } from 'vitest';
import { consoleSuite, OUTPUT } from './fixture.js';

const s = consoleSuite();

async function post<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(`${s.gw.url}/acp${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return (await res.json()) as T;
}

/** A thread of two turns with the assistant: "first turn", then "second turn". */
async function twoTurns(): Promise<string> {
  const { thread_id } = await post<{ thread_id: string }>('/threads', {});
  for (const text of ['first turn', 'second turn'])
    await post(`/threads/${thread_id}/runs/wait`, { assistant_id: 'assistant', input: { messages: [{ role: 'user', content: text }] } });
  return thread_id;
}

describe('console threads', () => {
  it('lists and searches threads, travels to an older checkpoint and forks from it', async () => {
    const threadId = await twoTurns();
    const other = await post<{ thread_id: string }>('/threads', { metadata: { topic: 'other' } });
    const { context, page } = await s.b.page();
    await page.goto(`${s.gw.url}/#/threads`);
    const list = page.getByTestId('thread-list');
    await expect.poll(() => list.textContent(), { timeout: 15_000 }).toContain(threadId);
    expect(await list.textContent()).toContain(other.thread_id);
    // Search by text finds the conversation only; by metadata the other thread only.
    await page.getByLabel('Search').fill('second turn');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => list.textContent()).not.toContain(other.thread_id);
    expect(await list.textContent()).toContain(threadId);
    await page.getByLabel('Search').fill('topic=other');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => list.textContent()).not.toContain(threadId);
    expect(await list.textContent()).toContain(other.thread_id);
    await page.getByLabel('Search').fill('');
    await page.getByRole('button', { name: 'Search' }).click();
    await list.getByRole('button', { name: new RegExp(threadId) }).click();

    // History, newest first: the latest checkpoint holds both turns.
    const history = page.getByTestId('history');
    const state = page.getByTestId('state');
    await expect.poll(() => state.textContent(), { timeout: 15_000 }).toContain('second turn');
    const before = await history.getByRole('listitem').count();
    expect(before).toBeGreaterThanOrEqual(2);
    // Time travel: the checkpoint after the first reply shows the first turn only.
    await history
      .getByRole('button', { name: /\b2 messages\b/ })
      .first()
      .click();
    await expect.poll(() => state.textContent()).not.toContain('second turn');
    expect(await state.textContent()).toContain('first turn');
    const forkPoint = await state.getAttribute('data-checkpoint');
    await page.screenshot({ path: `${OUTPUT}threads-time-travel.png`, fullPage: true });

    // Fork: a run from that checkpoint. Its checkpoints branch from the fork point; the old branch stays.
    await page.getByLabel('Message', { exact: true }).fill('forked turn');
    await page.getByRole('button', { name: 'Run from here' }).click();
    await expect.poll(() => page.getByTestId('fork-note').textContent(), { timeout: 20_000 }).toMatch(/finished|failed/);
    expect(await page.getByTestId('fork-note').textContent()).toContain('finished');
    await expect.poll(() => state.textContent(), { timeout: 15_000 }).toContain('forked turn');
    expect(await state.textContent()).toContain('first turn');
    expect(await state.textContent()).not.toContain('second turn');
    expect(await history.getByRole('listitem').count()).toBeGreaterThan(before);
    const thread = (await (
      await fetch(`${s.gw.url}/acp/threads/${threadId}/history`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"limit":200}',
      })
    ).json()) as {
      checkpoint: { checkpoint_id: string };
      parent_checkpoint: { checkpoint_id: string } | null;
      values: { messages: { content: string }[] };
    }[];
    const forked = thread.filter(
      (s) => s.parent_checkpoint?.checkpoint_id === forkPoint && s.values.messages.some((m) => m.content === 'forked turn'),
    );
    expect(forked).toHaveLength(1);
    expect(thread.some((s) => s.values.messages.some((m) => m.content === 'second turn'))).toBe(true);
    await page.screenshot({ path: `${OUTPUT}threads-fork.png`, fullPage: true });
    await context.close();
  }, 50_000);
});
