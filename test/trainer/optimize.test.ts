/**
 * Prompt optimisation through the real gateway and catalog, on a scripted student whose accuracy depends on its
 * prompt: it answers a `shout:` task only when its system prompt shows a `shout:` example, a `whisper:` task only
 * with a `whisper:` example or an instruction that mentions lowercase. A scripted teacher's rewrite mentions it; a
 * feedback correction gives a `shout:` example; bootstrapping from the runs the rewrite got right gives `whisper:`
 * ones. The job (admin only, progress on /ws) must beat the baseline on the held-out cases, save the winner labelled
 * `candidate` with its scores, within its budget — and the saved version, loaded and applied, gives the student the
 * exact system prompt that was scored.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PromptLibrary, type ModelRequest } from '../../actors/index.js';
import { optimizeCommand } from '../../cli/optimize.js';
import { configSchema } from '../../config/index.js';
import type { OptimizeEvent, OptimizeRecord } from '../../protocols/index.js';
import { startCatalogGateway, type CatalogGateway } from '../gateway/catalog-fixture.js';
import { WsClient } from '../gateway/ws-fixture.js';
import { eventually } from '../transport/contract.js';
import { replying, systemPrompt } from './fixtures.js';

const systemOf = systemPrompt;
const lastUser = (r: ModelRequest): string => String(r.messages.findLast((m) => m.role === 'user')?.content ?? '');

/** System prompts the student saw, by user message. */
const seenBy = new Map<string, string>();

const student = replying((r) => {
  const system = systemOf(r);
  const task = lastUser(r);
  seenBy.set(task, system);
  const [kind, word = ''] = task.split(': ');
  if (kind === 'shout' && system.includes('Input: shout:')) return `${word.toUpperCase()}!`;
  if (kind === 'whisper' && (system.includes('Input: whisper:') || system.includes('lowercase'))) return `${word.toLowerCase()}...`;
  return 'I do not know.';
});
const teacher = replying(() => 'Do the task in the message. To whisper a word: write it in lowercase, then "...". {{ not a tag');

const WORDS = ['apple', 'river', 'stone', 'cloud', 'ember', 'maple', 'delta', 'frost', 'lemon', 'orbit'];
const suite = [
  'description: shout and whisper',
  'prompts: ["{{task}}"]',
  'providers: [student]',
  'tests:',
  ...WORDS.flatMap((w) => [
    `  - vars: {task: "shout: ${w}"}`,
    `    assert: [{type: equals, value: "${w.toUpperCase()}!"}]`,
    `  - vars: {task: "whisper: ${w.toUpperCase()}"}`,
    `    assert: [{type: equals, value: "${w}..."}]`,
  ]),
].join('\n');

const config = configSchema.parse({
  prompts: [{ name: 'solver', template: 'Answer the task.' }],
  agents: [
    { name: 'student', description: 'learns', instructions: 'Be exact.', prompt: 'solver@production' },
    { name: 'teacher', description: 'rewrites prompts', instructions: 'Rewrite.' },
  ],
});

let gw: CatalogGateway<'admin' | 'user'>;
const auth = (k: { key: string }) => ({ authorization: `Bearer ${k.key}` });

beforeAll(async () => {
  gw = await startCatalogGateway(
    config,
    { admin: { id: 'acme-admin', tenant: 'acme', roles: ['admin'] }, user: { id: 'acme-user', tenant: 'acme', roles: ['user'] } },
    { compose: { provider: (agent) => ({ provider: agent === 'teacher' ? teacher : student, model: 'scripted' }) } },
  );
});

afterAll(() => gw?.close());

async function call(path: string, k: { key: string }, init: { method?: string; body?: unknown } = {}) {
  const res = await fetch(`${gw.url}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { ...auth(k), 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> };
}

const job = async (id: string) => (await call(`/optimizations/${id}`, gw.keys.admin)).body as unknown as OptimizeRecord;
const done = (id: string) =>
  eventually(async () => (await job(id)).status !== 'running', 60_000, `optimisation ${id} to end`).then(() => job(id));

describe('/optimizations', () => {
  it('is for admins only and answers bad input with 4xx', async () => {
    expect((await call('/optimizations', gw.keys.user)).status).toBe(403);
    const bad = async (body: unknown, status: number, says: RegExp) => {
      const r = await call('/optimizations', gw.keys.admin, { body });
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      expect(JSON.stringify(r.body)).toMatch(says);
    };
    await bad({ agent: 'student' }, 400, /suite/);
    await bad({ agent: 'student', suite, holdout: 0.95 }, 400, /holdout is at most 0.9/);
    await bad({ agent: 'student', suite, budget: 1 }, 400, /budget/);
    await bad({ agent: 'nobody', suite }, 404, /agent nobody not found/);
    await bad({ agent: 'student', suite, teacher: 'nobody' }, 404, /agent nobody not found/);
    await bad({ agent: 'teacher', suite }, 400, /renders no prompt template/);
    await bad({ agent: 'student', suite: 'tests: [' }, 400, /./);
    expect((await call('/optimizations/missing', gw.keys.admin)).status).toBe(404);
  });

  it('beats the baseline on held-out cases and saves the winner with exact strings', async () => {
    // A person's correction of an earlier run: a demonstration for the `shout:` task.
    const thread = await call('/acp/threads', gw.keys.admin, { body: {} });
    const tid = thread.body['thread_id'] as string;
    await call(`/acp/threads/${tid}/runs/wait`, gw.keys.admin, {
      body: { assistant_id: 'student', input: { messages: [{ role: 'user', content: 'shout: hello' }] } },
    });
    const runs = (await call(`/acp/threads/${tid}/runs`, gw.keys.admin)).body as unknown as { run_id: string }[];
    const fb = await call(`/acp/runs/${runs[0]!.run_id}/feedback`, gw.keys.admin, {
      body: { key: 'correctness', score: 0, correction: 'HELLO!' },
    });
    expect(fb.status).toBe(200);
    // A well-scored answer is a demonstration too (its text as the model gave it).
    const t3 = (await call('/acp/threads', gw.keys.admin, { body: {} })).body['thread_id'] as string;
    await call(`/acp/threads/${t3}/runs/wait`, gw.keys.admin, {
      body: { assistant_id: 'student', input: { messages: [{ role: 'user', content: 'whisper: ABC' }] } },
    });
    const r3 = (await call(`/acp/threads/${t3}/runs`, gw.keys.admin)).body as unknown as { run_id: string }[];
    expect((await call(`/acp/runs/${r3[0]!.run_id}/feedback`, gw.keys.admin, { body: { key: 'thumbs', score: true } })).status).toBe(200);

    const ws = await WsClient.connect(`${gw.url.replace('http', 'ws')}/ws`, auth(gw.keys.admin));
    await ws.type('welcome');
    ws.send({ type: 'subscribe', topic: 'trainer.optimizations.opt1' });
    ws.send({ type: 'ping' });
    await ws.type('pong');

    const started = await call('/optimizations', gw.keys.admin, {
      body: { id: 'opt1', agent: 'student', suite, teacher: 'teacher', rewrites: 1, holdout: 0.4, budget: 100 },
    });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.body).toMatchObject({ id: 'opt1', status: 'running', template: 'solver', base_version: 1 });
    const rec = await done('opt1');
    expect(rec.status, rec.error).toBe('completed');
    expect(rec.heldout).toHaveLength(8);
    expect(rec.used).toBeLessThanOrEqual(100);
    const base = rec.candidates[0]!;
    const winner = rec.winner!;
    console.log(
      `optimisation: held-out accuracy ${base.heldout} before, ${winner.heldout} after (train ${base.train} → ${winner.train}); ` +
        `${rec.candidates.length} candidates, ${rec.used} metric calls`,
    );
    expect(base.heldout).toBe(0);
    expect(winner.heldout).toBe(1);
    expect(winner.baseline_heldout).toBe(0);
    expect(rec.candidates.map((c) => c.kind)).toEqual(['baseline', 'rewrite', 'fewshot', 'fewshot']);
    const rewrite = rec.candidates[1]!;
    expect(rewrite.train).toBeGreaterThan(0); // the rewrite's lowercase rule solves the whisper cases
    expect(rewrite.train).toBeLessThan(1);

    // Saved labelled `candidate`, with its scores; `production` untouched.
    const lib = new PromptLibrary(gw.system.storage, config);
    const labels = await lib.labels('acme', 'solver');
    expect(labels['candidate']).toBe(winner.version);
    expect(labels['production']).toBe(1);
    const saved = (await lib.version('acme', 'solver', winner.version)).version;
    expect(saved.description).toContain('held-out 1.000 (baseline held-out 0.000)');
    const scored = rec.candidates[winner.index]!;
    // Byte for byte: the stored version has the candidate's exact strings, including demos and a literal "{{".
    expect(saved.template).toBe(scored.body.template);
    expect(saved.sections).toEqual(scored.body.sections);
    expect(saved.variables).toEqual(scored.body.variables);
    const demos = String((saved.variables['opt_demos'] as { default: string }).default);
    expect(demos).toContain('Input: shout: hello\nOutput: HELLO!\n\nInput: whisper: ABC\nOutput: I do not know.');
    expect(demos).toMatch(/Input: whisper: [A-Z]+\nOutput: [a-z]+\.\.\./);
    // Applied: a run pinned to `solver@candidate` gives the student the same system prompt the scored version gave it.
    const scoredPrompt = (await lib.render('acme', `solver@${scored.version as number}`, {})).text;
    const savedPrompt = (await lib.render('acme', 'solver@candidate', {})).text;
    expect(savedPrompt).toBe(scoredPrompt);
    const t2 = (await call('/acp/threads', gw.keys.admin, { body: {} })).body['thread_id'] as string;
    const applied = await call(`/acp/threads/${t2}/runs/wait`, gw.keys.admin, {
      body: {
        assistant_id: 'student',
        input: { messages: [{ role: 'user', content: 'shout: zebra' }] },
        config: { prompt: 'solver@candidate' },
      },
    });
    expect((applied.body['messages'] as { content: string }[]).at(-1)?.content).toBe('ZEBRA!');
    expect(seenBy.get('shout: zebra')).toBe(`${savedPrompt}\n\nBe exact.`);

    // Progress over /ws and in the event log.
    const completed = await ws.next((f) => f['type'] === 'message' && (f['payload'] as OptimizeEvent).type === 'completed', 10_000);
    expect((completed['payload'] as OptimizeEvent).state?.winner?.version).toBe(winner.version);
    const events = (await call('/optimizations/opt1/events', gw.keys.admin)).body['events'] as OptimizeEvent[];
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.filter((e) => e.type === 'scored').length).toBeGreaterThanOrEqual(4);
    ws.close();
  });

  it('keeps to its budget', async () => {
    const started = await call('/optimizations', gw.keys.admin, {
      body: { id: 'small', agent: 'student', suite, teacher: 'teacher', budget: 20 },
    });
    expect(started.status).toBe(202);
    const rec = await done('small');
    expect(rec.status).toBe('completed');
    expect(rec.used).toBeLessThanOrEqual(20);
    expect(rec.used).toBeGreaterThan(0);
    const list = (await call('/optimizations', gw.keys.admin)).body['optimizations'] as OptimizeRecord[];
    expect(list.map((o) => o.id).sort()).toEqual(['opt1', 'small']);
  });

  it('troupe optimize starts a job and follows it to its end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'troupe-optimize-'));
    const file = join(dir, 'suite.yaml');
    writeFileSync(file, suite);
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
    const cli = (...args: string[]) => optimizeCommand.run([...args, '--url', gw.url, '--key', gw.keys.admin.key, '--interval-ms', '50']);
    try {
      expect(await cli('start', '--agent', 'student', '--suite', file, '--id', 'bycli', '--budget', '40', '--wait')).toBe(0);
      expect(lines.some((l) => / created /.test(l))).toBe(true);
      expect(lines.at(-1)).toMatch(/^bycli {2}student {2}completed \(done\) {2}\d+\/40 runs {2}baseline held-out 0\.0%/);
      expect(await cli('list')).toBe(0);
      expect(lines.filter((l) => l.startsWith('opt1  student  completed'))).toHaveLength(1);
      await expect(cli('show', 'nope')).rejects.toThrow(/HTTP 404/);
    } finally {
      log.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
