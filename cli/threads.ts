/** `troupe threads` and `troupe runs`: list threads and runs, or show one, from the embedded node or a gateway. */
import { parseArgs } from 'node:util';
import { type Command } from './command.js';
import { SESSION_OPTIONS, SESSION_USAGE, api, openSession, type Session } from './session.js';

interface Thread {
  thread_id: string;
  status: string;
  updated_at: string;
  values?: { messages?: { type: string; content: unknown }[] };
}
interface Run {
  run_id: string;
  thread_id: string;
  assistant_id: string;
  status: string;
  created_at: string;
  updated_at?: string;
}

const text = (c: unknown): string => (typeof c === 'string' ? c : JSON.stringify(c));
const oneLine = (s: string, n = 60): string => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length <= n ? t : `${t.slice(0, n - 1)}…`;
};

type SessionFlags = { url?: string; key?: string; config?: string };

async function withSession(values: SessionFlags, body: (s: Session) => Promise<number>): Promise<number> {
  const session = await openSession(values);
  try {
    return await body(session);
  } finally {
    await session.close();
  }
}

const LIST_OPTIONS = { ...SESSION_OPTIONS, limit: { type: 'string' }, json: { type: 'boolean' } } as const;

/** The newest threads first. */
function newest(s: Session, limit: string | undefined): Promise<Thread[]> {
  return api<Thread[]>(s, 'POST', '/threads/search', { limit: Number(limit ?? 20), sort_by: 'updated_at', sort_order: 'desc' });
}

const threadsUsage = `troupe threads [THREAD_ID] [--limit N] [--json] [--url URL --key KEY] [--config FILE]
  Without an id: the newest threads (id, status, last update, messages, last message).
  With an id: the thread's messages and its runs.
${SESSION_USAGE}`;

async function threads(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: LIST_OPTIONS, allowPositionals: true });
  return withSession(values, async (s) => {
    const id = positionals[0];
    if (id === undefined) {
      const list = await newest(s, values.limit);
      if (values.json === true) console.log(JSON.stringify(list, null, 2));
      else if (list.length === 0) console.log('no threads yet (start one with `troupe chat <agent>` or `troupe run <agent> "text"`)');
      else
        for (const t of list) {
          const msgs = t.values?.messages ?? [];
          const last = oneLine(text(msgs.at(-1)?.content ?? ''));
          console.log(`${t.thread_id}  ${t.status.padEnd(11)} ${t.updated_at}  ${String(msgs.length).padStart(3)} msgs  ${last}`);
        }
      return 0;
    }
    const t = await api<Thread>(s, 'GET', `/threads/${encodeURIComponent(id)}`);
    const runs = await api<Run[]>(s, 'GET', `/threads/${encodeURIComponent(id)}/runs`);
    if (values.json === true) console.log(JSON.stringify({ thread: t, runs }, null, 2));
    else {
      console.log(`thread ${t.thread_id} — ${t.status}, updated ${t.updated_at}`);
      for (const m of t.values?.messages ?? []) console.log(`  ${m.type.padEnd(6)} ${text(m.content)}`);
      console.log(`runs (${runs.length}):`);
      for (const r of runs) console.log(`  ${r.run_id}  ${r.assistant_id}  ${r.status}  ${r.created_at}`);
    }
    return 0;
  });
}

const runsUsage = `troupe runs [THREAD_ID [RUN_ID]] [--limit N] [--json] [--url URL --key KEY] [--config FILE]
  No id: the runs of the newest threads. A thread id: its runs. Both ids: that run.
${SESSION_USAGE}`;

async function runs(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: LIST_OPTIONS, allowPositionals: true });
  return withSession(values, async (s) => {
    const [thread, runId] = positionals;
    if (thread !== undefined && runId !== undefined) {
      const r = await api<Run>(s, 'GET', `/threads/${encodeURIComponent(thread)}/runs/${encodeURIComponent(runId)}`);
      console.log(JSON.stringify(r, null, 2));
      return 0;
    }
    const ids = thread !== undefined ? [thread] : (await newest(s, values.limit)).map((t) => t.thread_id);
    const all: Run[] = [];
    for (const id of ids) all.push(...(await api<Run[]>(s, 'GET', `/threads/${encodeURIComponent(id)}/runs`)));
    all.sort((a, b) => b.created_at.localeCompare(a.created_at));
    if (values.json === true) console.log(JSON.stringify(all, null, 2));
    else if (all.length === 0) console.log('no runs yet');
    else for (const r of all) console.log([r.run_id, r.thread_id, r.assistant_id.padEnd(12), r.status.padEnd(11), r.created_at].join('  '));
    return 0;
  });
}

/** The `threads` command. */
export const threadsCommand: Command = { name: 'threads', usage: threadsUsage, run: threads };
/** The `runs` command. */
export const runsCommand: Command = { name: 'runs', usage: runsUsage, run: runs };
