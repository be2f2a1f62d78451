/**
 * `troupe optimize start|list|show|events|cancel|watch`: prompt optimisation jobs, through a gateway's
 * `/optimizations` (`--url` and an admin or developer key) or, without `--url`, an embedded node from the config
 * (docs/trainers.md). `start --wait` follows the job's progress until it ends.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { OptimizeEvent, OptimizeRecord } from '../protocols/index.js';
import { UsageError, type Command } from './command.js';
import { adminCall, numberFlag } from './admin-call.js';
import { SESSION_OPTIONS, SESSION_USAGE, openSession, type Session } from './session.js';

const usage = `troupe optimize start --agent A --suite FILE [--teacher T] [--budget N] [--holdout F] [--rewrites N]
                      [--demos N] [--id ID] [--wait]
troupe optimize list | show ID | events ID | cancel ID | watch ID
  Optimise an agent's prompt template on an eval suite: instruction rewrites by the teacher agent and few-shot
  demonstrations (from high-scoring runs and feedback corrections), scored on the train cases, picked on the
  held-out ones, within a budget of case runs; the winner is saved as a new version labelled \`candidate\`.
  Needs an admin or developer key.
${SESSION_USAGE}`;

const pct = (v: number | undefined): string => (v === undefined ? '–' : `${(v * 100).toFixed(1)}%`);

/** One line of a job: id, agent, status, budget spent, and the baseline's and the winner's held-out scores. */
export function optimizationLine(o: OptimizeRecord): string {
  const base = o.candidates[0];
  const won = o.winner === undefined ? '' : `  winner ${o.template}@${o.winner.version} held-out ${pct(o.winner.heldout)}`;
  return `${o.id}  ${o.agent}  ${o.status} (${o.phase})  ${o.used}/${o.config.budget} runs  baseline held-out ${pct(base?.heldout)}${won}`;
}

function eventLine(e: OptimizeEvent): string {
  return `#${e.seq} ${e.at} ${e.type}${e.data === undefined ? '' : ` ${JSON.stringify(e.data)}`}`;
}

async function follow(session: Session, id: string, every: number): Promise<OptimizeRecord> {
  let after = 0;
  for (;;) {
    const { events } = await adminCall<{ events: OptimizeEvent[] }>(session, 'GET', `/optimizations/${id}/events?after=${after}`);
    for (const e of events) {
      console.log(eventLine(e));
      after = e.seq;
    }
    const o = await adminCall<OptimizeRecord>(session, 'GET', `/optimizations/${id}`);
    if (o.status !== 'running') return o;
    await new Promise((r) => setTimeout(r, every));
  }
}

const OPTIONS = {
  ...SESSION_OPTIONS,
  json: { type: 'boolean' },
  agent: { type: 'string' },
  suite: { type: 'string' },
  teacher: { type: 'string' },
  budget: { type: 'string' },
  holdout: { type: 'string' },
  rewrites: { type: 'string' },
  demos: { type: 'string' },
  id: { type: 'string' },
  wait: { type: 'boolean' },
  'interval-ms': { type: 'string' },
} as const;

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true });
  const [action, id] = positionals;
  const actions = ['start', 'list', 'show', 'events', 'cancel', 'watch'];
  if (action === undefined || !actions.includes(action)) throw new UsageError(`expected one of ${actions.join(', ')}`);
  if (!['start', 'list'].includes(action) && id === undefined) throw new UsageError(`${action} needs an optimisation id`);
  const every = numberFlag('--interval-ms', values['interval-ms']) ?? 1000;
  const path = `/optimizations/${encodeURIComponent(id ?? '')}`;
  const session = await openSession(values);
  try {
    const print = (o: OptimizeRecord) => console.log(values.json === true ? JSON.stringify(o, null, 2) : optimizationLine(o));
    switch (action) {
      case 'start': {
        if (values.agent === undefined || values.suite === undefined) throw new UsageError('start needs --agent and --suite');
        const body: Record<string, unknown> = { agent: values.agent, suite: readFileSync(values.suite, 'utf8') };
        if (values.teacher !== undefined) body['teacher'] = values.teacher;
        if (values.id !== undefined) body['id'] = values.id;
        for (const k of ['budget', 'holdout', 'rewrites', 'demos'] as const) {
          const v = numberFlag(`--${k}`, values[k]);
          if (v !== undefined) body[k] = v;
        }
        const o = await adminCall<OptimizeRecord>(session, 'POST', '/optimizations', body);
        print(values.wait === true ? await follow(session, o.id, every) : o);
        return 0;
      }
      case 'list': {
        const { optimizations } = await adminCall<{ optimizations: OptimizeRecord[] }>(session, 'GET', '/optimizations');
        if (values.json === true) console.log(JSON.stringify(optimizations, null, 2));
        else if (optimizations.length === 0) console.log('no optimisations');
        else for (const o of optimizations) console.log(optimizationLine(o));
        return 0;
      }
      case 'show':
        print(await adminCall<OptimizeRecord>(session, 'GET', path));
        return 0;
      case 'events': {
        const { events } = await adminCall<{ events: OptimizeEvent[] }>(session, 'GET', `${path}/events`);
        for (const e of events) console.log(values.json === true ? JSON.stringify(e) : eventLine(e));
        return 0;
      }
      case 'cancel':
        print(await adminCall<OptimizeRecord>(session, 'POST', `${path}/cancel`, {}));
        return 0;
      default: {
        const o = await follow(session, id as string, every);
        print(o);
        return o.status === 'completed' ? 0 : 1;
      }
    }
  } finally {
    await session.close();
  }
}

/** The `optimize` command. */
export const optimizeCommand: Command = { name: 'optimize', usage, run };
