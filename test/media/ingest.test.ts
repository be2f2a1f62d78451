/**
 * RAG ingestion of an image and a scanned PDF through OCR (actors/memory/rag/readers.ts, the path
 * `troupe ingest` takes): the collection actor ingests the recognised text, and a search finds it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HashingTestEmbedder } from '../../actors/memory/embedders/index.js';
import {
  RAG_INGEST,
  RAG_SEARCH,
  readDocument,
  spawnCollection,
  type IngestReply,
  type SearchReply,
} from '../../actors/memory/rag/index.js';
import { isMediaError } from '../../actors/media/index.js';
import type { ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { makePdf, renderText, renderTextJpeg } from './fixtures.js';

let system: ActorSystem;
beforeAll(async () => {
  system = await createSystem();
});
afterAll(() => system.shutdown());

describe('ingesting images and PDFs', () => {
  it('OCRs an image and a scanned PDF into a collection; recall finds each by its words', async () => {
    const png = renderText(['The lighthouse keeper', 'lives on Skerryvore'], 'DejaVu Sans', 30);
    const scan = renderTextJpeg(['Volcanic soil near', 'Clermont grows lentils'], 'Liberation Serif', 32);
    const pdf = makePdf([scan]);
    const image = await readDocument('notes/keeper.png', 'keeper.png', png);
    const paper = await readDocument('notes/soil.pdf', 'soil.pdf', pdf);
    expect(image).toMatchObject({ format: 'text', metadata: { mediaType: 'image/png', pages: 1, ocr: true } });
    expect(paper).toMatchObject({ format: 'text', metadata: { mediaType: 'application/pdf', pages: 1, ocr: true } });
    const ref = await spawnCollection(system, 'scans', { embedder: new HashingTestEmbedder(128) });
    const reply = await ref.ask<IngestReply>(RAG_INGEST, { documents: [image, paper] }, { timeoutMs: 60_000 });
    expect(reply.documents.map((d) => d.status)).toEqual(['added', 'added']);
    const lighthouse = await ref.ask<SearchReply>(RAG_SEARCH, { query: 'lighthouse keeper Skerryvore', k: 1, mode: 'keyword' });
    expect(lighthouse.hits[0]?.citation.documentId).toBe('notes/keeper.png');
    const lentils = await ref.ask<SearchReply>(RAG_SEARCH, { query: 'volcanic soil lentils', k: 1, mode: 'keyword' });
    expect(lentils.hits[0]?.citation.documentId).toBe('notes/soil.pdf');
    expect(lentils.hits[0]?.text.toLowerCase()).toContain('lentils');
  });

  it('reads text files as before, and refuses a broken image with a typed error', async () => {
    expect(await readDocument('a.md', 'a.md', Buffer.from('# Title\n\nBody'))).toEqual({
      id: 'a.md',
      content: '# Title\n\nBody',
      format: 'markdown',
      metadata: { source: 'a.md' },
    });
    const e = await readDocument('b.png', 'b.png', Buffer.from('not a png')).catch((x: unknown) => x);
    expect(isMediaError(e)).toBe(true);
  });
});
