/**
 * The client commands as a user runs them (real child processes, embedded node on a temp data
 * dir): help, `run` (text and --json, failure exit code), `threads`/`runs`, `chat` with a handoff
 * and an approval, `ingest` then an agent answering from the ingested files, and `--url` against
 * a `troupe start` that serves the user's config (not the demo).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, cleanEnv, startCliGateway, troupeArgv } from '../gateway/cli-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'troupe-cmd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `troupe <args>` to its end, `input` on stdin (the built CLI when current: test/gateway/cli-fixture.ts). */
function troupe(
  args: string[],
  options: { data: string; input?: string; env?: Record<string, string> },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, troupeArgv(args), {
    cwd: ROOT,
    env: cleanEnv({ TROUPE_DATA_DIR: join(dir, options.data), ...options.env }),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(options.input ?? '');
  return new Promise((ok) => child.once('close', (code) => ok({ code, stdout, stderr })));
}

function config(name: string, value: unknown): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

// The commands' tests share nothing (own data directories and configs): all but the ingest test run side by side (each
// CLI process is seconds of CPU spent loading; one at a time left a core idle). The ingest test runs alone, last: its
// agent's recall asks the collection with a fixed 10 s bound, which a cold embedding model beside four CLIs can miss.
describe('troupe commands', () => {
  it.concurrent(
    'answers --help for the CLI and each command with exit 0, and an unknown command with 2',
    async ({ expect }) => {
      const [top, chat, ingest, bad] = await Promise.all([
        troupe(['--help'], { data: 'h' }),
        troupe(['chat', '--help'], { data: 'h' }),
        troupe(['ingest', '-h'], { data: 'h' }),
        troupe(['frobnicate'], { data: 'h' }),
      ]);
      expect(top.code).toBe(0);
      for (const c of ['start', 'chat', 'run', 'ingest', 'threads', 'runs', 'node', 'key', 'config'])
        expect(top.stdout).toContain(`  ${c} `);
      expect(chat.code).toBe(0);
      expect(chat.stdout).toContain('troupe chat <agent>');
      expect(ingest.code).toBe(0);
      expect(ingest.stdout).toContain('troupe ingest <collection>');
      expect(bad.code).toBe(2);
    },
    60_000,
  );

  it.concurrent(
    'run prints the answer or JSON, fails with a non-zero exit, and threads/runs list what ran',
    async ({ expect }) => {
      const calc = await troupe(['run', 'assistant', 'what is 2*(3+4)^2?'], { data: 'r' });
      expect(calc.code, calc.stderr).toBe(0);
      expect(calc.stdout).toContain('"value":98');
      const json = await troupe(['run', '--json', 'triage', 'I was charged twice on my invoice, please help'], { data: 'r' });
      const out = JSON.parse(json.stdout) as { status: string; thread_id: string; run_id: string; handoffs: unknown[] };
      expect(out).toMatchObject({ status: 'success', handoffs: [{ from: 'triage', to: 'billing' }] });
      const [missing, threads, runs] = await Promise.all([
        troupe(['run', 'nobody', 'hi'], { data: 'r' }),
        troupe(['threads'], { data: 'r' }),
        troupe(['runs', out.thread_id], { data: 'r' }),
      ]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('nobody');
      expect(threads.code).toBe(0);
      expect(threads.stdout).toContain(out.thread_id);
      expect(threads.stdout.trim().split('\n')).toHaveLength(2);
      expect(runs.stdout).toContain(out.run_id);
      // Three rounds of child processes, each starting an embedded node (4-8 s of CPU apiece): 120 s ran out at load 17-34.
    },
    240_000,
  );

  it.concurrent(
    'chat streams, follows a handoff, and asks for approvals',
    async ({ expect }) => {
      const file = config('careful', {
        agents: [
          { name: 'desk', description: 'Front desk.', instructions: 'Route.', handoffs: ['maths'] },
          {
            name: 'maths',
            description: 'Does arithmetic: sums, products, powers, percentages.',
            instructions: 'Compute.',
            tools: ['calculator'],
            approvals: ['calculator'],
          },
        ],
      });
      const r = await troupe(['chat', 'desk', '--config', file], {
        data: 'c',
        input: 'I need help with some arithmetic\nwhat is 6*7?\ny\nwhat is 2+2?\nn\n/exit\n',
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('→ handed to maths');
      expect(r.stdout).toContain('? approval needed: calculator {"expression":"6*7"}');
      expect(r.stdout).toContain('"value":42');
      expect(r.stdout).toContain('calculator rejected by a human');
    },
    90_000,
  );

  it.concurrent(
    'start serves the user config without the demo, and run --url talks to it',
    async ({ expect }) => {
      const file = config('own', { agents: [{ name: 'helper', description: 'Helps.', instructions: 'Help.' }] });
      const gw = await startCliGateway(
        ['start', '--config', file, '--quiet'],
        cleanEnv({ TROUPE_PORT: '0', TROUPE_DATA_DIR: join(dir, 's') }),
        { compiled: true },
      );
      try {
        expect(gw.output()).toContain('troupe: agents helper on');
        expect(gw.output()).toContain('serving your config (the demo runs only on the default config or with --demo)');
        const r = await troupe(['run', 'helper', 'hello from afar', '--url', gw.url], { data: 'unused' });
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toContain('you said: hello from afar');
      } finally {
        gw.child.kill('SIGINT');
      }
      expect(await gw.exited).toBe(0);
    },
    90_000,
  );
  it('ingest reads Markdown, text, HTML and JSON by glob; an agent then answers from them', async () => {
    const docs = join(dir, 'docs');
    mkdirSync(join(docs, 'sub'), { recursive: true });
    writeFileSync(join(docs, 'leave.md'), '# Leave\n\nStaff get 25 days of paid vacation a year, plus public holidays.\n');
    writeFileSync(join(docs, 'office.txt'), 'The office opens at 8 and closes at 18 on weekdays.');
    writeFileSync(join(docs, 'sub', 'parking.html'), '<h1>Parking</h1><p>Bicycles go in the basement rack.</p>');
    writeFileSync(join(docs, 'sub', 'wifi.json'), JSON.stringify({ wifi: { network: 'guest', password: 'printed at reception' } }));
    writeFileSync(join(docs, 'logo.bin'), 'not a document');
    const file = config('handbook', {
      collections: [{ name: 'handbook' }],
      agents: [{ name: 'librarian', instructions: 'Answer from the handbook.', recall: { collections: ['handbook'], k: 2 } }],
    });
    const ing = await troupe(['ingest', 'handbook', `${docs}/**/*`, '--config', file], { data: 'i' });
    expect(ing.code, ing.stderr).toBe(0);
    expect(ing.stdout).toMatch(/ingested 4 of 4 files into collection "handbook" \(4 added, 0 replaced, 0 unchanged; \d+ chunks/);
    expect(ing.stdout).toContain('skipped 1 files of other types');
    expect(ing.stderr).toContain('[4/4]');
    const asked = await troupe(['run', 'librarian', 'how many vacation days do staff get?', '--config', file], { data: 'i' });
    expect(asked.code, asked.stderr).toBe(0);
    expect(asked.stdout).toContain('From what I recall');
    expect(asked.stdout).toContain('25 days of paid vacation');
  }, 120_000);
});
