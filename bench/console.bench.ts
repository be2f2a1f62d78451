/**
 * The console (issue 18) in Chromium against a real gateway on loopback (the embedded default: one in-memory node,
 * the catalog on the offline model): from an event published in the mesh (an actor activated: `sys.actor.activated`)
 * to its row on the mesh map in the DOM, p50 and p99, beside the same event reaching a plain SSE client of
 * `/mesh/events` in Node in the same run; and the first load: bytes on the wire (brotli, as Chromium asks) and time
 * from navigation to an interactive page (the navigation rendered), fresh context each time.
 */
import { chromium, type Page } from 'playwright-core';
import { OfflineProvider } from '../actors/llm/offline.js';
import { composeCatalog } from '../cli/kinds.js';
import { configSchema } from '../config/index.js';
import { Gateway, allRoutes, catalogDeps } from '../gateway/index.js';
import { MeshNode } from '../runtime/index.js';
import { createSystem } from '../supervisors/index.js';
import { percentile, type BenchOptions, type Figure, type Goal, type SuiteResult } from './harness.js';

const CONFIG = configSchema.parse({ agents: [{ name: 'assistant', instructions: 'You help.' }], memory: { store: { index: [] } } });
const now = (): number => performance.timeOrigin + performance.now();

/** Reads `/mesh/events` in Node and calls `onEvent(type, data, receivedAt)` for each event. */
async function nodeSse(url: string, onEvent: (type: string, data: Record<string, unknown>, at: number) => void): Promise<AbortController> {
  const abort = new AbortController();
  const res = await fetch(`${url}/mesh/events`, { signal: abort.signal, headers: { accept: 'text/event-stream' } });
  if (res.body === null) throw new Error('no SSE body');
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
      if (done) return;
      const at = now();
      buf += value;
      let cut: number;
      while ((cut = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        const type = /^event: ?(.*)$/m.exec(block)?.[1] ?? 'message';
        const data = /^data: ?(.*)$/m.exec(block)?.[1];
        if (data !== undefined) onEvent(type, JSON.parse(data) as Record<string, unknown>, at);
      }
    }
  })();
  return abort;
}

/** Records in the page when each `tr[data-address]` first appears (a MutationObserver; times on the same clock). */
async function watchRows(page: Page): Promise<void> {
  // A string: the root tsconfig has no DOM types; this runs in the page.
  await page.evaluate(`(() => {
    const seen = (window.__seen = {});
    new MutationObserver(() => {
      const t = performance.timeOrigin + performance.now();
      for (const el of document.querySelectorAll('tr[data-address]')) {
        const a = el.getAttribute('data-address') ?? '';
        if (seen[a] === undefined) seen[a] = t;
      }
    }).observe(document.body, { childList: true, subtree: true });
  })()`);
}

async function run(o: BenchOptions): Promise<SuiteResult> {
  const system = await createSystem({ warn: () => undefined });
  const mesh = new MeshNode(system);
  const catalog = await composeCatalog(CONFIG, mesh, { provider: () => ({ provider: new OfflineProvider(), model: 'offline' }) });
  await mesh.start();
  const deps = catalogDeps(system, catalog);
  const gateway = await Gateway.start({
    deps,
    routes: allRoutes(deps),
    port: 0,
    limits: { ratePerSec: 1_000_000, burst: 1_000_000 },
    warn: () => undefined,
  });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const url = gateway.url;
    // First load: one warm-up (the first request builds the app with esbuild), then fresh contexts.
    const loads = o.quick ? 3 : 15;
    const tti: number[] = [];
    const blank: number[] = [];
    let bytes = 0;
    let bodies = 0;
    for (let i = 0; i <= loads; i++) {
      const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
      const page = await context.newPage();
      const sizes: Promise<{ responseBodySize: number; responseHeadersSize: number }>[] = [];
      const none = { responseBodySize: 0, responseHeadersSize: 0 };
      page.on('requestfinished', (r) => {
        if (i === 1 && !r.url().endsWith('/healthz')) sizes.push(r.sizes().catch(() => none));
      });
      // Baseline: the same fresh page navigating to a bare JSON route of the same gateway.
      const b0 = now();
      await page.goto(`${url}/healthz`);
      if (i > 0) blank.push(now() - b0);
      const t0 = now();
      await page.goto(`${url}/#/mesh`);
      await page.locator('nav a[aria-current=page]').waitFor();
      const t1 = now();
      if (i > 0) tti.push(t1 - t0);
      if (i === 1) {
        const all = await Promise.all(sizes);
        bodies = all.reduce((a, s) => a + s.responseBodySize, 0);
        bytes = all.reduce((a, s) => a + s.responseBodySize + s.responseHeadersSize, 0);
      }
      await context.close();
    }
    tti.sort((a, b) => a - b);
    blank.sort((a, b) => a - b);

    // Event → DOM: actors activated one after another; each is timed to the page's row and to the Node SSE client.
    const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${url}/#/mesh`);
    await page.getByTestId('mesh-live').getByText('live').waitFor();
    await watchRows(page);
    const nodeSeen = new Map<string, number>();
    const sse = await nodeSse(url, (type, data, at) => {
      if (type === 'actor.activated') nodeSeen.set(String(data['address']), at);
    });
    const count = o.quick ? 20 : 300;
    const warmup = o.quick ? 3 : 20;
    const dom: number[] = [];
    const plain: number[] = [];
    const actor = { receive: async () => undefined };
    for (let i = 0; i < warmup + count; i++) {
      const address = `bench/a${i}`;
      const t0 = now();
      const ref = await system.spawn(address, actor, { tenant: 'bench' });
      const seenAt = `window.__seen[${JSON.stringify(address)}]`;
      // Polled from Node (a string predicate in the page would need 'unsafe-eval', which the CSP refuses); the time
      // taken is the page's own, so the polling does not add to it.
      let inPage: number | undefined;
      for (const end = Date.now() + 10_000; inPage === undefined && Date.now() < end;) {
        inPage = (await page.evaluate(seenAt)) as number | undefined;
        if (inPage === undefined) await new Promise((r) => setTimeout(r, 2));
      }
      if (inPage === undefined) throw new Error(`${address} never showed on the map`);
      for (let w = 0; !nodeSeen.has(address) && w < 200; w++) await new Promise((r) => setTimeout(r, 5));
      if (i >= warmup) {
        dom.push(inPage - t0);
        plain.push((nodeSeen.get(address) ?? Number.NaN) - t0);
      }
      await system.stop(ref);
    }
    sse.abort();
    await context.close();
    dom.sort((a, b) => a - b);
    plain.sort((a, b) => a - b);
    const p = (xs: number[], q: number): number => percentile(xs, q);
    const figures: Figure[] = [
      {
        name: 'mesh event → DOM (Chromium), p50',
        value: p(dom, 50),
        unit: 'ms',
        higherIsBetter: false,
        baselines: [{ name: 'same event → Node SSE client, p50', value: p(plain, 50), unit: 'ms' }],
      },
      {
        name: 'mesh event → DOM (Chromium), p99',
        value: p(dom, 99),
        unit: 'ms',
        higherIsBetter: false,
        baselines: [{ name: 'same event → Node SSE client, p99', value: p(plain, 99), unit: 'ms' }],
      },
      {
        name: 'first load, bytes on the wire (brotli bodies: page, script, stylesheet, API answers)',
        value: bodies,
        unit: 'B',
        higherIsBetter: false,
        baselines: [{ name: 'with response headers', value: bytes, unit: 'B' }],
      },
      {
        name: 'first load, navigation → interactive, p50',
        value: p(tti, 50),
        unit: 'ms',
        higherIsBetter: false,
        baselines: [{ name: 'navigation to GET /healthz (JSON), p50', value: p(blank, 50), unit: 'ms' }],
      },
      {
        name: 'first load, navigation → interactive, slowest',
        value: tti[tti.length - 1] ?? Number.NaN,
        unit: 'ms',
        higherIsBetter: false,
        baselines: [{ name: 'navigation to GET /healthz, slowest', value: blank[blank.length - 1] ?? Number.NaN, unit: 'ms' }],
      },
    ];
    const goals: Goal[] = [
      { name: 'mesh event → DOM p99 ≤ 250 ms', met: p(dom, 99) <= 250, detail: `${p(dom, 99).toFixed(1)} ms over ${dom.length} events` },
      {
        name: 'first load interactive ≤ 1 s on loopback (p50)',
        met: p(tti, 50) <= 1000,
        detail: `p50 ${p(tti, 50).toFixed(0)} ms, slowest of ${tti.length} ${(tti[tti.length - 1] ?? Number.NaN).toFixed(0)} ms`,
      },
    ];
    const notes = [
      'event: an actor spawned on the gateway node (sys.actor.activated) → its row on the open mesh map; one event at a time',
      'interactive: the navigation rendered after the sign-in check (GET /acp/assistants/search); fresh browser context per load',
    ];
    return { suite: 'console', figures, goals, notes };
  } finally {
    await browser.close();
    await gateway.close();
    mesh.stop();
    await catalog.close();
    await system.shutdown();
  }
}

/** The console suite. */
export const consoleSuite = {
  name: 'console',
  description: 'console in Chromium: mesh event to DOM p50/p99 beside a Node SSE client, first-load bytes and time to interactive',
  run,
};
