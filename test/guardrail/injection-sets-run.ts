/**
 * One line per injection set (detection and false-positive rate) and the totals over the sets named, for comparing
 * detector changes quickly: `npx tsx test/guardrail/injection-sets-run.ts [-v] [set…]` (default: every injection set
 * but the held-out `*holdout3*`, `*holdout4*` and `*holdout5*`, scored once at the end of a tuning pass). A development
 * aid (not a test).
 */
import { injectionDetector } from '../../actors/guardrail/detectors/injection/index.js';
import { runSets } from './sets-run.js';

await runSets('injection', injectionDetector(), process.argv.slice(2));
