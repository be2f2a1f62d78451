/**
 * Offline OCR on generated fixtures: text rendered into images (known text, so the check can fail), a
 * PDF with a text layer and a scanned one, boxes where the text is; the `ocr` tool through the tool runner;
 * hostile input (fast-check garbage, truncated images and PDFs, wrong types, oversized, too many pages)
 * gives a typed MediaError, never a crash.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mediaSchema } from '../../config/index.js';
import { extractText, isMediaError, ocrTool, type OcrResult } from '../../actors/media/index.js';
import { TOOL_CALL, spawnTool, type ToolCallResult } from '../../actors/tool/index.js';
import type { ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { charAccuracy, makePdf, renderText, renderTextJpeg } from './fixtures.js';

const reasonOf = async (p: Promise<unknown>): Promise<string> => {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!isMediaError(e)) throw new Error(`expected a MediaError, got ${e === undefined ? 'a result' : String(e)}`);
  return e.reason;
};

describe('OCR', () => {
  it('reads rendered text back, line by line, with boxes around each line', async () => {
    const lines = ['Quarterly report 2026', 'Revenue grew by 14 percent'];
    const png = renderText(lines, 'DejaVu Sans', 30);
    const r = await extractText(png, 'image/png');
    expect(r.mediaType).toBe('image/png');
    expect(r.lines.map((l) => l.page)).toEqual([1, 1]);
    expect(charAccuracy(lines.join('\n'), r.text)).toBeGreaterThan(0.93);
    expect(r.text).toContain('Quarterly');
    expect(r.text).toContain('Revenue');
    // Line 2 lies below line 1; each box is a quadrilateral inside the image.
    const [a, b] = r.lines;
    expect(a?.box).toHaveLength(4);
    expect((b?.box[0]?.[1] ?? 0) > (a?.box[2]?.[1] ?? Infinity) - 5).toBe(true);
    for (const l of r.lines)
      for (const [x, y] of l.box) expect(x >= 0 && y >= 0 && x <= (r.pages[0]?.width ?? 0) && y <= (r.pages[0]?.height ?? 0)).toBe(true);
    expect(r.lines.every((l) => l.score > 0.5 && l.score <= 1)).toBe(true);
  });

  it('reads a JPEG, and maps boxes back to the input when a large image is scaled down', async () => {
    const { jpeg } = renderTextJpeg(['Scaled down invoice'], 'Liberation Serif', 120);
    const small = await extractText(jpeg, 'image/jpeg', { maxSide: 600 });
    expect(small.text.toLowerCase()).toContain('invoice');
    expect(small.pages[0]?.width).toBeGreaterThan(600);
    expect(Math.max(...(small.lines[0]?.box.map((p) => p[0]) ?? [0]))).toBeGreaterThan(600);
  });

  it('reads a PDF: a page with a text layer from the layer, a scanned page through the models', async () => {
    const scan = renderTextJpeg(['Scanned contract page', 'Signed in Lyon'], 'DejaVu Serif', 30);
    const pdf = makePdf([{ text: ['Cover page of the contract'] }, scan]);
    const r = await extractText(pdf, 'application/pdf');
    expect(r.pages.map((p) => [p.page, p.source])).toEqual([
      [1, 'text-layer'],
      [2, 'ocr'],
    ]);
    expect(r.lines[0]).toMatchObject({ text: 'Cover page of the contract', page: 1, score: 1 });
    const scanned = r.lines
      .filter((l) => l.page === 2)
      .map((l) => l.text)
      .join('\n');
    expect(charAccuracy('Scanned contract page\nSigned in Lyon', scanned)).toBeGreaterThan(0.9);
    expect(r.text.split('\n\n')).toHaveLength(2);
  });

  it('types bad input: wrong or mismatched type, truncated image, garbage or truncated PDF, oversized, too many pages', async () => {
    const png = renderText(['hello'], 'DejaVu Sans', 24);
    const pdf = makePdf([{ text: ['one page of text here'] }, { text: ['two'] }, { text: ['three'] }]);
    expect(await reasonOf(extractText(png, 'text/plain'))).toBe('unsupported_type');
    expect(await reasonOf(extractText(png, 'image/jpeg'))).toBe('unsupported_type');
    expect(await reasonOf(extractText(png.subarray(0, Math.floor(png.length / 2)), 'image/png'))).toBe('corrupt');
    expect(await reasonOf(extractText(Buffer.from('%PDF-1.7\n garbage garbage'), 'application/pdf'))).toBe('corrupt');
    expect(await reasonOf(extractText(pdf.subarray(0, Math.floor(pdf.length / 3)), 'application/pdf'))).toBe('corrupt');
    expect(await reasonOf(extractText(png, 'image/png', { maxBytes: 100 }))).toBe('too_large');
    expect(await reasonOf(extractText(png, 'image/png', { maxPixels: 100 }))).toBe('too_large');
    expect(await reasonOf(extractText(pdf, 'application/pdf', { maxPages: 2 }))).toBe('too_many_pages');
    expect(await reasonOf(extractText(new Uint8Array(0)))).toBe('corrupt');
  });

  it('garbage bytes, alone or after a real header, give a typed error or a result, never a crash', async () => {
    const headers = [
      Buffer.alloc(0),
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.from([0xff, 0xd8, 0xff]),
      Buffer.from('%PDF-1.4\n'),
      Buffer.from('RIFF\0\0\0\0WEBP'),
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...headers),
        fc.uint8Array({ maxLength: 2048 }),
        fc.constantFrom(undefined, 'image/png', 'application/pdf', 'image/jpeg'),
        async (head, tail, type) => {
          const bytes = Buffer.concat([head, tail]);
          const out = await extractText(bytes, type, { maxPages: 3 }).then(
            (r: OcrResult) => r,
            (e: unknown) => e,
          );
          if (!('text' in (out as object))) expect(isMediaError(out)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  }, 120_000);
});

describe('the ocr tool through the tool runner', () => {
  let system: ActorSystem;
  beforeAll(async () => {
    system = await createSystem();
    await spawnTool(system, ocrTool(mediaSchema.parse({ maxBytes: 2_000_000, ocr: { maxPages: 2 } })));
  });
  afterAll(() => system.shutdown());
  const call = (args: Record<string, unknown>): Promise<ToolCallResult> =>
    system.ref('tool/ocr').ask<ToolCallResult>(TOOL_CALL, { name: 'ocr', arguments: args }, { timeoutMs: 60_000 });

  it('answers text with boxes for a base64 image', async () => {
    const png = renderText(['Meeting at 10 in room 4B'], 'Liberation Sans', 28);
    const r = await call({ data: png.toString('base64'), mimeType: 'image/png' });
    expect(r.isError).toBeUndefined();
    const s = r.structuredContent as unknown as OcrResult;
    expect(charAccuracy('Meeting at 10 in room 4B', s.text)).toBeGreaterThan(0.9);
    expect(s.lines[0]?.box).toHaveLength(4);
  });

  it('answers error results with code and reason for bad input and limits from config', async () => {
    const png = renderText(['x'], 'DejaVu Sans', 20);
    expect(await call({ data: png.toString('base64'), mimeType: 'audio/wav' })).toMatchObject({
      isError: true,
      structuredContent: { reason: 'unsupported_type' },
    });
    expect(await call({ data: '@@not base64@@', mimeType: 'image/png' })).toMatchObject({
      isError: true,
      structuredContent: { reason: 'corrupt' },
    });
    expect(await call({ data: Buffer.alloc(2_100_000).toString('base64'), mimeType: 'image/png' })).toMatchObject({
      isError: true,
      structuredContent: { code: 'too_large', reason: 'too_large' },
    });
    const pdf = makePdf([{ text: ['a'] }, { text: ['b'] }, { text: ['c'] }]);
    expect(await call({ data: pdf.toString('base64'), mimeType: 'application/pdf' })).toMatchObject({
      isError: true,
      structuredContent: { reason: 'too_many_pages' },
    });
    expect(await call({ mimeType: 'image/png' })).toMatchObject({ isError: true });
  });
});
