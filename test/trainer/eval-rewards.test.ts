/**
 * Eval scores are experiment rewards: `troupe eval` (in process, against the real gateway and catalog) posts each
 * case's score as feedback (`feedback_source: {type: "eval"}`) on the case's run; the runs of an agent under an
 * experiment were assigned template versions, so the feedback owner forwards the scores to the experiment, which
 * promotes the version the suite's assertions prefer. `--no-feedback` posts nothing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SuiteResult } from '../../actors/index.js';
import { evalCommand } from '../../cli/eval.js';
import { configSchema } from '../../config/index.js';
import type { ExperimentEvent, ExperimentRecord } from '../../protocols/index.js';
import { startCatalogGateway, type CatalogGateway } from '../gateway/catalog-fixture.js';
import { eventually } from '../transport/contract.js';
import { echoSystem, GREET } from './fixtures.js';

const config = configSchema.parse({ prompts: GREET.prompts, agents: [GREET.helper] });

const dir = mkdtempSync(join(tmpdir(), 'troupe-eval-rewards-'));
let gw: CatalogGateway<'admin'>;

beforeAll(async () => {
  gw = await startCatalogGateway(
    config,
    { admin: { id: 'acme-admin', tenant: 'acme', roles: ['admin'] } },
    {
      compose: { provider: () => ({ provider: echoSystem, model: 'echo' }) },
    },
  );
  writeFileSync(join(dir, 'troupe.json'), JSON.stringify({ dataDir: join(dir, 'data') }));
  const tests = Array.from({ length: 10 }, (_, i) => `  - vars: {input: "hello ${i}"}`);
  writeFileSync(
    join(dir, 'suite.yaml'),
    `description: style\nproviders: [helper]\ndefaultTest:\n  assert: [{type: contains, value: STYLE-TWO}]\ntests:\n${tests.join('\n')}\n`,
  );
});

afterAll(async () => {
  await gw?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${gw.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${gw.keys.admin.key}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** `troupe eval suite.yaml --url … --key …` in process; its exit code and the result it wrote. */
async function evalSuite(...extra: string[]): Promise<{ code: number; result: SuiteResult }> {
  const out = join(dir, 'result.json');
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    const code = await evalCommand.run([
      join(dir, 'suite.yaml'),
      '--url',
      gw.url,
      '--key',
      gw.keys.admin.key,
      '--config',
      join(dir, 'troupe.json'),
      '--quiet',
      '--concurrency',
      '3',
      '--output',
      out,
      ...extra,
    ]);
    return { code, result: JSON.parse(readFileSync(out, 'utf8')) as SuiteResult };
  } finally {
    log.mockRestore();
    err.mockRestore();
  }
}

const get = async (id: string) => (await call(`/experiments/${id}`)).body as unknown as ExperimentRecord;
const rewards = (e: ExperimentRecord) => e.arms.reduce((s, a) => s + a.rewards, 0);

describe('eval scores as experiment rewards', () => {
  it('posts nothing with --no-feedback', async () => {
    const { result } = await evalSuite('--no-feedback');
    expect(result.cases).toHaveLength(10);
    for (const c of result.cases.slice(0, 3)) {
      const f = await call(`/acp/runs/${c.runIds[0]}/feedback`);
      expect(f.status).toBe(200);
      expect(f.body).toEqual([]);
    }
  });

  it('an experiment learns from eval scores and promotes the version the assertions prefer', async () => {
    const made = await call('/experiments', { id: 'style', agent: 'helper', versions: [1, 2], key: 'eval', min_samples: 3 });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    let posted = 0;
    let rounds = 0;
    let last: SuiteResult | undefined;
    while ((await get('style')).status === 'running') {
      expect(++rounds, 'promoted within 5 eval runs').toBeLessThanOrEqual(5);
      const { code, result } = await evalSuite();
      last = result;
      // Version 1 answers STYLE-ONE: its cases fail, so the eval exits 1 while the split still sends runs there.
      expect(code).toBe(result.failed === 0 ? 0 : 1);
      posted += result.cases.length;
      await eventually(async () => rewards(await get('style')) >= posted || (await get('style')).status !== 'running', 15_000, 'rewards');
    }
    const e = await get('style');
    expect(e).toMatchObject({ status: 'monitoring', promoted: 2, previous: 1 });
    for (const a of e.arms) expect(a.rewards).toBeGreaterThanOrEqual(3);
    // Each arm's rewards are the eval's scores: 1 for version 2 (its answer contains STYLE-TWO), 0 for version 1.
    expect(e.arms.find((a) => a.version === 1)).toMatchObject({ successes: 0 });
    expect(e.arms.find((a) => a.version === 2)?.failures).toBe(0);
    // The feedback is stored with the run, from the eval, naming the version the run rendered.
    const c = last?.cases[0];
    const f = (await call(`/acp/runs/${c?.runIds[0]}/feedback`)).body as unknown as Record<string, unknown>[];
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({
      key: 'eval',
      score: c?.score,
      feedback_source: { type: 'eval', metadata: { suite: 'style', case: c?.id } },
    });
    const events = (await call('/experiments/style/events')).body['events'] as ExperimentEvent[];
    const rewarded = new Set(events.filter((x) => x.type === 'reward').map((x) => x.run_id));
    expect(rewarded.has(c?.runIds[0])).toBe(true);
  });
});
