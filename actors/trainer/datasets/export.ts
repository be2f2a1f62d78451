/** One export request — a format, a run filter and options — validated, selected, redacted and rendered. */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Storage } from '../../../runtime/index.js';
import { chatJsonl, evalSuiteYaml, preferenceJsonl } from './formats.js';
import type { Redact } from './redact.js';
import { runFilterSchema, selectRuns } from './select.js';

/** Export formats: OpenAI chat fine-tuning JSONL, OpenAI preference (DPO) JSONL, an eval suite (YAML). */
export const DATASET_FORMATS = ['chat', 'preference', 'eval'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

/** What a client asks to export. */
export const exportRequestSchema = z.strictObject({
  format: z.enum(DATASET_FORMATS).default('chat'),
  filter: runFilterSchema.default(() => runFilterSchema.parse({})),
  /** A system message put first in every example (e.g. the agent's instructions). */
  system: z.string().max(100_000).optional(),
  /** Replace answers with their corrections in `chat` (default true). */
  useCorrections: z.boolean().optional(),
  /** The feedback key scores are read from (default: every scored key). */
  key: z.string().min(1).max(100).optional(),
});
export type ExportRequest = z.infer<typeof exportRequestSchema>;

/** An export: its format, how many runs were read, how many records it holds, and its text. */
export interface DatasetExport {
  readonly format: DatasetFormat;
  readonly runs: number;
  readonly records: number;
  readonly content: string;
}

/** Exports the runs of `tenant` that `request` selects. */
export async function exportDataset(storage: Storage, tenant: string, request: ExportRequest, redact: Redact): Promise<DatasetExport> {
  const runs = await selectRuns(storage, tenant, request.filter);
  const options = {
    ...(request.system === undefined ? {} : { system: request.system }),
    ...(request.useCorrections === undefined ? {} : { useCorrections: request.useCorrections }),
    ...(request.key === undefined ? {} : { key: request.key }),
  };
  const content =
    request.format === 'chat'
      ? await chatJsonl(runs, redact, options)
      : request.format === 'preference'
        ? await preferenceJsonl(runs, redact, options)
        : await evalSuiteYaml(runs, redact, options);
  const records = request.format === 'eval' ? (parseYaml(content) as { tests: unknown[] }).tests.length : content.split('\n').length - 1;
  return { format: request.format, runs: runs.length, records, content };
}
