/**
 * `troupe chat <agent>`: an interactive conversation in the terminal. Tokens stream as they come,
 * tool calls and handoffs show on their own lines, and a call that needs approval is asked here
 * (y = approve, n = reject, or a JSON object = approve with these arguments). One thread per chat.
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { TroupeClient } from '../gateway/client/index.js';
import { UsageError, type Command } from './command.js';
import { renderer } from './render.js';
import { SESSION_OPTIONS, SESSION_USAGE, openSession } from './session.js';

const usage = `troupe chat <agent> [--thread ID] [--url URL --key KEY] [--config FILE]
  Chats with the agent: type a message, Enter sends it; /new starts a new thread, /exit (or Ctrl-D) ends.
  --thread ID     continue a thread (see \`troupe threads\`)
${SESSION_USAGE}`;

/** The answer typed to an approval prompt. */
export function approvalAnswer(line: string): { approve: true; arguments?: Record<string, unknown> } | { approve: false; reason?: string } {
  const t = line.trim();
  if (/^(y|yes)$/i.test(t) || t === '') return { approve: true };
  if (t.startsWith('{')) {
    try {
      const args = JSON.parse(t) as unknown;
      const isObject = typeof args === 'object' && args !== null && !Array.isArray(args);
      if (isObject) return { approve: true, arguments: args as Record<string, unknown> };
    } catch {
      // not JSON: a rejection reason
    }
  }
  return /^(n|no)$/i.test(t) ? { approve: false } : { approve: false, reason: t };
}

async function chat(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { ...SESSION_OPTIONS, thread: { type: 'string' } }, allowPositionals: true });
  const agent = positionals[0];
  if (agent === undefined) throw new UsageError('troupe chat needs an agent');
  const session = await openSession(values);
  const tty = process.stdout.isTTY;
  const out = { write: (s: string) => void process.stdout.write(s) };
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  const lines = rl[Symbol.asyncIterator]();
  const ask = async (prompt: string): Promise<string | undefined> => {
    if (tty) process.stdout.write(prompt);
    const r = await lines.next();
    return r.done === true ? undefined : r.value;
  };
  let failures = 0;
  try {
    const client = await TroupeClient.connect({ url: session.url, ...(session.key === undefined ? {} : { key: session.key }) });
    const where = session.embedded ? ' (embedded node)' : ` at ${session.url}`;
    console.log(`troupe chat with ${agent}${where} — /new for a new thread, /exit to leave`);
    let thread = values.thread;
    // After a handoff the conversation goes on with the agent it was handed to.
    let current = agent;
    try {
      for (;;) {
        const text = await ask('you › ');
        if (text === undefined || text.trim() === '/exit') break;
        if (text.trim() === '') continue;
        if (text.trim() === '/new') {
          thread = undefined;
          current = agent;
          console.log('(new thread)');
          continue;
        }
        const conv = await client.start(current, text, thread === undefined ? {} : { threadId: thread });
        thread = conv.threadId;
        out.write(`${current} › `);
        const show = renderer(out, { color: tty });
        const outcome = await conv.result(async (f) => {
          show(f);
          if (f.type === 'run.event' && f.event === 'handoff') current = String((f.data as { to?: unknown }).to ?? current);
          if (f.type !== 'run.interrupted') return;
          const answer = await ask('  approve? [Y/n, or JSON arguments] ');
          conv.resume(answer === undefined ? { approve: false, reason: 'chat ended' } : approvalAnswer(answer));
        });
        if (outcome.status !== 'success') failures++;
      }
    } finally {
      await client.close();
    }
    if (thread !== undefined) console.log(`thread ${thread}`);
    return failures === 0 ? 0 : 1;
  } finally {
    rl.close();
    await session.close();
  }
}

/** The `chat` command. */
export const chatCommand: Command = { name: 'chat', usage, run: chat };
