/**
 * Media fixtures made at run time: text rendered into images with @napi-rs/canvas (known text in a
 * font and size), and minimal PDFs written by hand — one with a text layer, one "scanned" (a page that
 * is only a JPEG). The bench (bench/multimodal-ocr.ts) uses the same generators.
 */
import { existsSync } from 'node:fs';
import { createCanvas, GlobalFonts } from '@napi-rs/canvas';

/** Font families on this machine the generators use (those present; DejaVu and Liberation on Debian). */
export function availableFonts(): string[] {
  const wanted = ['DejaVu Sans', 'DejaVu Serif', 'DejaVu Sans Mono', 'Liberation Sans', 'Liberation Serif', 'Liberation Mono'];
  const have = new Set(GlobalFonts.families.map((f) => f.family));
  const found = wanted.filter((f) => have.has(f));
  return found.length > 0 ? found : ['sans-serif'];
}

/** True when a font directory with the usual families exists (tests skip nothing: they use whatever is present). */
export const HAS_SYSTEM_FONTS = existsSync('/usr/share/fonts');

/** A PNG of `lines` in black `font` at `size` px on white, with a margin. */
export function renderText(lines: readonly string[], font = 'DejaVu Sans', size = 32): Buffer {
  const probe = createCanvas(10, 10).getContext('2d');
  probe.font = `${size}px "${font}"`;
  const width = Math.ceil(Math.max(...lines.map((l) => probe.measureText(l).width))) + size * 2;
  const lineHeight = Math.ceil(size * 1.6);
  const canvas = createCanvas(width, lineHeight * lines.length + size * 2);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = '#000000';
  ctx.font = `${size}px "${font}"`;
  ctx.textBaseline = 'top';
  lines.forEach((l, i) => ctx.fillText(l, size, size + i * lineHeight));
  return canvas.toBuffer('image/png');
}

/** A JPEG of `lines` (for "scanned" PDFs), with its size. */
export function renderTextJpeg(lines: readonly string[], font = 'DejaVu Sans', size = 32): { jpeg: Buffer; width: number; height: number } {
  const probe = createCanvas(10, 10).getContext('2d');
  probe.font = `${size}px "${font}"`;
  const width = Math.ceil(Math.max(...lines.map((l) => probe.measureText(l).width))) + size * 2;
  const lineHeight = Math.ceil(size * 1.6);
  const height = lineHeight * lines.length + size * 2;
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = '#000000';
  ctx.font = `${size}px "${font}"`;
  ctx.textBaseline = 'top';
  lines.forEach((l, i) => ctx.fillText(l, size, size + i * lineHeight));
  return { jpeg: canvas.toBuffer('image/jpeg', 95), width, height };
}

/** One PDF page: text lines in Helvetica (a text layer), or a JPEG filling the page (a scan). */
export type PdfPage = { readonly text: readonly string[] } | { readonly jpeg: Buffer; readonly width: number; readonly height: number };

/** A minimal valid PDF of `pages` (objects, xref table and trailer written by hand). */
export function makePdf(pages: readonly PdfPage[]): Buffer {
  const objects: Buffer[] = [];
  const add = (body: Buffer | string): number => {
    objects.push(typeof body === 'string' ? Buffer.from(body, 'latin1') : body);
    return objects.length;
  };
  const stream = (dict: string, data: Buffer): Buffer =>
    Buffer.concat([Buffer.from(`<< ${dict} /Length ${data.length} >>\nstream\n`, 'latin1'), data, Buffer.from('\nendstream', 'latin1')]);
  add('<< /Type /Catalog /Pages 2 0 R >>');
  add(''); // pages, filled below
  const font = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  const kids: number[] = [];
  for (const p of pages) {
    if ('text' in p) {
      const ops = p.text.map((l, i) => `BT /F1 18 Tf 50 ${740 - i * 28} Td (${l.replace(/[\\()]/g, (c) => `\\${c}`)}) Tj ET`).join('\n');
      const content = add(stream('', Buffer.from(ops, 'latin1')));
      kids.push(
        add(
          `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 ${font} 0 R >> >> /Contents ${content} 0 R >>`,
        ),
      );
    } else {
      const w = (p.width * 72) / 144;
      const h = (p.height * 72) / 144;
      const img = add(
        stream(
          `/Type /XObject /Subtype /Image /Width ${p.width} /Height ${p.height} ` +
            '/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode',
          p.jpeg,
        ),
      );
      const content = add(stream('', Buffer.from(`q ${w} 0 0 ${h} 0 0 cm /Im1 Do Q`, 'latin1')));
      kids.push(
        add(
          `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${w} ${h}] ` +
            `/Resources << /XObject << /Im1 ${img} 0 R >> >> /Contents ${content} 0 R >>`,
        ),
      );
    }
  }
  objects[1] = Buffer.from(`<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${kids.length} >>`, 'latin1');
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  const offsets: number[] = [];
  let at = parts[0]!.length;
  objects.forEach((o, i) => {
    const chunk = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`, 'latin1'), o, Buffer.from('\nendobj\n', 'latin1')]);
    offsets.push(at);
    parts.push(chunk);
    at += chunk.length;
  });
  const xref = [
    `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`,
    ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`),
  ].join('');
  parts.push(Buffer.from(`${xref}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${at}\n%%EOF\n`, 'latin1'));
  return Buffer.concat(parts);
}

/** Character accuracy: 1 − edit distance / length of `expected` (floored at 0). */
export function charAccuracy(expected: string, got: string): number {
  if (expected.length === 0) return got.length === 0 ? 1 : 0;
  let prev = Array.from({ length: got.length + 1 }, (_, j) => j);
  for (let i = 1; i <= expected.length; i++) {
    const cur = [i];
    for (let j = 1; j <= got.length; j++)
      cur[j] = Math.min(
        (prev[j] as number) + 1,
        (cur[j - 1] as number) + 1,
        (prev[j - 1] as number) + (expected[i - 1] === got[j - 1] ? 0 : 1),
      );
    prev = cur;
  }
  return Math.max(0, 1 - (prev[got.length] as number) / expected.length);
}
