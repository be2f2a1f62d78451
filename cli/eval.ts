/**
 * `troupe eval suite.yaml`: runs an evaluation suite (docs/evals.md) — on an embedded node from your config, or
 * against a running gateway (`--url`) — with a concurrency limit and a progress line, prints a table, writes JSON
 * and JUnit XML, stores the result under `<dataDir>/evals/`, and exits 1 when a case fails (so it can gate CI).
 * `troupe eval compare A.json B.json` shows what changed per case.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  compareResults,
  embedderFromConfig,
  expandCases,
  formatTable,
  parseSuite,
  runCases,
  toJUnit,
  type EvalCase,
  type Suite,
  type SuiteResult,
} from '../actors/index.js';
import { loadConfig } from '../config/index.js';
import { scrubbedMessage } from '../protocols/index.js';
import { TroupeClient } from '../gateway/client/index.js';
import { postCaseFeedback, spreadCases } from './eval-case.js';
import { UsageError, type Command } from './command.js';
import { SESSION_OPTIONS, SESSION_USAGE, openSession, type Session } from './session.js';

const usage = `troupe eval <suite.yaml> [--concurrency N] [--output FILE.json] [--junit FILE.xml] [--judge AGENT]
                           [--url URL[,URL…] --key KEY] [--config FILE]
troupe eval compare <before.json> <after.json>
  Runs every test of the suite on every prompt and agent it names and checks the assertions.
  --concurrency N   cases at once (default: the suite's, else 4)
  --output FILE     write the result as JSON (it is also stored under <dataDir>/evals/)
  --junit FILE      write JUnit XML
  --judge AGENT     the agent that grades llm-rubric assertions (default: the suite's judge, else the case's agent)
  --quiet           no progress line
  --feedback-key K  post each case's score as feedback with key K on the case's run (default: eval), so an
                    experiment that assigned the run counts it as a reward
  --no-feedback     post no feedback
  --url A,B         gateways of one mesh: each case goes to the one with the fewest cases in flight
${SESSION_USAGE}
Exit codes: 0 every case passed, 1 a case failed, 2 usage or a bad suite.`;

const JUDGE_PROMPT = (rubric: string, output: string): string =>
  'You grade an answer against a rubric. Reply with JSON only: {"pass": true|false, "score": 0..1, "reason": "..."}.\n' +
  `Rubric: ${rubric}\nAnswer: ${output}`;

/** The judge's verdict, from the first JSON object in its answer. */
function verdictOf(answer: string): { pass: boolean; score: number; reason: string } {
  const m = /\{[\s\S]*\}/.exec(answer);
  try {
    const v = JSON.parse(m?.[0] ?? '') as { pass?: unknown; score?: unknown; reason?: unknown };
    const score = typeof v.score === 'number' && Number.isFinite(v.score) ? Math.min(1, Math.max(0, v.score)) : v.pass === true ? 1 : 0;
    return { pass: v.pass === true, score, reason: typeof v.reason === 'string' ? v.reason : 'no reason given' };
  } catch {
    return { pass: false, score: 0, reason: `the judge did not answer JSON: ${answer.slice(0, 120)}` };
  }
}

async function evalSuite(file: string, values: Record<string, string | boolean | undefined>): Promise<number> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
  let suite: Suite;
  let cases: EvalCase[];
  try {
    suite = parseSuite(text, file);
    cases = expandCases(suite, file);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const concurrency = values['concurrency'] === undefined ? (suite.concurrency ?? 4) : Number(values['concurrency']);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256)
    throw new UsageError('--concurrency is an integer from 1 to 256');
  const needsEmbedder = cases.some((c) => c.assert.some((a) => a.type.replace(/^not-/, '') === 'similar'));
  const config = loadConfig({ file: values['config'] as string | undefined });
  const session: Session = await openSession(values as { url?: string; key?: string; config?: string });
  const embedder = needsEmbedder ? await embedderFromConfig(config.memory) : undefined;
  try {
    // `--url A,B`: gateways of one mesh; cases go to the one with the fewest in flight.
    const urls = session.url
      .split(',')
      .map((u) => u.trim().replace(/\/$/, ''))
      .filter((u) => u !== '');
    const clients = await Promise.all(
      urls.map((url) => TroupeClient.connect({ url, ...(session.key === undefined ? {} : { key: session.key }) })),
    );
    const client = clients[0] as TroupeClient;
    const spread = spreadCases(clients);
    const feedbackKey = (values['feedback-key'] as string | undefined) ?? 'eval';
    if (!/^[A-Za-z0-9_.:-]{1,100}$/.test(feedbackKey)) throw new UsageError('--feedback-key is 1-100 of A-Za-z0-9_.:-');
    const feedback =
      values['no-feedback'] === true
        ? undefined
        : {
            url: urls[0] as string,
            ...(session.key === undefined ? {} : { key: session.key }),
            feedbackKey,
            suite: suite.description ?? basename(file),
          };
    let unposted = 0;
    try {
      const judgeAgent = (values['judge'] as string | undefined) ?? suite.judge;
      const progress = values['quiet'] !== true && process.stderr.isTTY;
      const result = await runCases(suite.description ?? basename(file), cases, {
        concurrency,
        runCase: (c) => spread.runCase(c),
        ...(feedback === undefined
          ? {}
          : {
              async afterCase(r) {
                await postCaseFeedback(feedback, r).catch((e: unknown) => {
                  if (unposted++ === 0) console.error(`troupe: the eval's feedback was not posted: ${scrubbedMessage(e)}`);
                });
              },
            }),
        ...(embedder === undefined
          ? {}
          : {
              async similarity(a: string, b: string) {
                const [x, y] = await embedder.embed([a, b]);
                let dot = 0;
                for (let i = 0; i < (x?.length ?? 0); i++) dot += (x?.[i] ?? 0) * (y?.[i] ?? 0);
                return dot;
              },
            }),
        async judge(rubric, output) {
          const agent = judgeAgent ?? cases[0]?.agent ?? '';
          const conv = await client.start(agent, JUDGE_PROMPT(rubric, output));
          const o = await conv.result();
          return o.status === 'success' ? verdictOf(o.output) : { pass: false, score: 0, reason: `the judge's run ended ${o.status}` };
        },
        onCase(done, total, r) {
          if (progress)
            process.stderr.write(
              `\r[${'#'.repeat(Math.round((done / total) * 30)).padEnd(30)}] ${done}/${total} ${r.pass ? 'pass' : 'FAIL'} ${r.id}`.padEnd(
                100,
              ),
            );
        },
      });
      if (progress) process.stderr.write('\n');
      console.log(formatTable(result));
      if (unposted > 0) console.error(`troupe: ${unposted} case score(s) not posted as feedback`);
      const dir = join(config.dataDir, 'evals');
      mkdirSync(dir, { recursive: true });
      const stored = join(dir, `${result.startedAt.replace(/[:.]/g, '-')}-${basename(file).replace(/\.[^.]*$/, '')}.json`);
      const json = JSON.stringify(result, null, 2);
      writeFileSync(stored, json);
      if (typeof values['output'] === 'string') writeFileSync(values['output'], json);
      if (typeof values['junit'] === 'string') writeFileSync(values['junit'], toJUnit(result, suite.description ?? basename(file)));
      console.error(`result stored in ${stored}`);
      return result.failed === 0 ? 0 : 1;
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  } finally {
    await embedder?.close();
    await session.close();
  }
}

function readResult(file: string): SuiteResult {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SuiteResult;
  } catch (e) {
    throw new UsageError(`cannot read the result ${file}: ${(e as Error).message}`);
  }
}

function compare(a: string, b: string): number {
  const changes = compareResults(readResult(a), readResult(b));
  const fmt = (n: number | undefined): string => (n === undefined ? '  -  ' : n.toFixed(2));
  for (const c of changes) console.log(`${c.change.padEnd(9)}  ${c.id.padEnd(40)}  ${fmt(c.before)} → ${fmt(c.after)}`);
  const count = (k: string): number => changes.filter((c) => c.change === k).length;
  const summary = ['fixed', 'broke', 'same-pass', 'same-fail', 'added', 'removed'].map((k) => `${count(k)} ${k}`);
  console.log(summary.join(', '));
  return count('broke') > 0 ? 1 : 0;
}

export const evalCommand: Command = {
  name: 'eval',
  usage,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      options: {
        ...SESSION_OPTIONS,
        concurrency: { type: 'string' },
        output: { type: 'string' },
        junit: { type: 'string' },
        judge: { type: 'string' },
        quiet: { type: 'boolean' },
        'feedback-key': { type: 'string' },
        'no-feedback': { type: 'boolean' },
      },
      allowPositionals: true,
    });
    if (positionals[0] === 'compare') {
      if (positionals.length !== 3) throw new UsageError('troupe eval compare needs two result files');
      return compare(positionals[1] as string, positionals[2] as string);
    }
    if (positionals.length !== 1) throw new UsageError('troupe eval needs one suite file');
    return evalSuite(positionals[0] as string, values);
  },
};
