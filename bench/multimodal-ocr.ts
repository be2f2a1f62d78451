/**
 * The OCR part of `npm run bench -- multimodal` (issue 21): character accuracy and pages per second of the
 * offline OCR (actors/media) on a fixture generated here — known text rendered with @napi-rs/canvas in the
 * machine's fonts at several sizes (test/media/fixtures.ts) — and on a scanned PDF of the same pages.
 * Accuracy is 1 − edit distance / length over all pages, whitespace collapsed. The model load is timed apart.
 */
import { extractText } from '../actors/media/index.js';
import { availableFonts, charAccuracy, makePdf, renderText, renderTextJpeg } from '../test/media/fixtures.js';
import type { BenchOptions, Figure, Goal } from './harness.js';
import type { MultimodalPartResult } from './multimodal.bench.js';

/** Text of the fixture pages: mixed case, digits, punctuation. */
const PAGES: readonly (readonly string[])[] = [
  ['Invoice 2026-0412 for Acme Ltd.', 'Total due: 1,284.50 EUR by 30 June', 'Contact billing@acme.example'],
  ['The quick brown fox jumps over', 'the lazy dog near the river bank.', 'Meeting moved to Thursday 9:30.'],
  ['Shipping address: 14 Rue Mercier', '69002 Lyon, France (2nd floor)', 'Reference number QX-7731-B'],
];
const SIZES = [14, 20, 32];

const squash = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** Accuracy over a set of pages: total edits over total expected characters. */
function accuracy(pairs: readonly { expected: string; got: string }[]): number {
  let len = 0;
  let edits = 0;
  for (const { expected, got } of pairs) {
    const e = squash(expected);
    len += e.length;
    edits += (1 - charAccuracy(e, squash(got))) * e.length;
  }
  return len === 0 ? 1 : 1 - edits / len;
}

const figure = (name: string, value: number, unit: string, higherIsBetter = true): Figure => ({
  name,
  value,
  unit,
  higherIsBetter,
  baselines: [],
});

export async function ocrPart(options: BenchOptions): Promise<MultimodalPartResult> {
  const fonts = options.quick ? availableFonts().slice(0, 2) : availableFonts();
  const sizes = options.quick ? [20] : SIZES;
  const images: { font: string; size: number; expected: string; png: Buffer }[] = [];
  for (const font of fonts)
    for (const size of sizes)
      for (const lines of PAGES) images.push({ font, size, expected: lines.join('\n'), png: renderText(lines, font, size) });
  options.log(`ocr: ${images.length} pages (${fonts.length} fonts × ${sizes.length} sizes × ${PAGES.length} texts)`);

  const loadStart = process.hrtime.bigint();
  const loadCpu = process.cpuUsage();
  await extractText(renderText(['warm up'], 'DejaVu Sans', 24), 'image/png');
  const loadMs = Number(process.hrtime.bigint() - loadStart) / 1e6;
  const loadCpuMs = (process.cpuUsage(loadCpu).user + process.cpuUsage(loadCpu).system) / 1000;

  const results: { font: string; size: number; expected: string; got: string }[] = [];
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (const img of images) {
    const r = await extractText(img.png, 'image/png');
    results.push({ font: img.font, size: img.size, expected: img.expected, got: r.text });
  }
  const wallS = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  const cpuMsPerPage = (used.user + used.system) / 1000 / images.length;

  // The same pages as a scanned PDF (JPEG pages rendered by pdf.js, then OCR'd).
  const scans = PAGES.map((lines) => renderTextJpeg(lines, fonts[0] ?? 'DejaVu Sans', 24));
  const pdf = makePdf(scans);
  const pdfStart = process.hrtime.bigint();
  const pdfResult = await extractText(pdf, 'application/pdf');
  const pdfS = Number(process.hrtime.bigint() - pdfStart) / 1e9;
  const pdfPages = pdfResult.pages.length;
  const pdfText = pdfResult.text.split('\n\n');
  const pdfAcc = accuracy(PAGES.map((lines, i) => ({ expected: lines.join('\n'), got: pdfText[i] ?? '' })));

  const overall = accuracy(results);
  const bySize = sizes.map((s) => `${s}px ${(accuracy(results.filter((r) => r.size === s)) * 100).toFixed(1)} %`).join(', ');
  const byFont = fonts.map((f) => `${f} ${(accuracy(results.filter((r) => r.font === f)) * 100).toFixed(1)} %`).join(', ');
  const worst = [...results].sort(
    (a, b) => charAccuracy(squash(a.expected), squash(a.got)) - charAccuracy(squash(b.expected), squash(b.got)),
  )[0];
  const figures = [
    figure('OCR character accuracy (rendered images)', Math.round(overall * 1000) / 10, '%'),
    figure('OCR pages/s (images, one at a time)', Math.round((images.length / wallS) * 100) / 100, 'pages/s'),
    figure('OCR CPU per page', Math.round(cpuMsPerPage), 'ms', false),
    figure('OCR scanned PDF pages/s (render + OCR)', Math.round((pdfPages / pdfS) * 100) / 100, 'pages/s'),
    figure('OCR character accuracy (scanned PDF)', Math.round(pdfAcc * 1000) / 10, '%'),
    figure('OCR model load (first call)', Math.round(loadMs), 'ms', false),
  ];
  const goals: Goal[] = [
    { name: 'OCR accuracy ≥ 95 % on the generated fixture', met: overall >= 0.95, detail: `${(overall * 100).toFixed(1)} %` },
  ];
  const notes = [
    `ocr accuracy by size: ${bySize}`,
    `ocr accuracy by font: ${byFont}`,
    `ocr model load: ${Math.round(loadMs)} ms wall, ${Math.round(loadCpuMs)} ms CPU`,
    ...(worst === undefined
      ? []
      : [`ocr worst page (${worst.font} ${worst.size}px): expected "${squash(worst.expected)}", got "${squash(worst.got)}"`]),
  ];
  return { figures, goals, notes };
}
