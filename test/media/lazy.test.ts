/**
 * Media engines load on first use (ADR 0044): a process that loads the actors layer and declares the media
 * tools loads none of sharp, onnxruntime, the OCR packages, OpenCV, pdf.js or wavefile; one OCR call loads
 * them (so the check can fail). Modules are recorded by test/cli/fixtures/record-loads.mjs.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const HOOK = join(import.meta.dirname, '../cli/fixtures/record-loads.mjs');
const SCRIPT = join(import.meta.dirname, 'fixtures/load-media.ts');
const dir = mkdtempSync(join(tmpdir(), 'troupe-media-lazy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function packagesLoaded(mode: string): Promise<{ packages: Set<string>; stdout: string }> {
  const file = join(dir, `${mode}.loads`);
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--import', HOOK, SCRIPT, mode], {
    env: { ...process.env, TROUPE_TEST_LOADS: file },
    timeout: 120_000,
  });
  const packages = new Set<string>();
  for (const url of readFileSync(file, 'utf8').split('\n')) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
    if (pkg !== undefined) packages.add(pkg);
  }
  return { packages, stdout };
}

const ENGINES = ['sharp', '@gutenye/ocr-node', '@gutenye/ocr-common', '@techstark/opencv-js', 'pdfjs-dist', 'wavefile'];

describe('media engines load lazily', () => {
  it('declaring the media tools loads no engine; an OCR call loads the OCR engine', async () => {
    const [declared, used] = await Promise.all([packagesLoaded('declare'), packagesLoaded('ocr')]);
    expect(declared.stdout.trim()).toBe('clock,calculator,ocr,speech.transcribe,speech.synthesize');
    expect(ENGINES.filter((p) => declared.packages.has(p))).toEqual([]);
    expect(used.packages).toContain('@gutenye/ocr-node');
    expect(used.packages).toContain('sharp');
    expect(used.packages).toContain('onnxruntime-node');
  }, 180_000);
});
