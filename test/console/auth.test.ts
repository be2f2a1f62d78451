/**
 * The console against a gateway with auth on, in Chromium: a browser without credentials sees only the sign-in (no
 * view, no WebSocket); a wrong key is refused with an error; a good API key or JWT gets in, lives in sessionStorage
 * only, and authenticates the WebSocket. Also: keyboard focus order and visible focus, the page at 200 % zoom, and
 * the same-origin calls of a console served under a public host name.
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { consoleSuite, expectSameOrigin, OUTPUT, say } from './fixture.js';

const s = consoleSuite({ auth: true });

describe('console sign-in', () => {
  it('shows only the sign-in without credentials, refuses a wrong key and lets a good one in', async () => {
    const { context, page } = await s.b.page();
    await page.goto(`${s.gw.url}/#/threads`);
    await page.getByRole('heading', { name: 'Sign in to the Troupe console' }).waitFor({ timeout: 15_000 });
    expect(await page.getByRole('navigation').count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Threads' }).count()).toBe(0);
    expect(s.b.requests.filter((u) => u.startsWith('ws:'))).toEqual([]);
    await page.screenshot({ path: `${OUTPUT}signin.png`, fullPage: true });

    await page.getByLabel('API key or JWT').fill('trp_not-a-real-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 10_000 }).toContain('not accepted');
    expect(await page.getByRole('navigation').count()).toBe(0);
    expect(await page.evaluate('sessionStorage.length')).toBe(0);

    await page.getByLabel('API key or JWT').fill(s.gw.key ?? '');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Threads' }).waitFor({ timeout: 15_000 });
    // The WebSocket authenticates with hello {token}; the key is in sessionStorage, not localStorage.
    await page.goto(`${s.gw.url}/#/chat`);
    await expect.poll(() => page.getByTestId('connection').textContent(), { timeout: 15_000 }).toBe('connected');
    expect(await page.getByLabel('Agent or workflow').textContent()).toContain('careful');
    expect(await page.evaluate('Object.values(sessionStorage).join(" ")')).toContain(s.gw.key);
    expect(await page.evaluate('JSON.stringify(localStorage)')).not.toContain(s.gw.key);
    expectSameOrigin(s.b.requests, s.gw.url);
    await context.close();
  });

  it('lets a JWT in as well: HTTP calls and the WebSocket take it', async () => {
    const { context, page } = await s.b.page();
    await page.goto(s.gw.url);
    await page.getByLabel('API key or JWT').fill(s.gw.jwt ?? '');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Chat' }).waitFor({ timeout: 15_000 });
    await expect.poll(() => page.getByTestId('connection').textContent(), { timeout: 15_000 }).toBe('connected');
    await say(page, 'assistant', 'signed in with a token');
    await page.getByTestId('run-end').getByText('Run completed').waitFor({ timeout: 15_000 });
    await context.close();
  });

  it('is usable by keyboard (skip link first, visible focus, Enter sends) and readable at 200 % zoom', async () => {
    // 200 % zoom: half the CSS pixels at twice the density.
    const context = await s.b.browser.newContext({ viewport: { width: 550, height: 700 }, deviceScaleFactor: 2 });
    const page = await context.newPage();
    await page.goto(s.gw.url);
    await page.getByLabel('API key or JWT').fill(s.gw.key ?? '');
    await page.getByLabel('API key or JWT').press('Enter');
    await page.getByRole('heading', { name: 'Chat' }).waitFor({ timeout: 15_000 });
    // From the top of a fresh load (the session keeps the key): the focus order starts at the skip link.
    await page.reload();
    await expect.poll(() => page.getByTestId('connection').textContent(), { timeout: 15_000 }).toBe('connected');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Chat');
    expect(await page.evaluate('getComputedStyle(document.activeElement).outlineStyle')).toBe('solid');
    await page.getByLabel('Agent or workflow').selectOption('assistant');
    await page.getByLabel('Message', { exact: true }).focus();
    await page.keyboard.type('hello by keyboard');
    await page.keyboard.press('Enter');
    await page.getByTestId('run-end').getByText('Run completed').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('assistant').textContent()).toContain('hello by keyboard');
    // Nothing is cut off sideways.
    expect(await page.evaluate('document.documentElement.scrollWidth <= innerWidth')).toBe(true);
    await page.screenshot({ path: `${OUTPUT}chat-zoom-200.png`, fullPage: true });
    await context.close();
  }, 40_000);

  it('shows the live mesh map and dead-letter controls to an admin, neither to a user', async () => {
    const { context, page } = await s.b.page();
    await page.goto(s.gw.url);
    await page.getByLabel('API key or JWT').fill(s.gw.key ?? '');
    await page.getByLabel('API key or JWT').press('Enter');
    await page.getByRole('heading', { name: 'Chat' }).waitFor({ timeout: 15_000 });
    await page.goto(`${s.gw.url}/#/mesh`);
    // The stream is read with fetch and the bearer header (EventSource cannot send it).
    await expect.poll(() => page.getByTestId('mesh-live').textContent(), { timeout: 15_000 }).toBe('live');
    await page.getByTestId('dead-letters').waitFor({ timeout: 15_000 });
    await context.close();

    const user = await s.b.page();
    await user.page.goto(s.gw.url);
    await user.page.getByLabel('API key or JWT').fill(s.gw.userJwt ?? '');
    await user.page.getByLabel('API key or JWT').press('Enter');
    await user.page.getByRole('heading', { name: 'Chat' }).waitFor({ timeout: 15_000 });
    await user.page.goto(`${s.gw.url}/#/mesh`);
    await expect.poll(() => user.page.getByRole('alert').textContent(), { timeout: 15_000 }).toContain('for admins');
    expect(await user.page.getByTestId('dead-letters').count()).toBe(0);
    expect(await user.page.getByRole('button', { name: /Redrive/ }).count()).toBe(0);
    expect(await user.page.getByTestId('mesh-nodes').count()).toBe(0);
    expect(await user.page.getByTestId('mesh-live').count()).toBe(0);
    await user.page.screenshot({ path: `${OUTPUT}mesh-user.png`, fullPage: true });
    await user.context.close();
  }, 40_000);

  it('takes the calls of a page served under another host name: same origin only', async () => {
    // A gateway deployed as https://console.example: the page's calls carry that origin and host.
    const call = (origin: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = request(`${s.gw.url}/acp/assistants/search`, {
          method: 'POST',
          headers: {
            host: 'console.example',
            origin,
            authorization: `Bearer ${s.gw.key ?? ''}`,
            'content-type': 'application/json',
          },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end('{}');
      });
    expect(await call('https://console.example')).toBe(200);
    expect(await call('https://evil.example')).toBe(403);
    expect(await call('https://console.example.evil.example')).toBe(403);
  });
});
