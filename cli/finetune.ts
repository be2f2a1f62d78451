/**
 * `troupe finetune start|list|show|cancel|models|use|unuse`: fine-tune jobs and the model registry through a gateway's
 * `/finetune` (`--url` and an admin key) or, without `--url`, an embedded node over the config's data directory.
 * The provider is what the node's environment names (`OPENAI_API_KEY` / `OPENAI_BASE_URL`).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UsageError, type Command } from './command.js';
import { adminCall, numberFlag } from './admin-call.js';
import { SESSION_OPTIONS, SESSION_USAGE, openSession, type Session } from './session.js';

/** Calls `/finetune…`; throws with the server's `detail` on a non-2xx answer. */
export function finetuneCall<T>(s: Session, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  return adminCall<T>(s, method, `/finetune${path}`, body);
}

/** The run-filter flags `datasets export` and `finetune start` share. */
export const FILTER_OPTIONS = {
  agent: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  tag: { type: 'string', multiple: true },
  feedback: { type: 'string' },
  min: { type: 'string' },
  max: { type: 'string' },
  limit: { type: 'string' },
  format: { type: 'string' },
  system: { type: 'string' },
} as const;

/** Usage lines for {@link FILTER_OPTIONS}. */
export const FILTER_USAGE = `  --agent A --since TIME --until TIME --tag T (repeatable)   which runs (TIME: ISO 8601)
  --feedback KEY [--min S] [--max S]    runs whose mean score on KEY is within [S, S] (0..1)
  --limit N --system TEXT               at most N runs; a system message put first`;

type FilterFlags = { [K in keyof typeof FILTER_OPTIONS]?: (typeof FILTER_OPTIONS)[K] extends { multiple: true } ? string[] : string };

/** The export request the flags describe (the server validates it and names a bad field). */
export function exportRequestOf(v: FilterFlags, defaultFormat: string): Record<string, unknown> {
  const feedback =
    v.feedback === undefined
      ? undefined
      : {
          key: v.feedback,
          ...(v.min === undefined ? {} : { min: numberFlag('--min', v.min) }),
          ...(v.max === undefined ? {} : { max: numberFlag('--max', v.max) }),
        };
  const filter = {
    ...(v.agent === undefined ? {} : { agent: v.agent }),
    ...(v.since === undefined ? {} : { since: v.since }),
    ...(v.until === undefined ? {} : { until: v.until }),
    ...(v.tag === undefined ? {} : { tags: v.tag }),
    ...(feedback === undefined ? {} : { feedback }),
    ...(v.limit === undefined ? {} : { limit: numberFlag('--limit', v.limit) }),
  };
  return { format: v.format ?? defaultFormat, filter, ...(v.system === undefined ? {} : { system: v.system }) };
}

const usage = `troupe finetune start --name NAME --base MODEL [--format chat|preference] [--suffix S] [--epochs N] [filters]
troupe finetune list | show ID | cancel ID
troupe finetune models
troupe finetune use AGENT NAME [--version V]      switch an agent's runs to a registered model
troupe finetune unuse AGENT                       switch it back to its configured model
  Fine-tune jobs on runs exported as training data, and the versioned model registry. Needs an admin key with --url.
  Progress also streams on the /ws topic sys.finetune.<id>. --json prints the server's answer.
${FILTER_USAGE}
${SESSION_USAGE}`;

const OPTIONS = {
  ...SESSION_OPTIONS,
  ...FILTER_OPTIONS,
  name: { type: 'string' },
  base: { type: 'string' },
  suffix: { type: 'string' },
  epochs: { type: 'string' },
  version: { type: 'string' },
  json: { type: 'boolean' },
  out: { type: 'string' },
} as const;

interface Job {
  id: string;
  status: string;
  created_at: string;
  spec: { name: string; base_model: string };
  provider_job_id?: string;
  model?: { name: string; version: number };
  error?: string;
}

const jobLine = (j: Job): string =>
  `${j.id}  ${j.created_at}  ${j.status.padEnd(16)} ${j.spec.name} (${j.spec.base_model})` +
  `${j.model === undefined ? '' : `  → ${j.model.name}@${j.model.version}`}${j.error === undefined ? '' : `  ${j.error}`}`;

async function act(s: Session, action: string, ids: string[], v: ReturnType<typeof parse>['values']): Promise<unknown> {
  const need = (i: number, what: string): string => {
    const x = ids[i];
    if (x === undefined) throw new UsageError(`${action} needs ${what}`);
    return x;
  };
  switch (action) {
    case 'start': {
      if (v.name === undefined || v.base === undefined) throw new UsageError('start needs --name and --base');
      const epochs = numberFlag('--epochs', v.epochs);
      return finetuneCall(s, 'POST', '/jobs', {
        name: v.name,
        base_model: v.base,
        dataset: exportRequestOf(v, 'chat'),
        ...(v.suffix === undefined ? {} : { suffix: v.suffix }),
        ...(epochs === undefined ? {} : { n_epochs: epochs }),
      });
    }
    case 'list':
      return finetuneCall(s, 'GET', '/jobs');
    case 'show':
      return finetuneCall(s, 'GET', `/jobs/${encodeURIComponent(need(0, 'a job id'))}`);
    case 'cancel':
      return finetuneCall(s, 'POST', `/jobs/${encodeURIComponent(need(0, 'a job id'))}/cancel`, {});
    case 'models':
      return finetuneCall(s, 'GET', '/models');
    case 'use': {
      const version = numberFlag('--version', v.version);
      return finetuneCall(s, 'POST', '/models/use', {
        agent: need(0, 'an agent'),
        name: need(1, 'a model name'),
        ...(version === undefined ? {} : { version }),
      });
    }
    case 'unuse':
      return finetuneCall(s, 'POST', '/models/use', { agent: need(0, 'an agent'), name: null });
    default:
      throw new UsageError('expected start, list, show, cancel, models, use or unuse');
  }
}

function parse(args: string[]) {
  return parseArgs({ args, options: OPTIONS, allowPositionals: true });
}

/** Prints `answer` for `action` as a table line or a summary (JSON with --json or --out). */
function print(action: string, answer: unknown): void {
  const a = answer as Record<string, unknown>;
  if (action === 'list') {
    const jobs = a['jobs'] as Job[];
    console.log(jobs.length === 0 ? 'no fine-tune jobs' : jobs.map(jobLine).join('\n'));
  } else if (action === 'models') {
    const models = a['models'] as { name: string; version: number; model: string; base_model: string; job_id: string }[];
    const uses = a['uses'] as { agent: string; name: string; version: number }[];
    for (const m of models) console.log(`${m.name}@${m.version}  ${m.model}  (base ${m.base_model}, job ${m.job_id})`);
    for (const u of uses) console.log(`agent ${u.agent} → ${u.name}@${u.version}`);
    if (models.length === 0) console.log('no registered models');
  } else if (action === 'use' || action === 'unuse') {
    const use = a['use'] as { agent: string; name: string; version: number; model: string } | null;
    console.log(use === null ? 'switched back to the configured model' : `agent ${use.agent} → ${use.name}@${use.version} (${use.model})`);
  } else console.log(jobLine(answer as Job));
}

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parse(args);
  const [action, ...ids] = positionals;
  if (action === undefined) throw new UsageError('expected start, list, show, cancel, models, use or unuse');
  const session = await openSession(values);
  try {
    const answer = await act(session, action, ids, values);
    if (values.out !== undefined) writeFileSync(values.out, `${JSON.stringify(answer, null, 2)}\n`);
    if (values.json === true) console.log(JSON.stringify(answer, null, 2));
    else print(action, answer);
    return 0;
  } finally {
    await session.close();
  }
}

/** The `finetune` command. */
export const finetuneCommand: Command = { name: 'finetune', usage, run };
