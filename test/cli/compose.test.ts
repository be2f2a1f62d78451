/** The node composition: the tenant's store is reachable through the catalog, and every model call sees the thread window. */
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../config/index.js';
import { RUN_CREATE, STORE_GET, STORE_PUT } from '../../protocols/index.js';
import { MeshNode, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { waitForRun } from '../../actors/agent/index.js';
import { OfflineProvider } from '../../actors/llm/offline.js';
import type { ChatMessage, ModelProvider, ModelRequest } from '../../actors/llm/types.js';
import { composeCatalog } from '../../cli/compose.js';

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
    const config = configSchema.parse({ agents: [{ name: 'chatty', instructions: 'Chat.' }], memory: { window: { maxMessages: 4, maxTokens: 10_000, summaryTokens: 0 } } });
    system = await createSystem({ config });
    const mesh = new MeshNode(system);
    const provider = new Seeing();
    const catalog = await composeCatalog(config, mesh, { provider: { provider, model: 'offline' } });
    await mesh.start();

    const store = await catalog.ensure('memory/store', 'acme');
    await store.ask(STORE_PUT, { namespace: ['prefs'], key: 'k', value: { colour: 'green' } });
    expect(await store.ask(STORE_GET, { namespace: ['prefs'], key: 'k' })).toMatchObject({ value: { colour: 'green' } });
    await expect((await catalog.ensure('memory/store', 'globex')).ask(STORE_GET, { namespace: ['prefs'], key: 'k' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(catalog.ensure('memory/other', 'acme')).rejects.toMatchObject({ code: 'not_found' });

    const agent = await catalog.ensure('agent/chatty', 'acme');
    let thread: string | undefined;
    for (let i = 1; i <= 5; i++) {
      const runId = `w${i}`;
      const done = waitForRun(system, runId, 'acme', 10_000);
      const created = await agent.ask<{ thread_id: string }>(RUN_CREATE, { run_id: runId, ...(thread === undefined ? {} : { thread_id: thread }), input: { messages: [{ role: 'user', content: `message ${i}` }] } });
      thread = created.thread_id;
      expect((await done).status).toBe('success');
    }
    const last = provider.shown.at(-1)!.filter((m) => m.role !== 'system');
    expect(last).toHaveLength(4); // 9 messages in the thread, the newest 4 shown
    expect(last.at(-1)).toMatchObject({ role: 'user', content: 'message 5' });
  });
});
