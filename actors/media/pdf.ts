/**
 * PDFs for OCR: pdf.js (`pdfjs-dist` 4, legacy build for Node) opens the document; a page whose text
 * layer holds enough characters gives that text, another is rendered with `@napi-rs/canvas` and read
 * by the OCR models. Loaded only when a PDF arrives (ocr.ts imports this module dynamically).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as PdfJsModule from 'pdfjs-dist/legacy/build/pdf.mjs';
import { MediaError, isMediaError } from './errors.js';
import { ocrRendered } from './ocr.js';
import type { OcrLimits, OcrLine, OcrPageInfo, Point } from './types.js';

type PdfJs = typeof PdfJsModule;
let pdfjs: Promise<PdfJs> | undefined;

function loadPdfJs(): Promise<PdfJs> {
  pdfjs ??= import('pdfjs-dist/legacy/build/pdf.mjs');
  return pdfjs;
}

/** Where pdf.js finds the 14 standard fonts a PDF may use without embedding them. */
function standardFontDataUrl(): string {
  const require = createRequire(import.meta.url);
  return `${join(dirname(require.resolve('pdfjs-dist/package.json')), 'standard_fonts')}/`;
}

interface TextItem {
  readonly str: string;
  readonly transform: readonly number[];
  readonly width: number;
  readonly height: number;
  readonly hasEOL?: boolean;
}

/** pdf.js's Node canvas factory (an @napi-rs/canvas canvas and its 2D context). */
interface CanvasFactory {
  create(width: number, height: number): { canvas: NapiCanvas; context: NapiContext };
  destroy(cc: { canvas: NapiCanvas; context: NapiContext }): void;
}
interface NapiCanvas {
  readonly width: number;
  readonly height: number;
  toBuffer(type: 'image/png'): Buffer;
}
interface NapiContext {
  fillStyle: string;
  fillRect(x: number, y: number, w: number, h: number): void;
}

const round = (n: number): number => Math.round(n * 10) / 10;

/** Lines of a page's text layer (items joined until an end of line), boxes in points from the top left. */
function textLayerLines(items: readonly TextItem[], pageHeight: number, page: number): OcrLine[] {
  const lines: OcrLine[] = [];
  let cur: TextItem[] = [];
  const flush = (): void => {
    const text = cur
      .map((i) => i.str)
      .join('')
      .trim();
    if (text !== '') {
      const x0 = Math.min(...cur.map((i) => i.transform[4] ?? 0));
      const x1 = Math.max(...cur.map((i) => (i.transform[4] ?? 0) + i.width));
      const base = Math.min(...cur.map((i) => i.transform[5] ?? 0));
      const top = Math.max(...cur.map((i) => (i.transform[5] ?? 0) + i.height));
      const box: Point[] = [
        [round(x0), round(pageHeight - top)],
        [round(x1), round(pageHeight - top)],
        [round(x1), round(pageHeight - base)],
        [round(x0), round(pageHeight - base)],
      ];
      lines.push({ text, box, score: 1, page });
    }
    cur = [];
  };
  for (const item of items) {
    cur.push(item);
    if (item.hasEOL === true) flush();
  }
  flush();
  return lines;
}

/** Lines and page infos of a PDF, within `limits` (pages, pixels of a rendered page). */
export async function ocrPdf(bytes: Uint8Array, limits: OcrLimits): Promise<{ lines: OcrLine[]; pages: OcrPageInfo[] }> {
  const lib = await loadPdfJs();
  // pdf.js takes the buffer over (transfers it): give it a copy.
  const task = lib.getDocument({
    data: new Uint8Array(bytes),
    isEvalSupported: false,
    verbosity: 0,
    standardFontDataUrl: standardFontDataUrl(),
  });
  let doc: Awaited<typeof task.promise>;
  try {
    doc = await task.promise;
  } catch (e) {
    await task.destroy().catch(() => undefined);
    const name = (e as Error).name;
    if (name === 'PasswordException') throw new MediaError('unsupported_type', 'PDF is encrypted', { cause: e });
    throw new MediaError('corrupt', `PDF does not open: ${(e as Error).message.slice(0, 200)}`, { cause: e });
  }
  try {
    if (doc.numPages > limits.maxPages)
      throw new MediaError('too_many_pages', `PDF has ${doc.numPages} pages, over the limit of ${limits.maxPages}`, {
        details: { pages: doc.numPages, maxPages: limits.maxPages },
      });
    const lines: OcrLine[] = [];
    const pages: OcrPageInfo[] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const view = page.getViewport({ scale: 1 });
      const width = Math.round(view.width);
      const height = Math.round(view.height);
      const content = await page.getTextContent();
      const items = content.items.filter((i) => 'str' in i) as unknown as TextItem[];
      const layer = items.map((i) => i.str).join('');
      if (limits.textLayerMinChars > 0 && layer.replace(/\s+/g, '').length >= limits.textLayerMinChars) {
        lines.push(...textLayerLines(items, view.height, n));
        pages.push({ page: n, width, height, source: 'text-layer' });
      } else {
        // Render at pdfScale, but no side over maxSide pixels.
        const scale = Math.max(0.05, Math.min(limits.pdfScale, limits.maxSide / Math.max(view.width, view.height, 1)));
        const viewport = page.getViewport({ scale });
        // The document's own canvas factory (pdf.js requires @napi-rs/canvas itself): drawing pdf.js's scratch
        // canvases onto a canvas from another load of the module crashes the process.
        const factory = (doc as unknown as { canvasFactory: CanvasFactory }).canvasFactory;
        const { canvas, context } = factory.create(Math.max(1, Math.ceil(viewport.width)), Math.max(1, Math.ceil(viewport.height)));
        context.fillStyle = '#ffffff';
        context.fillRect(0, 0, canvas.width, canvas.height);
        type RenderParams = Parameters<typeof page.render>[0];
        await page.render({ canvasContext: context as unknown as RenderParams['canvasContext'], viewport }).promise;
        const png = canvas.toBuffer('image/png');
        factory.destroy({ canvas, context });
        lines.push(...(await ocrRendered(png, 1 / scale, n)));
        pages.push({ page: n, width, height, source: 'ocr' });
      }
      page.cleanup();
    }
    return { lines, pages };
  } catch (e) {
    if (isMediaError(e)) throw e;
    throw new MediaError('corrupt', `PDF does not read: ${(e as Error).message.slice(0, 200)}`, { cause: e });
  } finally {
    await doc.destroy().catch(() => undefined);
  }
}
