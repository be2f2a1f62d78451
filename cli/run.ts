/** `troupe run <agent> "text"`: one run, its answer on stdout (or JSON with --json); non-zero exit when it fails. */
import { parseArgs } from 'node:util';
import { TroupeClient, type RunFrame } from '../gateway/client/index.js';
import { UsageError, type Command } from './command.js';
import { renderer } from './render.js';
import { SESSION_OPTIONS, SESSION_USAGE, openSession } from './session.js';

const usage = `troupe run <agent> "text" [--thread ID] [--json] [--stream] [--approve] [--url URL --key KEY] [--config FILE]
  Runs the agent once on the text and prints its answer.
  --thread ID     continue a thread (see \`troupe threads\`)
  --json          print {status, run_id, thread_id, output | error, tool_calls, handoffs} instead
  --stream        print tokens and tool calls as they come (to stdout and stderr)
  --approve       approve every tool call that asks for approval (default: exit 3 at the first)
${SESSION_USAGE}
Exit codes: 0 success, 1 failed or cancelled, 2 usage, 3 waiting for an approval.`;

/** Runs `agent` on `text` and reports; resolves with the exit code. */
async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      ...SESSION_OPTIONS,
      thread: { type: 'string' },
      json: { type: 'boolean' },
      stream: { type: 'boolean' },
      approve: { type: 'boolean' },
    },
    allowPositionals: true,
  });
  const [agent, ...words] = positionals;
  const text = words.join(' ').trim();
  if (agent === undefined || text === '') throw new UsageError('troupe run needs an agent and a text');
  const session = await openSession(values);
  try {
    const client = await TroupeClient.connect({ url: session.url, ...(session.key === undefined ? {} : { key: session.key }) });
    try {
      const conv = await client.start(agent, text, values.thread === undefined ? {} : { threadId: values.thread });
      const toolCalls: unknown[] = [];
      const handoffs: unknown[] = [];
      const show = values.stream === true ? renderer({ write: (s) => process.stderr.write(s) }) : undefined;
      let waiting = false;
      const outcome = await conv.result((f: RunFrame) => {
        show?.(f);
        if (f.type === 'run.event' && f.event === 'tool_call') toolCalls.push(f.data);
        if (f.type === 'run.event' && f.event === 'handoff') handoffs.push(f.data);
        if (f.type === 'run.interrupted') {
          if (values.approve === true) conv.resume({ approve: true });
          else {
            waiting = true;
            conv.cancel();
          }
        }
      });
      const base = { run_id: conv.runId, thread_id: conv.threadId, tool_calls: toolCalls, handoffs };
      if (waiting) {
        const error = 'a tool call needs approval (pass --approve, or use troupe chat)';
        if (values.json === true) console.log(JSON.stringify({ ...base, status: 'interrupted', error }));
        else console.error('troupe run: a tool call needs approval; pass --approve, or use `troupe chat` to answer it');
        return 3;
      }
      if (values.json === true) console.log(JSON.stringify({ ...base, ...outcome }));
      else if (outcome.status === 'success') console.log(outcome.output);
      else console.error(`troupe run: ${outcome.status === 'error' ? outcome.error : 'cancelled'}`);
      return outcome.status === 'success' ? 0 : 1;
    } finally {
      await client.close();
    }
  } finally {
    await session.close();
  }
}

/** The `run` command. */
export const runCommand: Command = { name: 'run', usage, run };
