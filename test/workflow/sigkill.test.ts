/**
 * A workflow outlives SIGKILL of the embedded process (docs/workflows.md, "Durable"): `troupe start` on an lmdb data
 * dir runs the example, its agents on a local OpenAI-compatible server whose answers stream slowly enough to
 * be killed mid-flight. Killed while `classify` runs, the next process continues with no traffic at all (the billing
 * model is asked by the workflow's own recovery); killed while `billing` runs, the same agent run is joined and
 * `classify` is not run again; killed while the human step waits, the run still waits and a `command: {resume}` over
 * /acp completes it with the right output, which a `join` returns.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LmdbStorage } from '../../runtime/lmdb/index.js';
import { RunStore } from '../../actors/agent/index.js';
import { cleanEnv, http, startCliGateway, until, type CliGateway } from '../gateway/cli-fixture.js';
import { oaiText, sse, startServer, type FakeServer } from '../llm/fake-servers.js';
import { expectRunOnce, routeByAgent, slowly, supportFlowConfig } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'troupe-wf-sigkill-'));
const children: CliGateway[] = [];
let model: FakeServer;
beforeAll(async () => {
  model = await startServer();
});
afterAll(async () => {
  for (const c of children) {
    if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await c.exited;
  }
  await model?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<CliGateway> {
  const file = join(dir, 'troupe.json');
  writeFileSync(file, JSON.stringify(supportFlowConfig(model)));
  const env = cleanEnv({ TROUPE_PORT: '0', TROUPE_DATA_DIR: join(dir, 'data'), FAKE_KEY: 'sk-local' });
  const c = await startCliGateway(['start', '--quiet', '--config', file], env);
  children.push(c);
  return c;
}

async function kill(c: CliGateway): Promise<void> {
  c.child.kill('SIGKILL');
  expect(await c.exited).toBe(null);
}

const TRIAGE = 'This is about your bill. ';
const BILLING = 'Your refund of the double charge is on its way. ';

describe('a workflow run outlives SIGKILL of `troupe start`', () => {
  it('continues with no traffic, joins the running agent step, keeps the human step waiting', async () => {
    const { scripts, calls } = routeByAgent(model);
    const long = (s: string) => Array.from({ length: 80 }, () => s).join('');
    // Each agent's first answer streams for ~15 s (killed mid-flight), the one its resumed run asks for is quick.
    scripts.triage.push(slowly(long('thinking '), 200), sse(oaiText([TRIAGE])));
    scripts.billing.push(slowly(long('checking '), 200), sse(oaiText([BILLING])));
    scripts.tech.push(sse(oaiText(['The tech desk answers. '])));

    // Life 1: the run starts; killed while its first step's agent (triage) streams.
    const first = await start();
    const threadId = (await http('POST', `${first.url}/acp/threads`, {})).json['thread_id'] as string;
    const created = await http('POST', `${first.url}/acp/threads/${threadId}/runs`, {
      assistant_id: 'support-flow',
      input: { text: 'I was charged twice on my bill' },
    });
    expect(created.status).toBe(200);
    const runId = created.json['run_id'] as string;
    const run = (c: CliGateway) => http('GET', `${c.url}/acp/threads/${threadId}/runs/${runId}`);
    await until('the triage model call', () => (calls('triage') === 1 ? true : undefined));
    await kill(first);

    // Life 2, no traffic: the triage run is resumed (its agent's recovery), the workflow joins it and goes on to
    // `billing` by itself (its recovery at start-up). Killed while the billing model streams.
    const second = await start();
    await until('the billing model call, with no traffic', () => (calls('billing') === 1 ? true : undefined));
    expect(calls('triage')).toBe(2);
    await kill(second);

    // Life 3, no traffic: the billing run is resumed and joined; the run comes to its human step (read from storage).
    const third = await start();
    await until('the run to wait for a person', async () => ((await run(third)).json['status'] === 'interrupted' ? true : undefined));
    expect([calls('triage'), calls('billing'), calls('tech')]).toEqual([2, 2, 0]);
    const state = await http('GET', `${third.url}/acp/threads/${threadId}/state`);
    expect(state.json['next']).toEqual(['review']);
    await kill(third);

    // Life 4: the run still waits; the resume completes it, and a join returns its output. No model is asked again.
    const fourth = await start();
    expect((await run(fourth)).json['status']).toBe('interrupted');
    expect((await http('GET', `${fourth.url}/acp/threads/${threadId}/state`)).json['next']).toEqual(['review']);
    const resumed = await http('POST', `${fourth.url}/acp/threads/${threadId}/runs/wait`, {
      assistant_id: 'support-flow',
      command: { resume: { approve: true } },
    });
    expect(resumed.status).toBe(200);
    const values = resumed.json as {
      output?: { answer: string; at: unknown };
      steps: Record<string, { status: string; output?: unknown }>;
    };
    expect(values.output?.answer).toBe(BILLING);
    expect(values.output?.at).toEqual(values.steps['stamp']?.output);
    const joined = await http('GET', `${fourth.url}/acp/threads/${threadId}/runs/${runId}/join`);
    expect(joined.status).toBe(200);
    expect(joined.json['output']).toEqual(values.output);
    expect((await run(fourth)).json['status']).toBe('success');
    expect([calls('triage'), calls('billing'), calls('tech')]).toEqual([2, 2, 0]);

    fourth.child.kill('SIGINT');
    expect(await fourth.exited).toBe(0);
    const storage = new LmdbStorage(join(dir, 'data'));
    try {
      const agentRuns = await expectRunOnce(storage, runId, { triage: TRIAGE, billing: BILLING });
      // Each agent step's run was resumed once (by its agent's recovery), not started again.
      for (const id of Object.values(agentRuns).filter((r) => r !== '')) {
        const log = await new RunStore(storage).events('default', id);
        expect(log.filter((e) => e.event === 'status' && (e.data as { resumed?: number }).resumed === 1)).toHaveLength(1);
      }
    } finally {
      await storage.close();
    }
  }, 300_000);
});
