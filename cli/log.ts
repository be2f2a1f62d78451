/**
 * The process logger of `troupe start` and `troupe node` (issue 17, runtime/log.ts): JSON lines on standard output at
 * `log.level` (config, or `TROUPE_LOG_LEVEL`), pretty lines when standard output is a terminal (`TROUPE_LOG_FORMAT=json`
 * keeps JSON there too, `pretty` forces pretty lines elsewhere). What users and models wrote is logged with personal
 * data redacted by the guardrail's PII detector (for JSON lines in the log's own thread, ADR 0034); secrets are scrubbed
 * from every line.
 */
import type { TroupeConfig } from '../config/index.js';
import { LOG_REDACTION_MODULE, redactPersonalData } from '../actors/index.js';
import { createLogger, type Logger } from '../runtime/index.js';

/** The logger for a node process run with `config`. */
export function processLogger(config: TroupeConfig, env: NodeJS.ProcessEnv = process.env): Logger {
  const format = env['TROUPE_LOG_FORMAT'];
  const pretty = format === 'pretty' || (format !== 'json' && process.stdout.isTTY === true);
  return createLogger({
    level: config.log.level,
    pretty,
    // Pretty lines (a person at a terminal) are redacted here; JSON lines in the log's own thread (ADR 0034).
    redactText: redactPersonalData,
    ...(pretty ? {} : { thread: { redactModule: LOG_REDACTION_MODULE } }),
    base: config.node.id === '' ? {} : { node: config.node.id },
  });
}
