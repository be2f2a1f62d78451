/**
 * The console's chat in Chromium against a real gateway (auth off, loopback): a tool call that needs approval,
 * answered in place with edited arguments; a handoff, a delegation and guardrail redactions inline; a rejected call;
 * and no request leaving the origin. Resuming a stream after a reload or a drop: resume.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { consoleSuite, expectSameOrigin, OUTPUT, say } from './fixture.js';

const s = consoleSuite();

describe('console chat', () => {
  it('runs a tool call that needs approval: the arguments are edited and approved in place', async () => {
    const { context, page } = await s.b.page();
    await page.goto(s.gw.url);
    await expect.poll(() => page.getByTestId('connection').textContent(), { timeout: 15_000 }).toBe('connected');
    await say(page, 'careful', '/tool add {"a":2,"b":3}');
    const ask = page.getByRole('group', { name: 'Interrupt' });
    await ask.getByText('Approve the call to add?').waitFor({ timeout: 15_000 });
    await ask.getByRole('button', { name: 'Edit arguments' }).click();
    await ask.getByLabel('Arguments (JSON)').fill('{"a":2,"b":40}');
    await ask.getByRole('button', { name: 'Approve with these arguments' }).click();
    await page.getByTestId('run-end').getByText('Run completed').waitFor({ timeout: 15_000 });
    // The call ran with the edited arguments, and its result is shown inline.
    const call = page.locator('[data-kind=tool]');
    await expect.poll(() => call.getByTestId('tool-result').textContent()).toContain('42');
    expect(await call.locator('pre').first().textContent()).toContain('"b": 40');
    expect(await ask.textContent()).toContain('Answered: approved with {"a":2,"b":40}');
    await page.screenshot({ path: `${OUTPUT}chat-light.png`, fullPage: true });
    // The dark theme, by the toggle.
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    expect(await page.evaluate('document.documentElement.dataset.theme')).toBe('dark');
    await page.screenshot({ path: `${OUTPUT}chat-dark.png`, fullPage: true });
    await context.close();
  });

  it('shows a handoff, a delegation and guardrail redactions inline, and a rejected call', async () => {
    const { context, page } = await s.b.page({ colorScheme: 'dark' });
    await page.goto(s.gw.url);
    await say(page, 'triage', '/handoff billing');
    await page.getByTestId('run-end').getByText('Run completed').waitFor({ timeout: 15_000 });
    expect(await page.locator('[data-kind=handoff]').textContent()).toContain('from triage to billing');
    await say(page, 'assistant', '/ask billing what do I owe?');
    await page.getByTestId('run-end').getByText('Run completed').waitFor({ timeout: 15_000 });
    const delegation = page.locator('[data-kind=delegation]');
    expect(await delegation.textContent()).toContain('Delegated to billing');
    expect(await delegation.getByTestId('tool-result').textContent()).toContain('billing answered');
    // The default output guardrail redacts the e-mail address the offline model echoes; the page marks it as such.
    await say(page, 'assistant', 'mail me at bob@example.com');
    await page.getByTestId('run-end').getByText('Run completed').waitFor({ timeout: 15_000 });
    expect(await page.locator('mark.redacted').textContent()).toBe('redacted by a guardrail: [REDACTED:EMAIL]');
    expect(await page.getByTestId('assistant').textContent()).not.toContain('bob@example.com');
    await say(page, 'careful', '/tool add {"a":1,"b":1}');
    const ask = page.getByRole('group', { name: 'Interrupt' });
    await ask.getByLabel('Reason for rejecting').fill('not today');
    await ask.getByRole('button', { name: 'Reject' }).click();
    await page.getByTestId('run-end').waitFor({ timeout: 15_000 });
    expect(await ask.textContent()).toContain('Answered: rejected: not today');
    expect(await page.getByTestId('assistant').textContent()).toContain('rejected by a human: not today');
    await context.close();
  }, 45_000);

  it('runs a workflow: its steps inline, its human step answered in place', async () => {
    const { context, page } = await s.b.page();
    await page.goto(s.gw.url);
    expect(await page.getByLabel('Agent or workflow').textContent()).toContain('review-flow (workflow)');
    await say(page, 'review-flow', 'draft a greeting');
    const ask = page.getByRole('group', { name: 'Interrupt' });
    await ask.getByRole('button', { name: 'Approve' }).waitFor({ timeout: 20_000 });
    expect(await ask.textContent()).toContain('Step review asks: Send this answer?');
    expect(await page.locator('[data-kind=step]').first().textContent()).toContain('Step draft started');
    // The agent step's tokens stream in as a reply of its agent.
    expect(await page.getByTestId('assistant').textContent()).toContain('you said: draft a greeting');
    await page.screenshot({ path: `${OUTPUT}chat-workflow.png`, fullPage: true });
    await ask.getByRole('button', { name: 'Approve' }).click();
    await page.getByTestId('run-end').getByText('Run completed').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('transcript').textContent()).toContain('Step review completed');
    await context.close();
  }, 45_000);

  it('sends no request outside the origin', async () => {
    const { context, page } = await s.b.page();
    await page.goto(`${s.gw.url}/#/threads`);
    await page.getByRole('heading', { name: 'Threads' }).waitFor();
    await page.goto(`${s.gw.url}/#/chat`);
    await page.getByRole('heading', { name: 'Chat' }).waitFor();
    expectSameOrigin(s.b.requests, s.gw.url);
    expect(s.b.requests.some((u) => u.startsWith('ws://'))).toBe(true);
    await context.close();
  });
});
