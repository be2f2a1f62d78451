import { injectionDetector } from '../../actors/guardrail/detectors/injection/index.js';
const det = injectionDetector();
for (const t of process.argv.slice(2)) console.log(JSON.stringify((await det.detect(t, { stage: 'input' })).map((f) => [f.type, f.score])), t);
