/**
 * `npm run bench -- multimodal` (issue 21): each part of the suite is its own file, listed in {@link MULTIMODAL_PARTS};
 * a new part (OCR figures) adds its file and one entry here.
 */
import type { BenchOptions, Figure, Suite } from './harness.js';
import { blobFigures } from './multimodal-blobs.js';

/** One part of the multimodal suite. */
export type MultimodalPart = (options: BenchOptions) => Promise<{ figures: Figure[]; notes: string[] }>;

/** The parts, in the order they run. */
export const MULTIMODAL_PARTS: readonly MultimodalPart[] = [blobFigures];

export const multimodalSuite: Suite = {
  name: 'multimodal',
  description: 'blob round trip beside plain storage put/get (and OCR when added)',
  async run(options) {
    const figures: Figure[] = [];
    const notes: string[] = [];
    for (const part of MULTIMODAL_PARTS) {
      const r = await part(options);
      figures.push(...r.figures);
      notes.push(...r.notes);
    }
    return { suite: 'multimodal', figures, goals: [], notes };
  },
};
