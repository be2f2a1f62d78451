/**
 * The process logger of `troupe start` and `troupe node` (issue 17, runtime/log.ts): JSON lines on standard output at
 * `log.level` (config, or `TROUPE_LOG_LEVEL`), pretty lines when standard output is a terminal (`TROUPE_LOG_FORMAT=json`
 * keeps JSON there too, `pretty` forces pretty lines elsewhere). What users and models wrote is logged with personal
 * data redacted by the guardrail's PII detector (for JSON lines in the log's own thread, ADR 0034); secrets are scrubbed
 * from every line.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TroupeConfig } from '../config/index.js';
import { createLogger, type Logger } from '../runtime/index.js';

/**
 * The module the log thread loads to redact JSON lines: the actors layer's `LOG_REDACTION_MODULE`
 * (actors/guardrail/log-redaction), named here by its place beside this file (`.ts` under tsx, `.js` once built) so
 * that a node writing JSON lines does not load the actors layer on its own thread for one URL (ADR 0037).
 * test/cli/lazy-load.test.ts checks that both name the same file.
 */
export const LOG_REDACTION_URL = new URL(`../actors/guardrail/log-redaction${extname(fileURLToPath(import.meta.url))}`, import.meta.url)
  .href;

/** The logger for a node process run with `config` (pretty lines load the PII detector here, on the caller's thread). */
export async function processLogger(config: TroupeConfig, env: NodeJS.ProcessEnv = process.env): Promise<Logger> {
  const format = env['TROUPE_LOG_FORMAT'];
  const pretty = format === 'pretty' || (format !== 'json' && process.stdout.isTTY === true);
  return createLogger({
    level: config.log.level,
    pretty,
    // Pretty lines (a person at a terminal) are redacted here; JSON lines in the log's own thread (ADR 0034).
    ...(pretty ? { redactText: (await import('../actors/index.js')).redactPersonalData } : { thread: { redactModule: LOG_REDACTION_URL } }),
    base: config.node.id === '' ? {} : { node: config.node.id },
  });
}
