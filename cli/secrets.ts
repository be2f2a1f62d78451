/**
 * The CLI's part in keeping secrets in: at startup it registers every secret the process knows
 * (config and environment, config/secrets.ts) with the scrubber (protocols/secrets.ts), and scrubs
 * every line the long-running commands write to stdout and stderr — lifecycle lines, escalations,
 * warnings and fatal stacks alike — so no log line carries one.
 */
import { configSecrets, type TroupeConfig } from '../config/index.js';
import { registerSecret, scrubSecrets } from '../protocols/index.js';

let guarded = false;

type Write = typeof process.stdout.write;

/** Wraps `stream.write` so text written to it is scrubbed first (Buffers are decoded as UTF-8). */
function guard(stream: NodeJS.WriteStream): void {
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]): boolean => {
    if (typeof chunk === 'string') return write(scrubSecrets(chunk), ...rest);
    if (chunk instanceof Uint8Array) {
      const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
      const clean = scrubSecrets(text);
      return write(clean === text ? chunk : clean, ...(clean === text ? rest : rest.filter((r) => typeof r !== 'string')));
    }
    return write(chunk, ...rest);
  }) as Write;
}

/**
 * Registers the secrets of `config` and `env`, and (once per process) makes stdout and stderr
 * scrub what is written to them. Call right after the config is loaded, before anything logs.
 */
export function protectSecrets(config: TroupeConfig, env: NodeJS.ProcessEnv = process.env): void {
  for (const s of configSecrets(config, env)) registerSecret(s);
  if (guarded) return;
  guarded = true;
  guard(process.stdout);
  guard(process.stderr);
}
