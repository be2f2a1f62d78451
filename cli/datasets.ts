/**
 * `troupe datasets export`: runs exported as OpenAI chat fine-tuning JSONL, preference (DPO) JSONL or an eval suite
 * (YAML), personal data and secrets redacted, through a gateway's `/finetune/datasets/export` (`--url` and an admin
 * key) or an embedded node over the config's data directory. The data goes to `--out` or stdout, the counts to stderr.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UsageError, type Command } from './command.js';
import { FILTER_OPTIONS, FILTER_USAGE, exportRequestOf, finetuneCall } from './finetune.js';
import { SESSION_OPTIONS, SESSION_USAGE, openSession } from './session.js';

const usage = `troupe datasets export [--format chat|preference|eval] [--score-key KEY] [--no-corrections] [filters] [--out FILE]
  Export runs: chat = OpenAI chat fine-tuning JSONL (corrections replace answers), preference = OpenAI DPO JSONL
  (corrections and A/B scores on the same input), eval = an eval suite for \`troupe eval\`. Needs an admin key with --url.
${FILTER_USAGE}
  --score-key KEY                       the feedback key preference pairs and eval expectations read (default: all)
${SESSION_USAGE}`;

const OPTIONS = {
  ...SESSION_OPTIONS,
  ...FILTER_OPTIONS,
  out: { type: 'string' },
  'score-key': { type: 'string' },
  'no-corrections': { type: 'boolean' },
} as const;

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true });
  if (positionals[0] !== 'export' || positionals.length > 1) throw new UsageError('expected export');
  const request = {
    ...exportRequestOf(values, 'chat'),
    ...(values['score-key'] === undefined ? {} : { key: values['score-key'] }),
    ...(values['no-corrections'] === true ? { useCorrections: false } : {}),
  };
  const session = await openSession(values);
  try {
    const out = await finetuneCall<{ format: string; runs: number; records: number; content: string }>(
      session,
      'POST',
      '/datasets/export',
      request,
    );
    if (values.out === undefined) process.stdout.write(out.content);
    else writeFileSync(values.out, out.content);
    console.error(`${out.records} ${out.format} records from ${out.runs} runs${values.out === undefined ? '' : ` → ${values.out}`}`);
    return 0;
  } finally {
    await session.close();
  }
}

/** The `datasets` command. */
export const datasetsCommand: Command = { name: 'datasets', usage, run };
