/**
 * One line per moderation set (detection and false-positive rate) and the totals, scored as a held-out set is scored
 * through `POST /guardrails/check`: a text counts as found when the moderation or the bias detector finds anything
 * (http-score-run.ts, the same family). `-r`: the moderation detector alone, without the stereotype rows (as
 * moderation-fixtures.test.ts asserts it). `npx tsx test/guardrail/moderation-sets-run.ts [-v] [-r] [set…]` (default:
 * every moderation set but the held-out ones, as `runSets` chooses). A development aid (not a test).
 */
import type { Detector } from '../../actors/guardrail/detector.js';
import { biasDetector, moderationDetector } from '../../actors/guardrail/detectors/moderation/index.js';
import { runSets } from './sets-run.js';

const moderation = moderationDetector();
const bias = biasDetector();
const family: Detector = {
  name: 'moderation+bias',
  types: [...moderation.types, ...bias.types],
  detect: async (text, ctx) => [...(await moderation.detect(text, ctx)), ...(await bias.detect(text, ctx))],
};
const args = process.argv.slice(2);
if (args.includes('-r'))
  await runSets(
    'moderation',
    moderation,
    args.filter((a) => a !== '-r'),
    (r) => r.label !== 'STEREOTYPE' && r.label !== 'BIAS',
  );
else await runSets('moderation', family, args);
