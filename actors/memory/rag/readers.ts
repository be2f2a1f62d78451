/**
 * Readers turning a file's bytes into a document to ingest: text formats are decoded as UTF-8; images
 * and PDFs go through offline OCR (actors/media, loaded only when such a file arrives), their text
 * ingested as plain text with the OCR's page count and type in the metadata.
 */
import { guessFormat } from './documents.js';
import type { RagDocument } from './messages.js';
import type { OcrLimits } from '../../media/types.js';

/** Extensions read as text. */
export const TEXT_DOCUMENT_EXTENSIONS: readonly string[] = ['.md', '.markdown', '.txt', '.text', '.html', '.htm', '.json'];
/** Extensions read through OCR. */
export const OCR_DOCUMENT_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff', '.avif', '.pdf'];

const ext = (name: string): string => /\.[^./\\]+$/.exec(name.toLowerCase())?.[0] ?? '';

/** True when `name` is read through OCR. */
export function isOcrDocument(name: string): boolean {
  return OCR_DOCUMENT_EXTENSIONS.includes(ext(name));
}

/**
 * The document of file `name` (its `id`) from `bytes`. An image or PDF is OCR'd (a MediaError for bad
 * input, over `limits`); its content is empty when no text was recognised.
 */
export async function readDocument(id: string, name: string, bytes: Uint8Array, limits: Partial<OcrLimits> = {}): Promise<RagDocument> {
  if (!isOcrDocument(name))
    return { id, content: Buffer.from(bytes).toString('utf8'), format: guessFormat(name), metadata: { source: id } };
  const { extractText } = await import('../../media/ocr.js');
  const { mediaTypeOfName } = await import('../../media/sniff.js');
  const r = await extractText(bytes, mediaTypeOfName(name), limits);
  return {
    id,
    content: r.text,
    format: 'text',
    metadata: { source: id, mediaType: r.mediaType, pages: r.pages.length, ocr: r.pages.some((p) => p.source === 'ocr') },
  };
}
