/** Shapes media capabilities answer (plain data: they go into tool results and documents as they are). */

/** A point `[x, y]` in the input's pixels (images) or the page's points at 72 dpi (PDFs). */
export type Point = readonly [number, number];

/** One line of recognised text. */
export interface OcrLine {
  readonly text: string;
  /** The line's quadrilateral, clockwise from the top left. */
  readonly box: readonly Point[];
  /** Mean confidence of the line's characters, 0–1 (1 for a PDF's text layer). */
  readonly score: number;
  /** 1-based page (1 for an image). */
  readonly page: number;
}

/** How one page's text was obtained. */
export interface OcrPageInfo {
  readonly page: number;
  readonly width: number;
  readonly height: number;
  /** `ocr` (the models read pixels) or `text-layer` (a PDF's own text). */
  readonly source: 'ocr' | 'text-layer';
}

/** What OCR answers: the text (lines joined, pages separated by a blank line), its lines with boxes, its pages. */
export interface OcrResult {
  readonly text: string;
  readonly lines: readonly OcrLine[];
  readonly pages: readonly OcrPageInfo[];
  readonly mediaType: string;
}

/** Limits of one OCR call (config `media.maxBytes` and `media.ocr`). */
export interface OcrLimits {
  readonly maxBytes: number;
  readonly maxPages: number;
  readonly maxPixels: number;
  readonly maxSide: number;
  readonly pdfScale: number;
  readonly textLayerMinChars: number;
}

/** Defaults of {@link OcrLimits} (the config's). */
export const DEFAULT_OCR_LIMITS: OcrLimits = {
  maxBytes: 20 * 1024 * 1024,
  maxPages: 50,
  maxPixels: 40_000_000,
  maxSide: 2000,
  pdfScale: 2,
  textLayerMinChars: 16,
};
