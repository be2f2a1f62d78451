/**
 * How `troupe chat` and `troupe run` show a run's frames in a terminal: tokens as they stream,
 * tool calls and handoffs on their own lines.
 */
import type { RunFrame } from '../gateway/client/index.js';

/** Where the renderer writes. */
export interface Out {
  write(text: string): void;
}

const dim = (s: string, color: boolean): string => (color ? `\x1b[2m${s}\x1b[22m` : s);

/** Returns a frame handler that renders tokens to `out` and events as dim side lines. */
export function renderer(out: Out, options: { color?: boolean; tokens?: boolean } = {}): (f: RunFrame) => void {
  const color = options.color ?? false;
  let midLine = false;
  const line = (s: string): void => {
    if (midLine) out.write('\n');
    midLine = false;
    out.write(`${dim(s, color)}\n`);
  };
  return (f) => {
    if (f.type === 'run.event') {
      const d = f.data as Record<string, unknown> | undefined;
      if (f.event === 'token' && options.tokens !== false) {
        const t = String(d?.['text'] ?? '');
        out.write(t);
        midLine = !t.endsWith('\n');
      } else if (f.event === 'tool_call') line(`  ⚙ ${String(d?.['name'] ?? 'tool')} ${JSON.stringify(d?.['arguments'] ?? {})}`);
      else if (f.event === 'tool_result') line(`  ↳ ${String(d?.['name'] ?? '')} ${truncate(String(d?.['content'] ?? ''), 200)}`);
      else if (f.event === 'handoff') line(`  → handed to ${String(d?.['to'] ?? '?')}`);
    } else if (f.type === 'run.completed' || f.type === 'run.cancelled') {
      if (midLine) out.write('\n');
      midLine = false;
      if (f.type === 'run.cancelled') line('  (cancelled)');
    } else if (f.type === 'run.failed') line(`  ✗ ${f.error}`);
    else if (f.type === 'run.interrupted') {
      const call = f.interrupt?.tool_call;
      line(`  ? approval needed: ${call === undefined ? 'unknown call' : `${call.name} ${JSON.stringify(call.arguments)}`}`);
    }
  };
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n)}…`;
}
