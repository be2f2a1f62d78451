/** The node composition: the tenant's store is reachable through the catalog, and every model call sees the thread window. */
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../config/index.js';
import { RUN_CREATE, STORE_GET, STORE_PUT } from '../../protocols/index.js';
import { MeshNode, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { waitForRun } from '../../actors/agent/index.js';
import { OfflineProvider } from '../../actors/llm/offline.js';
import type { ChatMessage, ModelProvider, ModelRequest } from '../../actors/llm/types.js';
import { composeCatalog } from '../../cli/kinds.js';
import { RAG_INGEST, RECALL_HEADING } from '../../actors/memory/index.js';

let system: ActorSystem | undefined;
afterEach(async () => {
  await system?.shutdown();
  system = undefined;
});

/** The offline model, remembering what each call was shown. */
class Seeing implements ModelProvider {
  readonly name = 'offline';
  readonly shown: (readonly ChatMessage[])[] = [];
  private readonly inner = new OfflineProvider();
  stream(request: ModelRequest) {
    this.shown.push(request.messages);
    return this.inner.stream(request);
  }
}

describe('composeCatalog', () => {
  it('serves memory/store per tenant and bounds what the model sees by the thread window', async () => {
    const config = configSchema.parse({
      agents: [{ name: 'chatty', instructions: 'Chat.' }],
      memory: { window: { maxMessages: 4, maxTokens: 10_000, summaryTokens: 0 } },
    });
    system = await createSystem({ config });
    const mesh = new MeshNode(system);
    const provider = new Seeing();
    const catalog = await composeCatalog(config, mesh, { provider: () => ({ provider, model: 'offline' }) });
    await mesh.start();

    const store = await catalog.ensure('memory/store', 'acme');
    // The first put starts the embedding workers (the model loads): seconds on a loaded machine, past the 5 s default.
    await store.ask(STORE_PUT, { namespace: ['prefs'], key: 'k', value: { colour: 'green' } }, { timeoutMs: 30_000 });
    expect(await store.ask(STORE_GET, { namespace: ['prefs'], key: 'k' })).toMatchObject({ value: { colour: 'green' } });
    await expect((await catalog.ensure('memory/store', 'globex')).ask(STORE_GET, { namespace: ['prefs'], key: 'k' })).rejects.toMatchObject(
      { code: 'not_found' },
    );
    await expect(catalog.ensure('memory/other', 'acme')).rejects.toMatchObject({ code: 'not_found' });

    const agent = await catalog.ensure('agent/chatty', 'acme');
    let thread: string | undefined;
    for (let i = 1; i <= 5; i++) {
      const runId = `w${i}`;
      const done = waitForRun(system, runId, 'acme', 10_000);
      const created = await agent.ask<{ thread_id: string }>(RUN_CREATE, {
        run_id: runId,
        ...(thread === undefined ? {} : { thread_id: thread }),
        input: { messages: [{ role: 'user', content: `message ${i}` }] },
      });
      thread = created.thread_id;
      expect((await done).status).toBe('success');
    }
    const last = provider.shown.at(-1)!.filter((m) => m.role !== 'system');
    expect(last).toHaveLength(4); // 9 messages in the thread, the newest 4 shown
    expect(last.at(-1)).toMatchObject({ role: 'user', content: 'message 5' });
    // Above the 20 s default: the first put alone may take up to its 30 s (the embedding model loading under load).
  }, 60_000);
});

describe('composeCatalog with collections', () => {
  it('recalls passages from the agent’s collections before each model call, and serves search/remember tools, per tenant', async () => {
    const config = configSchema.parse({
      collections: [{ name: 'facts' }],
      agents: [
        {
          name: 'librarian',
          instructions: 'Answer from memory.',
          tools: ['search_facts', 'remember_facts'],
          recall: { collections: ['facts'], k: 2 },
        },
      ],
      memory: { embedThreads: 0 },
    });
    system = await createSystem({ config });
    const mesh = new MeshNode(system);
    const provider = new Seeing();
    const catalog = await composeCatalog(config, mesh, { provider: () => ({ provider, model: 'offline' }) });
    await mesh.start();
    try {
      const facts = await catalog.ensure('collection/facts', 'acme');
      await facts.ask(
        RAG_INGEST,
        {
          documents: [
            {
              id: 'mars',
              format: 'text',
              content: 'Mars is the fourth planet from the Sun. Its red colour comes from iron oxide on its surface.',
            },
            {
              id: 'venus',
              format: 'text',
              content: 'Venus is the second planet from the Sun and the hottest, with a thick carbon dioxide atmosphere.',
            },
          ],
        },
        { timeoutMs: 60_000 },
      );
      const s = system;
      const runOn = async (tenant: string, content: string) => {
        const runId = `c${Math.random().toString(16).slice(2)}`;
        const done = waitForRun(s, runId, tenant, 30_000);
        await (
          await catalog.ensure('agent/librarian', tenant)
        ).ask(RUN_CREATE, { run_id: runId, input: { messages: [{ role: 'user', content }] } });
        return done;
      };
      expect((await runOn('acme', 'Which planet is red because of iron oxide?')).status).toBe('success');
      const recalled = provider.shown.at(-1)!.find((m) => m.role === 'system' && m.content.startsWith(RECALL_HEADING));
      expect(recalled?.content).toContain('(mars#0)');
      expect(recalled!.content.indexOf('(mars#0)')).toBeLessThan(
        recalled!.content.indexOf('(venus#0)') === -1 ? Infinity : recalled!.content.indexOf('(venus#0)'),
      );

      // Another tenant's collection is its own: nothing to recall there.
      await runOn('globex', 'Which planet is red because of iron oxide?');
      expect(provider.shown.at(-1)!.some((m) => m.content.startsWith(RECALL_HEADING))).toBe(false);

      const searched = await runOn('acme', '/tool search_facts {"query":"hottest planet"}');
      const result = searched.events.find((e) => e.event === 'tool_result')!.data as { is_error: boolean; content: string };
      expect(result.is_error).toBe(false);
      expect(result.content).toContain('"documentId":"venus"');
      await runOn('globex', '/tool remember_facts {"text":"Pluto was reclassified as a dwarf planet in 2006."}');
      const there = await runOn('globex', '/tool search_facts {"query":"dwarf planet Pluto"}');
      expect((there.events.find((e) => e.event === 'tool_result')!.data as { content: string }).content).toContain('Pluto');
      const notHere = await runOn('acme', '/tool search_facts {"query":"dwarf planet Pluto"}');
      expect((notHere.events.find((e) => e.event === 'tool_result')!.data as { content: string }).content).not.toContain('Pluto');
    } finally {
      await catalog.close();
    }
  }, 90_000);

  it('refuses an agent that recalls from a collection config does not name', async () => {
    const config = configSchema.parse({ agents: [{ name: 'x', instructions: 'x', recall: { collections: ['ghost'] } }] });
    system = await createSystem({ config });
    await expect(composeCatalog(config, new MeshNode(system))).rejects.toThrow(
      'agents: x recalls from collection "ghost", which config.collections does not name',
    );
  });
});
