/**
 * The console's operations views in Chromium against a real gateway, on data each test makes: the timeline of a run
 * with a tool call (opened from the chat), the guardrail audit with a filter, an experiment with its arms and
 * decisions and an eval score, usage per agent and model, and a dead letter inspected and redriven from the mesh map.
 */
import { describe, expect, it } from 'vitest';
import { isTroupeError } from '../../protocols/index.js';
import { consoleSuite, OUTPUT, say } from './fixture.js';

const s = consoleSuite();

async function call<T>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${s.gw.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  expect(res.status, text).toBeLessThan(300);
  return JSON.parse(text) as T;
}

/** A run of `agent` on a new thread, waited for; its run id. */
async function run(agent: string, text: string): Promise<string> {
  const { thread_id } = await call<{ thread_id: string }>('/acp/threads', {});
  const r = await call<{ run_id: string }>(`/acp/threads/${thread_id}/runs`, {
    assistant_id: agent,
    input: { messages: [{ role: 'user', content: text }] },
  });
  await call(`/acp/threads/${thread_id}/runs/${r.run_id}/join`);
  return r.run_id;
}

describe('console operations views', () => {
  it('shows the timeline of a chat run with a tool call: model and tool spans, tokens, the trace id', async () => {
    const { context, page } = await s.b.page();
    await page.goto(`${s.gw.url}/#/chat`);
    await say(page, 'assistant', '/tool add {"a":20,"b":22}');
    await expect.poll(() => page.getByTestId('tool-result').first().textContent(), { timeout: 20_000 }).toContain('42');
    await expect.poll(() => page.getByText('tool results —').count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await page.getByTestId('run-timeline-link').last().click();
    const spans = page.getByTestId('spans');
    await expect.poll(() => spans.locator('tr[data-kind=tool]').count(), { timeout: 15_000 }).toBe(1);
    expect(await spans.locator('tr[data-kind=model]').count()).toBeGreaterThanOrEqual(2);
    expect(await spans.locator('tr[data-kind=run]').count()).toBe(1);
    expect(await spans.locator('tr[data-kind=tool]').textContent()).toContain('execute_tool add');
    expect(await spans.locator('tr[data-kind=model]').first().textContent()).toMatch(/\d+ in · \d+ out/);
    expect(await page.getByTestId('trace-id').textContent()).not.toBe('');
    expect(await page.getByTestId('run-summary').textContent()).toContain('assistant');
    // A span's details open with the keyboard.
    await spans.locator('tr[data-kind=tool] button').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => spans.textContent()).toContain('"kind": "tool"');
    await page.screenshot({ path: `${OUTPUT}timeline.png`, fullPage: true });
    await context.close();
  }, 60_000);

  it('lists guardrail decisions and filters them', async () => {
    for (const agent of ['console-audit', 'other-agent'])
      await call('/guardrails/check', { text: `write to carol.${agent}@example.com please`, stage: 'output', agent });
    const { context, page } = await s.b.page({ colorScheme: 'dark' });
    await page.goto(`${s.gw.url}/#/audit`);
    const records = page.getByTestId('audit-records');
    await expect.poll(() => records.textContent(), { timeout: 15_000 }).toContain('other-agent');
    await page.getByLabel('Agent').fill('console-audit');
    await page.getByLabel('Action').fill('redact');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => records.textContent()).not.toContain('other-agent');
    const row = records.locator('tbody tr');
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toContain('EMAIL');
    expect(await row.textContent()).toContain('pii');
    expect(await row.textContent()).not.toContain('carol.console-audit@example.com');
    await page.screenshot({ path: `${OUTPUT}audit-dark.png`, fullPage: true });
    await context.close();
  }, 40_000);

  it('shows an experiment with its arms and decisions, and eval scores per template version', async () => {
    await call('/experiments', { id: 'console-exp', agent: 'helper', versions: [1, 2], key: 'eval' });
    const runId = await run('helper', 'hello there');
    await call(`/acp/runs/${runId}/feedback`, { key: 'eval', score: 0.75 });
    const { context, page } = await s.b.page();
    await page.goto(`${s.gw.url}/#/experiments`);
    const card = page.getByTestId('experiment-console-exp');
    await expect.poll(() => card.getByTestId('arms').locator('tbody tr').count(), { timeout: 15_000 }).toBe(2);
    expect(await card.textContent()).toContain('helper');
    expect(await card.getByTestId('arms').textContent()).toMatch(/v1.*control/);
    await expect.poll(() => card.getByTestId('decisions').textContent()).toContain('created');
    const evals = page.getByTestId('eval-results');
    await expect
      .poll(
        async () => {
          await page.reload();
          return (await evals.textContent({ timeout: 2_000 }).catch(() => '')) ?? '';
        },
        { timeout: 20_000 },
      )
      .toContain('greet@');
    expect(await evals.textContent()).toContain('0.75');
    await page.screenshot({ path: `${OUTPUT}experiments.png`, fullPage: true });
    await context.close();
  }, 60_000);

  it('shows tokens per agent, model and day', async () => {
    await run('billing', 'what do I owe');
    const { context, page } = await s.b.page();
    await page.goto(`${s.gw.url}/#/usage`);
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Show' }).click();
          return (
            (await page
              .getByTestId('usage-by-agent')
              .textContent({ timeout: 2_000 })
              .catch(() => '')) ?? ''
          );
        },
        { timeout: 20_000 },
      )
      .toContain('billing');
    expect(await page.getByTestId('usage-by-model').textContent()).toContain('offline');
    expect(await page.getByTestId('usage-by-day').textContent()).toContain(new Date().toISOString().slice(0, 10));
    expect(await page.getByTestId('usage-total').textContent()).toMatch(/[1-9]\d* runs/);
    await page.getByLabel('Agent').fill('billing');
    await page.getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => page.getByTestId('usage-rows').locator('tbody tr').count()).toBe(1);
    await page.screenshot({ path: `${OUTPUT}usage.png`, fullPage: true });
    await context.close();
  }, 40_000);

  it('inspects and redrives a dead letter from the mesh map once its actor exists', async () => {
    const refused = await s.gw.system
      .ref('worker/late', 'default')
      .tell('job.run', { n: 7 })
      .then(
        () => 'delivered',
        (e: unknown) => (isTroupeError(e, 'no_recipient') ? 'no_recipient' : String(e)),
      );
    expect(refused).toBe('no_recipient');
    const got: unknown[] = [];
    await s.gw.system.spawn('worker/late', { receive: (m) => void got.push(m.payload) }, { tenant: 'default' });

    const { context, page } = await s.b.page();
    await page.goto(`${s.gw.url}/#/mesh`);
    await expect.poll(() => page.getByTestId('mesh-nodes').textContent(), { timeout: 15_000 }).toContain(s.gw.system.node);
    const letters = page.getByTestId('dead-letters');
    const row = letters.locator('tr', { hasText: 'worker/late' });
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1);
    await row.getByRole('button', { name: /Inspect/ }).click();
    await expect.poll(() => page.getByTestId('letter').textContent()).toContain('"n": 7');
    expect(await page.getByTestId('letter').textContent()).toContain('no_recipient');
    await row.getByRole('button', { name: /Redrive/ }).click();
    await expect.poll(() => page.getByTestId('redrive-note').textContent(), { timeout: 15_000 }).toContain('redriven');
    await expect.poll(() => got, { timeout: 15_000 }).toEqual([{ n: 7 }]);
    await expect.poll(() => row.textContent()).toContain('redriven');
    expect(await row.getByRole('button', { name: /Redrive/ }).count()).toBe(0);
    await page.screenshot({ path: `${OUTPUT}mesh-dead-letters.png`, fullPage: true });
    await context.close();
  }, 40_000);

  it('reads at 200 % zoom in both themes with nothing cut off sideways, and each view is reached by keyboard', async () => {
    const runId = await run('assistant', '/tool add {"a":1,"b":2}');
    const views: [string, string][] = [
      [`timeline/${runId}`, 'Run timeline'],
      ['mesh', 'Mesh'],
      ['audit', 'Guardrail audit'],
      ['experiments', 'Experiments'],
      ['usage', 'Usage'],
    ];
    for (const colorScheme of ['light', 'dark'] as const) {
      const context = await s.b.browser.newContext({ viewport: { width: 550, height: 700 }, deviceScaleFactor: 2, colorScheme });
      const page = await context.newPage();
      for (const [hash, heading] of views) {
        await page.goto(`${s.gw.url}/#/${hash}`);
        await page.getByRole('heading', { name: heading, exact: true }).waitFor({ timeout: 15_000 });
        if (hash.startsWith('timeline')) await page.getByTestId('spans').waitFor({ timeout: 15_000 });
        if (hash === 'mesh') await page.getByTestId('mesh-nodes').waitFor({ timeout: 15_000 });
        expect(await page.evaluate('document.documentElement.scrollWidth <= innerWidth'), hash).toBe(true);
        await page.screenshot({ path: `${OUTPUT}${hash.split('/')[0]}-zoom-200-${colorScheme}.png`, fullPage: true });
      }
      await context.close();
    }
    // Keyboard: from the top, Tab through the navigation to a view's link, Enter opens it.
    const { context, page } = await s.b.page();
    await page.goto(`${s.gw.url}/#/chat`);
    await expect.poll(() => page.getByTestId('connection').textContent(), { timeout: 15_000 }).toBe('connected');
    let found = false;
    for (let i = 0; i < 12 && !found; i++) {
      await page.keyboard.press('Tab');
      found = (await page.evaluate('document.activeElement.textContent')) === 'Usage';
    }
    expect(found).toBe(true);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Usage', exact: true }).waitFor({ timeout: 15_000 });
    await context.close();
  }, 90_000);
});
