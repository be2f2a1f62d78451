/**
 * `troupe deadletters list|show|redrive`: the mesh's dead letters, through a gateway's `/deadletters`
 * (`--url` and an admin key) or, without `--url`, an embedded node over the config's data directory —
 * where `troupe start` keeps its dead letters.
 */
import { parseArgs } from 'node:util';
import { UsageError, type Command } from './command.js';
import { adminCall } from './admin-call.js';
import { SESSION_OPTIONS, SESSION_USAGE, openSession, type Session } from './session.js';

interface Letter {
  id: string;
  reason: string;
  recorded_at: string;
  deliveries: number;
  node: string;
  envelope: { id: string; type: string; to: string; tenant: string };
  error?: { code: string; message: string };
  redriven?: { at_iso: string; node: string };
}

const usage = `troupe deadletters list [--address A] [--reason R] [--tenant T] [--since TIME] [--until TIME]
                        [--limit N] [--after ID] [--json]
troupe deadletters show ID
troupe deadletters redrive ID
  List dead letters (oldest first; TIME is ISO 8601 or epoch ms), show one, or send one again to its address
  (once: redriving it again sends nothing). Needs an admin key with --url.
${SESSION_USAGE}`;

/** Calls `/deadletters…`; throws with the server's `detail` on a non-2xx answer. */
function call<T>(s: Session, method: 'GET' | 'POST', path: string): Promise<T> {
  return adminCall<T>(s, method, `/deadletters${path}`);
}

function line(l: Letter): string {
  const redriven = l.redriven === undefined ? '' : `  redriven ${l.redriven.at_iso}`;
  return `${l.id}  ${l.recorded_at}  ${l.reason.padEnd(16)} ${l.envelope.tenant}/${l.envelope.to}  ${l.envelope.type}${redriven}`;
}

const OPTIONS = {
  ...SESSION_OPTIONS,
  address: { type: 'string' },
  reason: { type: 'string' },
  tenant: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  limit: { type: 'string' },
  after: { type: 'string' },
  json: { type: 'boolean' },
} as const;

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true });
  const [action, id] = positionals;
  if (action !== 'list' && action !== 'show' && action !== 'redrive') throw new UsageError('expected list, show ID or redrive ID');
  if (action !== 'list' && id === undefined) throw new UsageError(`${action} needs a dead-letter id (from \`troupe deadletters list\`)`);
  const session = await openSession(values);
  try {
    if (action === 'list') {
      const q = new URLSearchParams();
      for (const k of ['address', 'reason', 'tenant', 'since', 'until', 'limit', 'after'] as const) {
        const v = values[k];
        if (v !== undefined) q.set(k, v);
      }
      const page = await call<{ items: Letter[]; next?: string }>(session, 'GET', q.size === 0 ? '' : `?${q.toString()}`);
      if (values.json === true) console.log(JSON.stringify(page, null, 2));
      else if (page.items.length === 0) console.log('no dead letters');
      else {
        for (const l of page.items) console.log(line(l));
        if (page.next !== undefined) console.log(`more: --after ${page.next}`);
      }
      return 0;
    }
    const path = `/${encodeURIComponent(id as string)}`;
    if (action === 'show') {
      console.log(JSON.stringify(await call<Letter>(session, 'GET', path), null, 2));
      return 0;
    }
    const r = await call<{ status: string; letter: Letter }>(session, 'POST', `${path}/redrive`);
    console.log(
      r.status === 'redriven'
        ? `redriven ${r.letter.id} to ${r.letter.envelope.to} (tenant ${r.letter.envelope.tenant})`
        : `already redriven ${r.letter.redriven?.at_iso ?? ''} by ${r.letter.redriven?.node ?? '?'}: nothing sent`,
    );
    return 0;
  } finally {
    await session.close();
  }
}

/** The `deadletters` command. */
export const deadLettersCommand: Command = { name: 'deadletters', usage, run };
