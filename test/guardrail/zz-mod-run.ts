import { moderationDetector } from '../../actors/guardrail/detectors/moderation/index.js';
for (const [name, o] of Object.entries({ full: {}, noConcept: { concepts: false }, noNgram: { ngram: false } })) {
  const det = moderationDetector(o);
  for (const t of process.argv.slice(2)) console.log(name, JSON.stringify((await det.detect(t, { stage: 'input' })).map((f) => [f.type, f.score])), t);
}
