/**
 * `troupe experiments list|show|events|create|stop|promote|watch`: the prompt experiments of a tenant, through a
 * gateway's `/experiments` (`--url` and an admin or developer key) or, without `--url`, an embedded node from the
 * config (docs/trainers.md).
 */
import { parseArgs } from 'node:util';
import type { ExperimentEvent, ExperimentRecord } from '../protocols/index.js';
import { UsageError, type Command } from './command.js';
import { adminCall, numberFlag } from './admin-call.js';
import { SESSION_OPTIONS, SESSION_USAGE, openSession } from './session.js';

const usage = `troupe experiments list [--json]
troupe experiments show ID | events ID [--after N]
troupe experiments create --agent A --versions 1,2[,…] [--models=-,NAME[@V],…] [--id ID] [--feedback-key K]
                          [--min-samples N] [--credibility C] [--min-lift L] [--no-auto-promote]
troupe experiments stop ID | promote ID [--version N] | watch ID
  A/B/n experiments over an agent's template versions: traffic split by Thompson sampling on feedback, promotion
  (the \`production\` label) once every version has its minimum sample and the credible interval allows, automatic
  rollback. \`--models\` gives each version a registered model (\`-\`: the agent's configured model): runs of that
  arm call it, and promotion switches the agent to it. \`watch\` prints events as they come until the experiment is
  over. Needs an admin or developer key.
${SESSION_USAGE}`;

/** One line of an experiment: id, agent, status and each arm's weight, rewards and posterior mean. */
export function experimentLine(e: ExperimentRecord): string {
  const arms = e.arms
    .map((a) => `v${a.version} ${(a.weight * 100).toFixed(0)}% n=${a.rewards} μ=${((1 + a.successes) / (2 + a.rewards)).toFixed(2)}`)
    .join(' | ');
  const promoted = e.promoted === undefined ? '' : ` promoted v${e.promoted}`;
  return `${e.id}  ${e.agent}  ${e.template}  ${e.status}${promoted}  ${arms}`;
}

function eventLine(e: ExperimentEvent): string {
  const run = e.run_id === undefined ? '' : ` run ${e.run_id}`;
  const version = e.version === undefined ? '' : ` v${e.version}`;
  return `#${e.seq} ${e.at} ${e.type}${version}${run}${e.data === undefined ? '' : ` ${JSON.stringify(e.data)}`}`;
}

const OPTIONS = {
  ...SESSION_OPTIONS,
  json: { type: 'boolean' },
  agent: { type: 'string' },
  versions: { type: 'string' },
  models: { type: 'string' },
  id: { type: 'string' },
  'feedback-key': { type: 'string' },
  'min-samples': { type: 'string' },
  credibility: { type: 'string' },
  'min-lift': { type: 'string' },
  'no-auto-promote': { type: 'boolean' },
  version: { type: 'string' },
  after: { type: 'string' },
  'interval-ms': { type: 'string' },
} as const;

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true });
  const [action, id] = positionals;
  const actions = ['list', 'show', 'events', 'create', 'stop', 'promote', 'watch'];
  if (action === undefined || !actions.includes(action)) throw new UsageError(`expected one of ${actions.join(', ')}`);
  if (!['list', 'create'].includes(action) && id === undefined) throw new UsageError(`${action} needs an experiment id`);
  const path = `/experiments/${encodeURIComponent(id ?? '')}`;
  const session = await openSession(values);
  try {
    const print = (e: ExperimentRecord) => console.log(values.json === true ? JSON.stringify(e, null, 2) : experimentLine(e));
    switch (action) {
      case 'list': {
        const { experiments } = await adminCall<{ experiments: ExperimentRecord[] }>(session, 'GET', '/experiments');
        if (values.json === true) console.log(JSON.stringify(experiments, null, 2));
        else if (experiments.length === 0) console.log('no experiments');
        else for (const e of experiments) console.log(experimentLine(e));
        return 0;
      }
      case 'show':
        print(await adminCall<ExperimentRecord>(session, 'GET', path));
        return 0;
      case 'events': {
        const q = values.after === undefined ? '' : `?after=${encodeURIComponent(values.after)}`;
        const { events } = await adminCall<{ events: ExperimentEvent[] }>(session, 'GET', `${path}/events${q}`);
        for (const e of events) console.log(values.json === true ? JSON.stringify(e) : eventLine(e));
        return 0;
      }
      case 'create': {
        if (values.agent === undefined || values.versions === undefined) throw new UsageError('create needs --agent and --versions');
        const body = {
          agent: values.agent,
          versions: values.versions.split(',').map((v) => numberFlag('--versions', v.trim())),
          ...(values.models === undefined ? {} : { models: values.models.split(',').map((m) => (m.trim() === '-' ? null : m.trim())) }),
          ...(values.id === undefined ? {} : { id: values.id }),
          ...(values['feedback-key'] === undefined ? {} : { key: values['feedback-key'] }),
          ...(values['min-samples'] === undefined ? {} : { min_samples: numberFlag('--min-samples', values['min-samples']) }),
          ...(values.credibility === undefined ? {} : { credibility: numberFlag('--credibility', values.credibility) }),
          ...(values['min-lift'] === undefined ? {} : { min_lift: numberFlag('--min-lift', values['min-lift']) }),
          ...(values['no-auto-promote'] === true ? { auto_promote: false } : {}),
        };
        print(await adminCall<ExperimentRecord>(session, 'POST', '/experiments', body));
        return 0;
      }
      case 'stop':
        print(await adminCall<ExperimentRecord>(session, 'POST', `${path}/stop`, {}));
        return 0;
      case 'promote': {
        const v = numberFlag('--version', values.version);
        print(await adminCall<ExperimentRecord>(session, 'POST', `${path}/promote`, v === undefined ? {} : { version: v }));
        return 0;
      }
      default: {
        const every = numberFlag('--interval-ms', values['interval-ms']) ?? 1000;
        let after = 0;
        for (;;) {
          const { events } = await adminCall<{ events: ExperimentEvent[] }>(session, 'GET', `${path}/events?after=${after}`);
          for (const e of events) {
            console.log(eventLine(e));
            after = e.seq;
          }
          const e = await adminCall<ExperimentRecord>(session, 'GET', path);
          if (e.status !== 'running' && e.status !== 'monitoring') {
            console.log(experimentLine(e));
            return 0;
          }
          await new Promise((r) => setTimeout(r, every));
        }
      }
    }
  } finally {
    await session.close();
  }
}

/** The `experiments` command. */
export const experimentsCommand: Command = { name: 'experiments', usage, run };
