/**
 * The multimodal suite (issue 21, `npm run bench -- multimodal`): a list of parts, each a file of its own
 * (`bench/multimodal-<part>.ts`), run in order; their figures, goals and notes are concatenated. Add a part
 * (e.g. the blob round trip) by appending it to {@link MULTIMODAL_PARTS}.
 */
import type { BenchOptions, Figure, Goal, Suite, SuiteResult } from './harness.js';
import { blobFigures } from './multimodal-blobs.js';
import { ocrPart } from './multimodal-ocr.js';

/** What one part measures. */
export interface MultimodalPartResult {
  readonly figures: readonly Figure[];
  readonly goals: readonly Goal[];
  readonly notes: readonly string[];
}

/** One part of the suite. */
export interface MultimodalPart {
  readonly name: string;
  run(options: BenchOptions): Promise<MultimodalPartResult>;
}

/** Every part, in the order they run. */
export const MULTIMODAL_PARTS: MultimodalPart[] = [
  { name: 'ocr', run: ocrPart },
  { name: 'blobs', run: async (options) => ({ ...(await blobFigures(options)), goals: [] }) },
];

export const multimodalSuite: Suite = {
  name: 'multimodal',
  description: 'OCR accuracy and pages/s on rendered text; blob round trip (issue 21)',
  async run(options): Promise<SuiteResult> {
    const figures: Figure[] = [];
    const goals: Goal[] = [];
    const notes: string[] = [];
    for (const part of MULTIMODAL_PARTS) {
      options.log(`multimodal: ${part.name}`);
      const r = await part.run(options);
      figures.push(...r.figures);
      goals.push(...r.goals);
      notes.push(...r.notes);
    }
    return { suite: 'multimodal', figures, goals, notes };
  },
};
