/**
 * The response cache through a real catalog and gateway: a repeated prompt is answered from the cache (streamed as
 * tokens, marked on the run's `message` event, counted in /metrics) without calling the model; a paraphrase is a
 * semantic hit on the offline embedder; a negation is not; tenants never share entries; an agent offering a tool
 * with side effects is never cached unless the tool is marked cacheable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CACHE_BUCKET, RunStore } from '../../actors/index.js';
import { configSchema } from '../../config/index.js';
import type { ActorSystem } from '../../runtime/index.js';
import { startCatalogGateway, type CatalogGateway } from '../gateway/catalog-fixture.js';
import { WsClient, startFrame, tool } from '../gateway/ws-fixture.js';
import { CountingProvider } from './fixtures.js';

const model = new CountingProvider();
let system: ActorSystem;
let gw: CatalogGateway<'acme' | 'globex' | 'admin'>;
const sideEffects: unknown[] = [];

beforeAll(async () => {
  const config = configSchema.parse({
    agents: [
      { name: 'bot', instructions: 'Answer.' },
      { name: 'mailer', instructions: 'Send mail.', tools: ['send_mail'] },
      { name: 'reader', instructions: 'Look up.', tools: ['lookup'] },
    ],
    memory: { store: { index: [] } },
    cache: { enabled: true, cacheableTools: ['lookup'] },
  });
  gw = await startCatalogGateway(
    config,
    {
      acme: { id: 'acme', tenant: 'acme', roles: ['user'] },
      globex: { id: 'globex', tenant: 'globex', roles: ['user'] },
      admin: { id: 'ops', tenant: 'ops', roles: ['admin'] },
    },
    {
      compose: {
        provider: () => ({ provider: model, model: 'scripted' }),
        tools: [
          tool('send_mail', (a) => {
            sideEffects.push(a);
            return 'sent';
          }),
          tool('lookup', () => 'found'),
        ],
      },
    },
  );
  system = gw.system;
}, 60_000);

afterAll(() => gw?.close());

/** Entries the cache holds for `tenant` (exact and semantic). */
const entries = async (tenant: string): Promise<number> => (await system.storage.bucket(CACHE_BUCKET).list([tenant])).length;

/** Waits (polling, with a deadline) until the cache stored a miss's exact and semantic entries for `tenant`: it stores after answering. */
async function storedAfter(tenant: string, before: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await entries(tenant)) < before + 2) {
    if (Date.now() > deadline) throw new Error(`the cache stored nothing for ${tenant} within 20 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Asks, then waits until what the answer left in the cache is stored. */
async function askAndStore(who: { key: string }, tenant: string, agent: string, content: string): Promise<Ran> {
  const before = await entries(tenant);
  const ran = await ask(who, tenant, agent, content);
  await storedAfter(tenant, before);
  return ran;
}

interface Ran {
  readonly text: string;
  readonly cache: unknown;
  readonly calls: number;
}

/** Runs `agent` on `content` for `who` over /ws; the streamed text, the `message` event's cache mark, model calls it made. */
async function ask(who: { key: string }, tenant: string, agent: string, content: string): Promise<Ran> {
  const before = model.requests.length;
  const ws = await WsClient.connect(`${gw.url.replace('http', 'ws')}/ws`, { authorization: `Bearer ${who.key}` });
  try {
    ws.send(startFrame('1', agent, content));
    // A loaded machine may take seconds to activate an agent and warm the embedder.
    const runId = (await ws.type('run.created', 30_000))['run_id'] as string;
    const frames = await ws.run(runId, false, 30_000);
    const text = frames
      .filter((f) => f['event'] === 'token')
      .map((f) => (f['data'] as { text: string }).text)
      .join('');
    const events = await new RunStore(system.storage).events(tenant, runId);
    const message = events.findLast((e) => e.event === 'message');
    return { text, cache: (message?.data as { cache?: unknown }).cache, calls: model.requests.length - before };
  } finally {
    ws.close();
  }
}

describe('response cache through the gateway', () => {
  it('answers a repeated prompt from the exact cache, streamed as tokens, without calling the model', async () => {
    const first = await askAndStore(gw.keys.acme, 'acme', 'bot', 'cancel my order');
    expect(first.calls).toBe(1);
    expect(first.cache).toBeUndefined();
    const again = await ask(gw.keys.acme, 'acme', 'bot', 'cancel my order');
    expect(again).toEqual({ text: first.text, cache: { kind: 'exact' }, calls: 0 });
  });

  it('answers a paraphrase from the semantic cache, and never a negation', async () => {
    const first = await ask(gw.keys.acme, 'acme', 'bot', 'cancel my order');
    const paraphrase = await ask(gw.keys.acme, 'acme', 'bot', 'please cancel the order I placed');
    expect(paraphrase.calls).toBe(0);
    expect(paraphrase.text).toBe(first.text);
    expect(paraphrase.cache).toMatchObject({ kind: 'semantic', similarity: expect.any(Number) });
    const negated = await ask(gw.keys.acme, 'acme', 'bot', "don't cancel my order");
    expect(negated.calls).toBe(1);
    expect(negated.cache).toBeUndefined();
    expect(negated.text).toContain("don't cancel my order");
  });

  it('never answers one tenant from another tenant’s entries', async () => {
    await askAndStore(gw.keys.acme, 'acme', 'bot', 'what are your opening hours');
    const other = await ask(gw.keys.globex, 'globex', 'bot', 'what are your opening hours');
    expect(other.calls).toBe(1);
    expect(other.cache).toBeUndefined();
  });

  it('bypasses the cache for an agent offering a tool with side effects, not for one whose tools are cacheable', async () => {
    await ask(gw.keys.acme, 'acme', 'mailer', 'hello there');
    const mailer = await ask(gw.keys.acme, 'acme', 'mailer', 'hello there');
    expect(mailer.calls).toBe(1);
    expect(mailer.cache).toBeUndefined();
    await askAndStore(gw.keys.acme, 'acme', 'reader', 'hello there');
    const reader = await ask(gw.keys.acme, 'acme', 'reader', 'hello there');
    expect(reader).toMatchObject({ calls: 0, cache: { kind: 'exact' } });
  });

  it('counts hits, misses and bypasses in /metrics', async () => {
    const res = await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${gw.keys.admin.key}` } });
    const text = await res.text();
    const value = (kind: string, result: string): number =>
      Number(new RegExp(`^troupe_llm_cache_lookups_total\\{kind="${kind}",result="${result}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    expect(value('exact', 'hit')).toBeGreaterThanOrEqual(3);
    expect(value('semantic', 'hit')).toBeGreaterThanOrEqual(1);
    expect(value('exact', 'miss')).toBeGreaterThanOrEqual(4);
    expect(value('exact', 'bypass')).toBeGreaterThanOrEqual(2);
  });
});
