/**
 * Context injection: what the relevance filter keeps, on test/fixtures/context (24 reference passages — a support
 * policy and office trivia — and 20 questions, each labelled with the passages that answer it). Each question is
 * assembled through the real assembler with the default filter (USE-lite, threshold and budget from config's
 * defaults): recall of the relevant passages and the size of the injected context, beside the whole reference text
 * (what a static context without filtering injects). Also the assembly's p99 once passages are embedded.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assembleContext, embedderFromConfig, PassageVectors, type ContextProvider, type ProviderInput } from '../actors/index.js';
import { estimateTokens } from '../actors/index.js';
import { agentContextSchema, configSchema } from '../config/index.js';
import { latency, type BenchOptions, type Figure, type Goal, type SuiteResult } from './harness.js';

const DIR = join(process.cwd(), 'test', 'fixtures', 'context');

async function run(o: BenchOptions): Promise<SuiteResult> {
  const passages = JSON.parse(readFileSync(join(DIR, 'passages.json'), 'utf8')) as string[];
  const queries = JSON.parse(readFileSync(join(DIR, 'queries.json'), 'utf8')) as { query: string; relevant: number[] }[];
  const relevance = agentContextSchema.parse({ providers: [{ kind: 'static', text: 'x' }] }).relevance;
  const embedder = await embedderFromConfig(configSchema.parse({}).memory);
  const vectors = new PassageVectors(() => Promise.resolve(embedder));
  const provider: ContextProvider = {
    name: 'policy',
    kind: 'static',
    priority: 50,
    timeoutMs: 5_000,
    filter: true,
    provide: () => Promise.resolve(passages.map((text) => ({ text }))),
  };
  const input = (query: string): ProviderInput => ({
    tenant: 'bench',
    agent: 'support',
    runId: 'r',
    metadata: {},
    query,
    signal: new AbortController().signal,
  });
  const wholeTokens = passages.reduce((s, p) => s + estimateTokens(p), 0);
  let relevantTotal = 0;
  let relevantKept = 0;
  let keptTokens = 0;
  let keptPassages = 0;
  const misses: string[] = [];
  for (const q of queries) {
    const ctx = await assembleContext([provider], input(q.query), relevance, vectors);
    const kept = new Set(ctx.sections.flatMap((s) => s.passages.map((p) => p.text)));
    for (const i of q.relevant) {
      relevantTotal++;
      if (kept.has(passages[i] as string)) relevantKept++;
      else misses.push(`${q.query} ↛ #${i}`);
    }
    keptTokens += ctx.tokens;
    keptPassages += kept.size;
  }
  const recall = relevantKept / relevantTotal;
  const meanTokens = keptTokens / queries.length;
  const reduction = 1 - meanTokens / wholeTokens;
  const perQuestion = (keptPassages / queries.length).toFixed(1);
  const speed = await latency({
    count: o.quick ? 20 : 300,
    warmup: 10,
    op: (i) => assembleContext([provider], input((queries[i % queries.length] as { query: string }).query), relevance, vectors),
  });
  const figures: Figure[] = [
    {
      name: 'injected context per question (filtered)',
      value: meanTokens,
      unit: 'tokens',
      higherIsBetter: false,
      baselines: [{ name: 'whole reference text (no filter)', value: wholeTokens, unit: 'tokens' }],
    },
    {
      name: 'assembly p99 (passages embedded, query embedded per call)',
      value: speed.p99Us / 1000,
      unit: 'ms',
      higherIsBetter: false,
      baselines: [],
    },
  ];
  const goals: Goal[] = [
    { name: 'recall of relevant passages ≥ 0.9', met: recall >= 0.9, detail: `${relevantKept}/${relevantTotal} = ${recall.toFixed(3)}` },
    {
      name: 'context size cut ≥ 50 %',
      met: reduction >= 0.5,
      detail: `${(reduction * 100).toFixed(1)} % (${perQuestion} of ${passages.length} passages kept per question)`,
    },
  ];
  const notes = [`embedder ${embedder.id}; threshold ${relevance.threshold}, budget ${relevance.maxTokens} tokens`];
  if (misses.length > 0) notes.push(`missed: ${misses.join('; ')}`);
  await embedder.close();
  return { suite: 'context', figures, goals, notes };
}

/** The context suite. */
export const contextSuite = {
  name: 'context',
  description: 'context relevance filter: recall of relevant passages and size cut on test/fixtures/context, assembly latency',
  run,
};
