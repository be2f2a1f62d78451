/**
 * One line per moderation set (detection and false-positive rate of the moderation detector; stereotype lines are the
 * bias detector's and left out, as in moderation-fixtures.test.ts) and the totals:
 * `npx tsx test/guardrail/moderation-sets-run.ts [-v] [set…]` (default: every moderation set but the held-out
 * `*holdout3*`, `*holdout4*` and `*holdout5*`, as `runSets` chooses). A development aid (not a test).
 */
import { moderationDetector } from '../../actors/guardrail/detectors/moderation/index.js';
import { runSets } from './sets-run.js';

await runSets('moderation', moderationDetector(), process.argv.slice(2), (r) => r.label !== 'STEREOTYPE');
