/**
 * Agents and MCP servers defined in config: the catalog activates `agent/<name>` and
 * `tool/<name>` per tenant on first use, keeps tenants apart, refuses unknown names, and gives
 * agents the tools of a config-named MCP server (a real stdio child process).
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../config/index.js';
import { RUN_CREATE, threadOwnerAddress, type RunEvent } from '../../protocols/index.js';
import { eventually } from '../transport/contract.js';
import { MeshNode, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { RunStore, waitForRun } from '../../actors/agent/index.js';
import type { Catalog } from '../../actors/kinds/index.js';
import { composeCatalog } from '../../cli/kinds.js';
import { OfflineProvider } from '../../actors/llm/offline.js';

const fixture = fileURLToPath(new URL('../tool/fixtures/mcp-stdio-server.ts', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

let system: ActorSystem | undefined;
let catalog: Catalog | undefined;
afterEach(async () => {
  await catalog?.close();
  await system?.shutdown();
  system = catalog = undefined;
});

async function start(config: unknown): Promise<{ s: ActorSystem; c: Catalog; mesh: MeshNode }> {
  const cfg = configSchema.parse(config);
  system = await createSystem({ config: cfg });
  const mesh = new MeshNode(system);
  catalog = await composeCatalog(cfg, mesh, { provider: () => ({ provider: new OfflineProvider(), model: 'offline' }) });
  await mesh.start();
  await catalog.attachMcpServers(system);
  return { s: system, c: catalog, mesh };
}

async function ask(s: ActorSystem, c: Catalog, tenant: string, agent: string, content: string, threadId?: string) {
  const runId = `r-${tenant}-${Math.random().toString(16).slice(2)}`;
  const done = waitForRun(s, runId, tenant, 20_000);
  const ref = await c.ensure(`agent/${agent}`, tenant);
  const created = await ref.ask<{ thread_id: string }>(RUN_CREATE, {
    run_id: runId,
    ...(threadId === undefined ? {} : { thread_id: threadId }),
    input: { messages: [{ role: 'user', content }] },
  });
  return { ...(await done), thread_id: created.thread_id };
}

describe('catalog from config', () => {
  it('serves the default demo agents per tenant, activating agents and tools on first use', async () => {
    const { s, c } = await start({});
    expect(c.agents().map((a) => a.name)).toEqual(['assistant', 'triage', 'billing', 'tech']);
    // The media tools (docs/media.md) are served by default; their engines load on first call.
    expect(c.tools()).toEqual(['calculator', 'clock', 'ocr', 'speech.synthesize', 'speech.transcribe']);
    const a = await ask(s, c, 'acme', 'assistant', '/tool calculator {"expression":"6*7"}');
    expect(a.status).toBe('success');
    expect(a.output).toContain('42');
    const t = await ask(s, c, 'globex', 'triage', '/handoff billing');
    expect(t.status).toBe('success');
    expect(t.events.some((e) => e.event === 'handoff')).toBe(true);
    // Each tenant got its own activations; the default tenant none.
    // Besides each tenant's own supervisor (ADR 0015), only what that tenant used is active.
    const used = (t: string) =>
      s
        .actors(t)
        .map((r) => r.address)
        .filter((a) => !a.startsWith('supervisor/tenant.'))
        .sort();
    // The owner of the thread each run used writes that thread (ADR 0018), in that tenant only; the guardrail actor
    // checked each run's input (issue 13).
    expect(used('acme')).toEqual(['agent/assistant', 'guardrail/check', threadOwnerAddress(a.thread_id), 'tool/calculator', 'tool/clock']);
    expect(used('globex')).toEqual(['agent/billing', 'agent/triage', 'guardrail/check', threadOwnerAddress(t.thread_id)]);
    // A thread of one tenant does not exist for another.
    const store = new RunStore(s.storage);
    expect(await store.getThread('acme', a.thread_id)).toBeDefined();
    expect(await store.getThread('globex', a.thread_id)).toBeUndefined();
    await expect(c.ensure('agent/nobody', 'acme')).rejects.toMatchObject({ code: 'not_found', message: 'no agent nobody' });
    await expect(c.ensure('tool/rm-rf', 'acme')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('agents from config use the tools of a config-named MCP server over stdio, in any tenant', async () => {
    const { s, c } = await start({
      agents: [{ name: 'echoer', instructions: 'Echo things.', tools: ['fixture.echo', 'fixture.fail'] }],
      mcpServers: [{ name: 'fixture', command: process.execPath, args: ['--import', 'tsx', fixture], cwd: root }],
    });
    expect(c.tools()).toEqual(expect.arrayContaining(['fixture.echo', 'fixture.fail', 'calculator']));
    const r = await ask(s, c, 'acme', 'echoer', '/tool fixture.echo {"text":"over stdio"}\n/tool fixture.fail {"why":"on purpose"}');
    expect(r.status).toBe('success');
    const results = r.events
      .filter((e) => e.event === 'tool_result')
      .map((e) => e.data as { name: string; is_error: boolean; content: string });
    expect(results).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'fixture.echo', is_error: false, content: expect.stringContaining('over stdio') as unknown }),
        expect.objectContaining({ name: 'fixture.fail', is_error: true }),
      ]),
    );
  }, 30_000);

  it('refuses config whose handoffs name no configured agent, and duplicate names', () => {
    const bad = configSchema.safeParse({
      agents: [
        { name: 'a', instructions: 'x', handoffs: ['ghost'] },
        { name: 'a', instructions: 'y' },
      ],
    });
    expect(bad.success).toBe(false);
    const messages = bad.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        'agents.0.handoffs.0: expected the name of a configured agent',
        'agents.1.name: expected a unique agent name ("a" is used twice)',
      ]),
    );
  });
});

describe('agents on topics', () => {
  const topicsTitle =
    'an agent publishes an ACP message; an agent subscribed to the topic runs on it; a publishing loop stops at the depth limit';
  it(topicsTitle, { timeout: 30_000 }, async () => {
    const { s, c } = await start({
      agents: [
        { name: 'reporter', instructions: 'Report news.', publish: ['news.*'] },
        { name: 'listener', instructions: 'Listen to news.', subscribe: ['news.>'] },
        { name: 'ping', instructions: 'Ping.', subscribe: ['loop.ping'], publish: ['loop.pong'], maxDepth: 2 },
        { name: 'pong', instructions: 'Pong.', subscribe: ['loop.pong'], publish: ['loop.ping'], maxDepth: 2 },
      ],
    });
    // Subscriptions are made when an agent starts: activate the listeners in this tenant.
    for (const a of ['listener', 'ping', 'pong']) await c.ensure(`agent/${a}`, 'acme');
    const heard: RunEvent[] = [];
    s.subscribe('run.*', (env) => heard.push(env.payload as RunEvent), { tenant: 'acme' });
    const r = await ask(
      s,
      c,
      'acme',
      'reporter',
      '/tool publish {"topic":"news.sports","content":"the home team won"}\n/tool publish {"topic":"gossip.x","content":"not allowed"}',
    );
    expect(r.status).toBe('success');
    const results = r.events.filter((e) => e.event === 'tool_result').map((e) => e.data as { is_error: boolean; content: string });
    expect(results).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ is_error: false, content: 'published on news.sports' }),
        expect.objectContaining({ is_error: true }),
      ]),
    );
    await eventually(
      () => heard.some((e) => e.agent === 'listener' && e.event === 'status' && (e.data as { status: string }).status === 'success'),
      10_000,
      'the listener to run',
    );
    const listened = heard.find((e) => e.agent === 'listener' && e.event === 'message')!.data as { content: string };
    expect(listened.content).toContain('[message on news.sports from agent/reporter]\nthe home team won');
    const store = new RunStore(s.storage);
    const run = await store.getRun('acme', heard.find((e) => e.agent === 'listener')!.run_id);
    expect(run?.metadata).toMatchObject({ topic: 'news.sports', from: 'agent/reporter', source_run: r.events[0]!.run_id });

    // ping → pong → ping …: each hop is one deeper. At the limit a publish fails as a tool error
    // the model sees, and a message that arrives past it is refused (dead letter `rejected`).
    await s.publish('loop.ping', { content: '/tool publish {"topic":"loop.pong","content":"hi"}', depth: 2 }, { tenant: 'acme' });
    await eventually(() => heard.some((e) => e.agent === 'ping' && e.event === 'tool_result'), 10_000, 'ping to try to publish');
    expect(heard.find((e) => e.agent === 'ping' && e.event === 'tool_result')!.data).toMatchObject({
      is_error: true,
      content: expect.stringContaining('depth limit 2 reached') as unknown,
    });
    const before = await s.deadLetters.count();
    await s.publish('loop.pong', { content: 'too deep', depth: 3 }, { tenant: 'acme' });
    await eventually(async () => (await s.deadLetters.count()) > before, 10_000, 'the message to be refused');
    const refused = (await s.deadLetters.list({ reason: 'rejected', limit: 100 })).find(
      (d) => d.error?.message.includes('hops from a human') === true,
    );
    expect(refused?.error?.message).toMatch(/past agent pong's limit 2/);
    expect(heard.some((e) => e.agent === 'pong')).toBe(false);
  });
});
