/**
 * Custom detectors from config: regex patterns and keyword lists (`{name, type, patterns, keywords, score}`), and a
 * user's module exporting a detector (`{name, module, options}`), loaded with a dynamic import and checked against the
 * {@link Detector} interface. Patterns are checked at config load (config/guardrails.ts: length cap, no nested
 * quantifiers); a text longer than {@link MAX_SCAN_CHARS} is scanned in overlapping windows so one scan stays bounded.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { patternProblem, type CustomDetectorConfig } from '../../config/index.js';
import { ValidationError, type Finding } from '../../protocols/index.js';
import type { Detector } from './detector.js';
import { isDetector } from './registry.js';

/** Longest piece of text one regex scan sees; longer texts are scanned in windows overlapping by {@link SCAN_OVERLAP}. */
export const MAX_SCAN_CHARS = 64 * 1024;
const SCAN_OVERLAP = 1024;

/** A word character for keyword boundaries: any letter, digit or `_`. */
const WORD = '[\\p{L}\\p{N}_]';

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A detector over regex patterns and whole-word keywords, every match one finding of `type`. */
export function patternDetector(c: Extract<CustomDetectorConfig, { patterns: string[] }>): Detector {
  const flags = c.caseSensitive ? 'gu' : 'giu';
  const sources = [...c.patterns];
  if (c.keywords.length > 0) sources.push(`(?<!${WORD})(?:${c.keywords.map(escapeRegex).join('|')})(?!${WORD})`);
  const regexes = sources.map((s) => {
    const problem = patternProblem(s);
    if (problem !== undefined) throw new ValidationError(`detector "${c.name}": pattern ${problem}`);
    return new RegExp(s, flags);
  });
  return {
    name: c.name,
    types: [c.type],
    detect(text) {
      const out: Finding[] = [];
      const seen = new Set<string>();
      for (let from = 0; from < Math.max(text.length, 1); from += MAX_SCAN_CHARS - SCAN_OVERLAP) {
        const piece = text.slice(from, from + MAX_SCAN_CHARS);
        for (const re of regexes) {
          re.lastIndex = 0;
          for (const m of piece.matchAll(re)) {
            if (m[0].length === 0) continue;
            const start = from + (m.index ?? 0);
            const key = `${start}:${m[0].length}`;
            if (seen.has(key)) continue;
            seen.add(key);
            out.push({ detector: c.name, type: c.type, start, end: start + m[0].length, score: c.score });
          }
        }
        if (from + MAX_SCAN_CHARS >= text.length) break;
      }
      return out.sort((a, b) => a.start - b.start || b.end - a.end);
    },
  };
}

/**
 * Loads a detector from a user's module: its default export or `detector` export (a detector, or a function of the
 * options making one), or its `createDetector(options)`. Errors name the file. The detector's `name` becomes the
 * configured one, so findings and policy rules use the name config gave.
 */
export async function moduleDetector(c: Extract<CustomDetectorConfig, { module: string }>, cwd = process.cwd()): Promise<Detector> {
  const file = resolve(cwd, c.module);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    throw new ValidationError(`guardrails.custom "${c.name}": cannot load detector module ${file}: ${(e as Error).message}`);
  }
  const candidate = mod['createDetector'] ?? mod['detector'] ?? mod['default'];
  let made: unknown = candidate;
  try {
    if (typeof candidate === 'function') made = await (candidate as (o: unknown) => unknown)(c.options);
  } catch (e) {
    throw new ValidationError(`guardrails.custom "${c.name}": the detector factory of ${file} failed: ${(e as Error).message}`);
  }
  if (!isDetector(made))
    throw new ValidationError(
      `guardrails.custom "${c.name}": ${file} exports no detector: export default (or \`detector\`, or \`createDetector(options)\`) ` +
        'an object with name, types (string[]) and detect(text, ctx)',
    );
  const inner = made;
  return {
    name: c.name,
    types: inner.types,
    detect: async (text, ctx) => (await inner.detect(text, ctx)).map((f) => ({ ...f, detector: c.name })),
    ...(inner.close === undefined ? {} : { close: () => (inner.close as () => Promise<void>).call(inner) }),
  };
}

/** The detectors config's `guardrails.custom` describes. */
export async function customDetectors(list: readonly CustomDetectorConfig[], cwd?: string): Promise<Detector[]> {
  const out: Detector[] = [];
  for (const c of list) out.push('module' in c ? await moduleDetector(c, cwd) : patternDetector(c));
  return out;
}
