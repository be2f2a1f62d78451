/**
 * A server-sent event stream read with `fetch` (so the bearer header goes with it; `EventSource` cannot send one),
 * reconnecting with `Last-Event-ID` after a drop (docs/gateway-operations.md, "Mesh view").
 */
import { sessionToken } from './api.js';

/** One event: its type, id and parsed data. */
export interface SseEvent {
  readonly type: string;
  readonly id: string | undefined;
  readonly data: Record<string, unknown>;
}

/**
 * Reads `path` (after the event id `from` when given) until the returned function is called; `onEvent` gets every
 * event, `onState` the connection state.
 */
export function readEvents(
  path: string,
  onEvent: (e: SseEvent) => void,
  onState: (s: 'open' | 'closed', detail?: string) => void = () => undefined,
  from?: string,
): () => void {
  const abort = new AbortController();
  let last: string | undefined = from;
  let attempt = 0;
  const run = async (): Promise<void> => {
    while (!abort.signal.aborted) {
      try {
        const headers: Record<string, string> = { accept: 'text/event-stream' };
        const token = sessionToken();
        if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
        if (last !== undefined) headers['last-event-id'] = last;
        const res = await fetch(path, { headers, signal: abort.signal });
        if (!res.ok || res.body === null) {
          onState('closed', `HTTP ${res.status}`);
          if (res.status === 401 || res.status === 403) return;
          throw new Error(`HTTP ${res.status}`);
        }
        attempt = 0;
        onState('open');
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let cut: number;
          while ((cut = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, cut);
            buf = buf.slice(cut + 2);
            let type = 'message';
            let id: string | undefined;
            let data = '';
            for (const line of block.split('\n')) {
              if (line.startsWith('event:')) type = line.slice(6).trim();
              else if (line.startsWith('id:')) id = line.slice(3).trim();
              else if (line.startsWith('data:')) data += line.slice(5).trimStart();
            }
            if (data === '') continue;
            if (id !== undefined) last = id;
            try {
              onEvent({ type, id, data: JSON.parse(data) as Record<string, unknown> });
            } catch {
              /* a frame that is not JSON is skipped */
            }
          }
        }
        onState('closed');
      } catch {
        if (abort.signal.aborted) return;
        onState('closed');
      }
      attempt++;
      await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** Math.min(attempt, 5))));
    }
  };
  void run();
  return () => abort.abort();
}
