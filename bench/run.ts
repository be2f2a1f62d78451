/**
 * `npm run bench [-- [--quick] [--json] [suite ...]]`: runs the selected suites (all when
 * none is named) and prints the machine, every figure beside its baseline, and the goals.
 * Add a suite by exporting a {@link Suite} from `bench/<name>.bench.ts` and listing it here.
 */
import { kernelSuite } from './kernel.bench.js';
import { jetstreamSuite } from './jetstream.bench.js';
import { agentsSuite } from './agents.bench.js';
import { storageSuite } from './storage.bench.js';
import { gatewaySuite } from './gateway.bench.js';
import { memorySuite } from './memory.bench.js';
import { storeSuite } from './store.bench.js';
import { chaosSuite } from './chaos.bench.js';
import { guardrailsSuite } from './guardrails.bench.js';
import { promptsSuite } from './prompts.bench.js';
import { cacheSuite } from './cache.bench.js';
import { contextSuite } from './context.bench.js';
import { trainerSuite } from './trainer.bench.js';
import { workflowsSuite } from './workflows.bench.js';
import { consoleSuite } from './console.bench.js';
import { passivationSuite } from './passivation.bench.js';
import { multimodalSuite } from './multimodal.bench.js';
import { machineInfo, machineLines, suiteLines, type Suite, type SuiteResult } from './harness.js';

/** Every suite, in the order they run. */
export const SUITES: readonly Suite[] = [
  kernelSuite,
  jetstreamSuite,
  agentsSuite,
  storageSuite,
  gatewaySuite,
  storeSuite,
  memorySuite,
  chaosSuite,
  guardrailsSuite,
  promptsSuite,
  cacheSuite,
  contextSuite,
  trainerSuite,
  workflowsSuite,
  consoleSuite,
  passivationSuite,
  multimodalSuite,
];

interface Args {
  readonly quick: boolean;
  readonly json: boolean;
  readonly runs: number | undefined;
  readonly names: readonly string[];
}

const USAGE = `usage: npm run bench -- [--quick] [--json] [suite ...]
  --quick   few iterations (smoke test; figures are not measurements)
  --json    print one JSON document on stdout (progress goes to stderr)
  --runs N  timed runs per figure, best-of (default per suite; raise it on a busy machine)
suites: ${SUITES.map((s) => `${s.name} (${s.description})`).join(', ')}`;

function parseArgs(argv: readonly string[]): Args | string {
  let quick = false;
  let json = false;
  let runs: number | undefined;
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--quick') quick = true;
    else if (a === '--runs' || a.startsWith('--runs=')) {
      const v = Number(a === '--runs' ? argv[++i] : a.slice('--runs='.length));
      if (!Number.isInteger(v) || v < 1) return `--runs needs a positive integer\n${USAGE}`;
      runs = v;
    } else if (a === '--json') json = true;
    else if (a === '--help' || a === '-h') return USAGE;
    else if (a.startsWith('-')) return `unknown option ${a}\n${USAGE}`;
    else names.push(a);
  }
  return { quick, json, runs, names };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (typeof args === 'string') {
    process.stderr.write(`${args}\n`);
    return args === USAGE ? 0 : 2;
  }
  const unknown = args.names.filter((n) => !SUITES.some((s) => s.name === n));
  if (unknown.length > 0) {
    process.stderr.write(`unknown suite ${unknown.join(', ')}\n${USAGE}\n`);
    return 2;
  }
  const selected = args.names.length === 0 ? SUITES : SUITES.filter((s) => args.names.includes(s.name));
  const machine = machineInfo();
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  if (!args.json) {
    for (const l of machineLines(machine)) out(l);
    if (args.quick) out('mode: --quick (smoke test)');
  }
  const results: SuiteResult[] = [];
  for (const suite of selected) {
    const result = await suite.run({ quick: args.quick, runs: args.runs, log: args.json ? log : (l) => out(`  .. ${l}`) });
    results.push(result);
    if (!args.json) for (const l of suiteLines(result)) out(l);
  }
  if (args.json)
    out(JSON.stringify({ machine, quick: args.quick, runs: args.runs, at: new Date().toISOString(), suites: results }, null, 2));
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench failed: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
