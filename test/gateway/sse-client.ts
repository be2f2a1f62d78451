/** A server-sent events reader over `fetch` (as a console reads a stream it must send credentials to). */

/** One event as read. */
export interface SseFrame {
  readonly event: string;
  readonly id?: string;
  readonly data: Record<string, unknown>;
}

/** An open stream: the frames so far, and a way to end it. */
export interface SseReader {
  readonly status: number;
  readonly frames: SseFrame[];
  /** Resolves with the first frame (already read or to come) that `match` accepts; rejects after `ms`. */
  next(match: (f: SseFrame) => boolean, ms?: number, what?: string): Promise<SseFrame>;
  close(): void;
}

/** Opens `url` with `headers`; a non-200 answer is returned with no frames. */
export async function openSse(url: string, headers: Record<string, string>): Promise<SseReader> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const frames: SseFrame[] = [];
  const waiters = new Set<() => void>();
  if (res.status === 200 && res.body !== null) {
    const body = res.body.pipeThrough(new TextDecoderStream());
    void (async () => {
      let buf = '';
      try {
        for await (const chunk of body) {
          buf += chunk;
          let end: number;
          while ((end = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, end);
            buf = buf.slice(end + 2);
            let event = 'message';
            let id: string | undefined;
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith('event: ')) event = line.slice(7);
              else if (line.startsWith('id: ')) id = line.slice(4);
              else if (line.startsWith('data: ')) data.push(line.slice(6));
            }
            if (data.length === 0) continue; // a heartbeat comment
            frames.push({ event, ...(id === undefined ? {} : { id }), data: JSON.parse(data.join('\n')) as Record<string, unknown> });
            for (const w of waiters) w();
          }
        }
      } catch {
        // aborted
      }
    })();
  } else await res.body?.cancel();
  return {
    status: res.status,
    frames,
    next(match, ms = 20_000, what = 'an event') {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const f = frames.find(match);
          if (f === undefined) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(f);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${what} within ${ms} ms; got ${JSON.stringify(frames.map((f) => f.event))}`));
        }, ms);
        if (!check()) waiters.add(check);
      });
    },
    close() {
      abort.abort();
    },
  };
}
