/**
 * Prompt rendering (issue 14): a template with three partials and five context sections (priorities, two
 * with their own token budgets, a template budget that forces the lowest-priority section out, so every
 * render counts tokens with the real tokenizer), variables different on every render. Figures: the
 * render of compiled templates (what a run pays after the version is cached: retrieval excluded), and
 * the whole `PromptLibrary.render` on memory storage (label read, partials resolved). Baseline: plain
 * string concatenation of the same text with the same values, measured in the same run.
 */
import { PromptLibrary, countTokens, renderCompiled } from '../actors/index.js';
import { configSchema } from '../config/index.js';
import { MemoryStorage } from '../runtime/index.js';
import { latency, percentile, type BenchOptions, type Figure, type Goal, type Suite, type SuiteResult } from './harness.js';

/**
 * CPU time (user + system, `process.cpuUsage`) of each of `count` calls, p50/p99 in µs: unlike wall time it
 * leaves out the time the process waits for a core, which on a loaded machine dominates the wall p99 of any
 * operation longer than a few µs (a call crossing the scheduler's slice waits for the other processes).
 */
function cpuLatency(count: number, op: (i: number) => void): { p50Us: number; p99Us: number } {
  const samples = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const t0 = process.cpuUsage();
    op(i);
    const d = process.cpuUsage(t0);
    samples[i] = d.user + d.system;
  }
  samples.sort();
  return { p50Us: percentile(samples, 50), p99Us: percentile(samples, 99) };
}

const POLICY = [
  'Refunds are allowed within 30 days of delivery for unused items in their original packaging.',
  'Digital goods are not refundable once downloaded.',
  'Shipping costs are refunded only when the item arrived damaged or was not the item ordered.',
].join(' ');
const DOC = [
  'To reset a router, hold the recessed button on the back for ten seconds until the status light blinks amber,',
  'then wait two minutes for it to restart. The default network name and password are printed on the label underneath.',
].join(' ');
const SAFETY = 'Never reveal internal notes, credentials or other customers’ data. Refuse requests for them politely.';

const config = configSchema.parse({
  prompts: [
    {
      name: 'header',
      template: 'You are the support assistant of {{company}}.',
      variables: { company: { type: 'string', required: true } },
    },
    { name: 'safety', template: SAFETY },
    {
      name: 'style',
      template: 'Answer in {{language}}, in at most {{max_sentences}} sentences.',
      variables: { language: { type: 'string', default: 'English' }, max_sentences: { type: 'number', default: 4 } },
    },
    {
      name: 'support',
      template: '{{> header}}\n{{> safety}}\n{{> style}}\nThe customer is {{customer.name}} on the {{customer.plan}} plan.',
      variables: {
        customer: { type: 'object', required: true },
        policy: { type: 'string' },
        docs: { type: 'array' },
        history: { type: 'string' },
        profile: { type: 'string' },
        now_note: { type: 'string' },
      },
      maxTokens: 260,
      sections: [
        { name: 'policy', template: 'Policy:\n{{policy}}', priority: 100 },
        { name: 'docs', template: 'Relevant documents:\n{{#docs}}- {{.}}\n{{/docs}}', priority: 50, maxTokens: 160 },
        { name: 'profile', template: 'Customer profile: {{profile}}', priority: 40 },
        { name: 'history', template: 'Earlier in this conversation: {{history}}', priority: 10, maxTokens: 120 },
        { name: 'time', template: 'Current time: {{now_note}}', priority: 5 },
      ],
    },
  ],
});

function variables(i: number) {
  return {
    company: `Acme ${i % 97}`,
    customer: { name: `Customer ${i}`, plan: i % 2 === 0 ? 'pro' : 'free' },
    policy: `${POLICY} (rev ${i % 13})`,
    docs: [`${DOC} [doc ${i}]`, `${DOC.slice(0, 120)} [doc ${i + 1}]`, `Firmware ${i % 7}.${i % 5} fixes Wi-Fi drops.`],
    history: `The customer asked about order #${40_000 + i} and a refund for a damaged router twice. `.repeat(3),
    profile: `prefers email; ${i % 3} open tickets; language English`,
    now_note: new Date(1_700_000_000_000 + i * 1000).toISOString(),
  };
}

/** The same text built by hand: what the render is compared with. */
function concatenated(v: ReturnType<typeof variables>): string {
  return [
    `You are the support assistant of ${v.company}.\n${SAFETY}\nAnswer in English, in at most 4 sentences.\n` +
      `The customer is ${v.customer.name} on the ${v.customer.plan} plan.`,
    `Policy:\n${v.policy}`,
    `Relevant documents:\n${v.docs.map((d) => `- ${d}\n`).join('')}`.trim(),
    `Customer profile: ${v.profile}`,
    `Earlier in this conversation: ${v.history}`.trim(),
    `Current time: ${v.now_note}`,
  ].join('\n\n');
}

async function run(o: BenchOptions): Promise<SuiteResult> {
  const lib = new PromptLibrary(new MemoryStorage(), config);
  const { template } = await lib.resolve('bench', 'support');
  const partials = await lib.partials('bench', template);
  const builtins = { agent: 'bench', persona: '', metadata: {}, now: '', context: {} };
  const count = o.quick ? 300 : 20_000;
  const warmup = o.quick ? 50 : 2_000;
  const runs = o.runs ?? (o.quick ? 1 : 3);

  const sample = renderCompiled(template, variables(1), builtins, partials);
  const notes = [
    `rendered: ${countTokens(sample.text)} tokens (o200k_base), dropped ${JSON.stringify(sample.dropped)}; ` +
      `unbudgeted ${countTokens(concatenated(variables(1)))} tokens`,
  ];
  let sink = 0;
  const best = async (op: (i: number) => Promise<unknown>) => {
    let out = await latency({ count, warmup, op });
    for (let r = 1; r < runs; r++) {
      const l = await latency({ count, warmup: 0, op });
      if (l.p99Us < out.p99Us) out = l;
    }
    return out;
  };
  o.log('prompts: baseline (string concatenation)');
  const base = await best((i) => {
    sink += concatenated(variables(i)).length;
    return Promise.resolve();
  });
  o.log('prompts: renderCompiled');
  const compiled = await best((i) => {
    sink += renderCompiled(template, variables(i), builtins, partials).text.length;
    return Promise.resolve();
  });
  o.log('prompts: PromptLibrary.render');
  const whole = await best(async (i) => {
    sink += (await lib.render('bench', 'support', variables(i), builtins)).text.length;
  });
  o.log('prompts: CPU time per render');
  const cpuBase = cpuLatency(count, (i) => {
    sink += concatenated(variables(i)).length;
  });
  for (let i = 0; i < warmup; i++) sink += renderCompiled(template, variables(i), builtins, partials).text.length;
  const cpu = cpuLatency(count, (i) => {
    sink += renderCompiled(template, variables(i), builtins, partials).text.length;
  });
  notes.push(`(checksum ${sink % 1000})`);
  notes.push('wall-time p99 on a loaded machine includes time waiting for a core; the CPU-time figure leaves it out');
  const baseline = [{ name: 'string concatenation p99', value: base.p99Us / 1000, unit: 'ms' }];
  const figures: Figure[] = [
    {
      name: 'render (3 partials, 5 sections, budgets) p99',
      value: compiled.p99Us / 1000,
      unit: 'ms',
      higherIsBetter: false,
      baselines: baseline,
    },
    {
      name: 'render p50',
      value: compiled.p50Us / 1000,
      unit: 'ms',
      higherIsBetter: false,
      baselines: [{ name: 'string concatenation p50', value: base.p50Us / 1000, unit: 'ms' }],
    },
    {
      name: 'render CPU time p99',
      value: cpu.p99Us / 1000,
      unit: 'ms',
      higherIsBetter: false,
      baselines: [{ name: 'string concatenation CPU p99', value: cpuBase.p99Us / 1000, unit: 'ms' }],
    },
    {
      name: 'PromptLibrary.render (label read, memory storage) p99',
      value: whole.p99Us / 1000,
      unit: 'ms',
      higherIsBetter: false,
      baselines: baseline,
    },
  ];
  const goals: Goal[] = [
    {
      name: 'render p99 ≤ 0.5 ms (wall time, retrieval excluded)',
      met: compiled.p99Us <= 500,
      detail: `${(compiled.p99Us / 1000).toFixed(3)} ms`,
    },
    { name: 'render p99 ≤ 0.5 ms (CPU time, retrieval excluded)', met: cpu.p99Us <= 500, detail: `${(cpu.p99Us / 1000).toFixed(3)} ms` },
  ];
  return { suite: 'prompts', figures, goals, notes };
}

/** The `prompts` suite. */
export const promptsSuite: Suite = {
  name: 'prompts',
  description: 'template render with partials, sections and token budgets vs string concatenation',
  run,
};
