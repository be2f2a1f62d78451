/**
 * The first-run experience on the default agents, offline: the catalog gives the offline model
 * the shared USE-lite router, and the agents' descriptions reach the handoff tools, so the triage
 * desk hands a billing complaint to billing and the assistant works out arithmetic asked in prose.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../config/index.js';
import { RUN_CREATE } from '../../protocols/index.js';
import { MeshNode, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { waitForRun } from '../../actors/agent/index.js';
import type { Catalog } from '../../actors/kinds/index.js';
import { composeCatalog } from '../../cli/kinds.js';

let system: ActorSystem | undefined;
let catalog: Catalog | undefined;
afterEach(async () => {
  await catalog?.close();
  await system?.shutdown();
  system = catalog = undefined;
});

async function ask(agent: string, content: string) {
  const s = system as ActorSystem;
  const runId = `r-${Math.random().toString(16).slice(2)}`;
  const done = waitForRun(s, runId, 'acme', 30_000);
  const ref = await (catalog as Catalog).ensure(`agent/${agent}`, 'acme');
  await ref.ask(RUN_CREATE, { run_id: runId, input: { messages: [{ role: 'user', content }] } });
  return done;
}

describe('the default agents on the offline model', () => {
  it('hand off, call tools and answer by meaning', async () => {
    const config = configSchema.parse({});
    system = await createSystem({ config });
    const mesh = new MeshNode(system);
    catalog = await composeCatalog(config, mesh);
    await mesh.start();

    const billing = await ask('triage', 'I was charged twice on my invoice, please help');
    expect(billing.status).toBe('success');
    expect(billing.events.find((e) => e.event === 'handoff')?.data).toEqual({ from: 'triage', to: 'billing' });
    expect(billing.events.at(-1)?.agent).toBe('billing');

    const tech = await ask('triage', 'the installer fails with a strange error on my laptop');
    expect(tech.events.find((e) => e.event === 'handoff')?.data).toEqual({ from: 'triage', to: 'tech' });

    const sum = await ask('assistant', 'what is 2*(3+4)^2?');
    expect(sum.status).toBe('success');
    expect(sum.output).toContain('98');

    const chat = await ask('triage', 'good morning, nice weather today');
    expect(chat.events.some((e) => e.event === 'handoff')).toBe(false);
    expect(chat.output).toContain('offline model');
  }, 60_000);
});
