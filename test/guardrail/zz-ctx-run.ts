import { INJECTION_NOT_ADDRESSED } from '../../actors/guardrail/detectors/injection/rules.js';
import { normalizeText } from '../../actors/guardrail/detectors/text/normalize.js';
for (const t of process.argv.slice(2)) {
  const n = normalizeText(t).text;
  console.log(INJECTION_NOT_ADDRESSED.map((c) => (c.re.test(n) ? 1 : 0)).join(''), n);
}
console.log(INJECTION_NOT_ADDRESSED[2]!.re.source.slice(0, 400));
