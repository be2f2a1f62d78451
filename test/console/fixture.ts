/**
 * Console test fixture: a real gateway (every route, the console at `/`) over the real catalog on the offline model,
 * auth on or off, and a real Chromium driven by playwright-core, one browser per test file. Each page records every
 * request it makes, so a test can assert none left the origin.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { OfflineProvider } from '../../actors/llm/offline.js';
import { composeCatalog } from '../../cli/kinds.js';
import { configSchema } from '../../config/index.js';
import { Gateway, allRoutes, catalogDeps, generateApiKey, signJwt } from '../../gateway/index.js';
import { MeshNode, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { SlowProvider } from '../gateway/acp-fixture.js';
import { tool } from '../gateway/ws-fixture.js';

/** Where screenshots go (gitignored). */
export const OUTPUT = fileURLToPath(new URL('./output/', import.meta.url));

const offline = { provider: new OfflineProvider(), model: 'offline' };
/** 30 ms per token: a reply of 150 words streams for about 5 s, long enough to reload in the middle. */
const slow = { provider: new SlowProvider(30), model: 'offline' };

const CONFIG = configSchema.parse({
  agents: [
    { name: 'assistant', description: 'assistant agent', instructions: 'You help.', tools: ['add'], delegates: ['billing'] },
    { name: 'careful', description: 'careful agent', instructions: 'Ask first.', tools: ['add'], approvals: ['add'] },
    { name: 'triage', description: 'triage agent', instructions: 'Route.', handoffs: ['billing'] },
    { name: 'billing', description: 'billing agent', instructions: 'Bills.' },
    { name: 'slow', description: 'slow agent', instructions: 'Slowly.' },
    { name: 'helper', description: 'templated agent', instructions: 'Be brief.', prompt: 'greet@production' },
  ],
  prompts: [{ name: 'greet', versions: [{ template: 'STYLE-ONE', labels: ['production'] }, { template: 'STYLE-TWO' }] }],
  workflows: [
    {
      name: 'review-flow',
      input: { text: 'string' },
      steps: {
        draft: { agent: 'assistant', input: '${input.text}' },
        review: { human: 'Send this answer?', needs: ['draft'] },
      },
      output: { answer: '${steps.draft.output}' },
    },
    {
      // Two slow agent steps around a human step: long enough to reload (or drop the connection) in the middle of each.
      name: 'slow-flow',
      input: { text: 'string' },
      steps: {
        first: { agent: 'slow', input: '${input.text}' },
        review: { human: 'Go on?', needs: ['first'] },
        second: { agent: 'slow', input: 'again ${input.text}', needs: ['review'] },
      },
      output: { answer: '${steps.second.output}' },
    },
  ],
  memory: { store: { index: [] } },
});

/** The HS256 secret of the auth-on gateway's JWTs. */
const SECRET = 'console-test-secret-0123456789abcdef';

/** A JWT for tenant `default` with `role`, valid for an hour. */
const jwtFor = (role: 'admin' | 'user'): string =>
  signJwt({ sub: `console-${role}`, tenant: 'default', roles: [role], exp: Math.floor(Date.now() / 1000) + 3600 }, { hs256Secret: SECRET });

/** A gateway serving the console. */
export interface ConsoleGateway {
  readonly system: ActorSystem;
  readonly gateway: Gateway;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The API key (auth on), else undefined. */
  readonly key: string | undefined;
  /** A JWT for tenant `default`, role admin, valid for an hour (auth on), else undefined. */
  readonly jwt: string | undefined;
  /** The same for role user (not admin). */
  readonly userJwt: string | undefined;
  close(): Promise<void>;
}

/**
 * Starts the catalog and a gateway with every route; `auth` gives it one API key (tenant `default`, role admin). On
 * `system` when given (a mesh node; the caller shuts it down), else on a new in-memory system.
 */
export async function startConsoleGateway(options: { auth?: boolean; system?: ActorSystem } = {}): Promise<ConsoleGateway> {
  const system = options.system ?? (await createSystem({ warn: () => undefined }));
  const mesh = new MeshNode(system);
  const catalog = await composeCatalog(CONFIG, mesh, {
    provider: (agent) => (agent === 'slow' ? slow : offline),
    tools: [tool('add', (a) => Number(a['a']) + Number(a['b']))],
  });
  await mesh.start();
  const deps = catalogDeps(system, catalog);
  const made = options.auth === true ? generateApiKey() : undefined;
  const gateway = await Gateway.start({
    deps,
    routes: allRoutes(deps, { auth: made !== undefined }),
    port: 0,
    ...(made === undefined
      ? {}
      : { auth: { keys: [{ id: 'console-test', hash: made.hash, tenant: 'default', roles: ['admin'] }], jwt: { hs256Secret: SECRET } } }),
    limits: { ratePerSec: 100_000, burst: 100_000 },
    warn: () => undefined,
  });
  return {
    system,
    gateway,
    url: gateway.url,
    key: made?.key,
    jwt: made === undefined ? undefined : jwtFor('admin'),
    userJwt: made === undefined ? undefined : jwtFor('user'),
    async close() {
      await gateway.close();
      mesh.stop();
      await catalog.close();
      if (options.system === undefined) await system.shutdown();
    },
  };
}

/** A browser and the URLs every page of it requested. */
export interface ConsoleBrowser {
  readonly browser: Browser;
  readonly requests: string[];
  /** A fresh context (own sessionStorage) and page, zoom and color scheme as given. */
  page(options?: { colorScheme?: 'light' | 'dark'; deviceScaleFactor?: number }): Promise<{ context: BrowserContext; page: Page }>;
  close(): Promise<void>;
}

/** Launches Debian's Chromium headless. */
export async function launchBrowser(): Promise<ConsoleBrowser> {
  mkdirSync(OUTPUT, { recursive: true });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const requests: string[] = [];
  return {
    browser,
    requests,
    async page(options = {}) {
      const context = await browser.newContext({ viewport: { width: 1100, height: 800 }, colorScheme: options.colorScheme ?? 'light' });
      const page = await context.newPage();
      page.on('request', (r) => requests.push(r.url()));
      page.on('websocket', (ws) => requests.push(ws.url()));
      return { context, page };
    },
    close: () => browser.close(),
  };
}

/** Asserts every request went to `origin` (http or ws) or stayed in the page (data:). */
export function expectSameOrigin(requests: readonly string[], origin: string): void {
  expect(requests.length).toBeGreaterThan(0);
  const host = new URL(origin).host;
  const outside = requests.filter((u) => {
    if (u.startsWith('data:')) return false;
    const url = new URL(u);
    return url.host !== host || !['http:', 'ws:'].includes(url.protocol);
  });
  expect(outside).toEqual([]);
}

/** Starts a new conversation with `agent` in the chat view and sends `text` with Enter. */
export async function say(page: Page, agent: string, text: string): Promise<void> {
  await page.getByLabel('Agent or workflow').selectOption(agent);
  await page.getByRole('button', { name: 'New conversation' }).click();
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByLabel('Message', { exact: true }).press('Enter');
}

/** The gateway and browser of one test file: started before its tests (one browser per file), closed after them. */
export function consoleSuite(options: { auth?: boolean } = {}): { gw: ConsoleGateway; b: ConsoleBrowser } {
  const suite = {} as { gw: ConsoleGateway; b: ConsoleBrowser };
  beforeAll(async () => {
    [suite.gw, suite.b] = await Promise.all([startConsoleGateway(options), launchBrowser()]);
  }, 60_000);
  afterAll(async () => {
    await suite.b?.close();
    await suite.gw?.close();
  });
  return suite;
}
