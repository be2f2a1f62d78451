/**
 * Chunking: a document's blocks become chunks of at most `maxChars` that never cross a heading
 * (a chunk belongs to one section), break between sentences (a sentence longer than a chunk is cut
 * between words), and repeat up to `overlapChars` of trailing sentences of the previous chunk.
 * Every chunk carries its heading path and exact source offsets.
 */
import { ValidationError } from '../../../protocols/index.js';
import { sourceEnd, sourceOffset, type Block } from './documents.js';

/** Chunk size settings. */
export interface ChunkOptions {
  /** Longest chunk, in characters (default 800). */
  readonly maxChars: number;
  /** Characters of trailing sentences repeated at the start of the next chunk (default 120). */
  readonly overlapChars: number;
}

/** Defaults of {@link ChunkOptions}. */
export const DEFAULT_CHUNKING: ChunkOptions = { maxChars: 800, overlapChars: 120 };

/** One chunk of a document, before it gets an id and a vector. */
export interface TextChunk {
  /** Position in the document, from 0. */
  readonly index: number;
  readonly text: string;
  readonly headings: readonly string[];
  /** Source offsets `[start, end)` of the chunk's first and last character. */
  readonly start: number;
  readonly end: number;
}

interface Unit {
  readonly block: Block;
  readonly start: number;
  readonly end: number;
}

const SENTENCE_END = /[.!?…]+["'”’)\]]*\s+(?=["'“‘([]?[\p{Lu}\p{N}])|\n+/gu;

/** Sentence spans `[start, end)` of `text` (trailing whitespace excluded). */
export function sentences(text: string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  let start = 0;
  SENTENCE_END.lastIndex = 0;
  for (let m = SENTENCE_END.exec(text); m !== null; m = SENTENCE_END.exec(text)) {
    const end = m.index + m[0].trimEnd().length;
    if (end > start) out.push({ start, end });
    start = m.index + m[0].length;
  }
  const tail = text.slice(start).trimEnd();
  if (tail.length > 0) out.push({ start, end: start + tail.length });
  return out;
}

/** Cuts a too-long span into pieces of at most `max` characters, between words when possible. */
function cut(block: Block, start: number, end: number, max: number): Unit[] {
  const out: Unit[] = [];
  let s = start;
  while (end - s > max) {
    let e = block.text.lastIndexOf(' ', s + max);
    if (e <= s) e = s + max;
    out.push({ block, start: s, end: e });
    s = e;
    while (s < end && block.text[s] === ' ') s++;
  }
  if (end > s) out.push({ block, start: s, end });
  return out;
}

/** Chunks `blocks` (see the module comment); throws a RangeError on nonsensical sizes. */
export function chunkBlocks(blocks: readonly Block[], options: Partial<ChunkOptions> = {}): TextChunk[] {
  const { maxChars, overlapChars } = { ...DEFAULT_CHUNKING, ...options };
  if (!(maxChars >= 50)) throw new ValidationError(`chunk maxChars must be >= 50, got ${maxChars}`);
  if (!(overlapChars >= 0 && overlapChars < maxChars / 2))
    throw new ValidationError(`chunk overlapChars must be in [0, maxChars/2), got ${overlapChars}`);
  const sections: Block[][] = [];
  for (const b of blocks) {
    const last = sections.at(-1);
    if (last !== undefined && (last[0] as Block).section === b.section) last.push(b);
    else sections.push([b]);
  }
  const chunks: TextChunk[] = [];
  for (const section of sections) {
    const units = section.flatMap((b) => sentences(b.text).flatMap((s) => cut(b, s.start, s.end, maxChars)));
    let i = 0;
    while (i < units.length) {
      let j = i;
      let size = 0;
      while (j < units.length && (j === i || size + len(units[j] as Unit) + 1 <= maxChars)) size += len(units[j++] as Unit) + 1;
      chunks.push(makeChunk(chunks.length, units.slice(i, j)));
      if (j >= units.length) break;
      let k = j;
      let overlap = 0;
      while (k - 1 > i && overlap + len(units[k - 1] as Unit) <= overlapChars) overlap += len(units[--k] as Unit);
      i = k;
    }
  }
  return chunks;
}

function len(u: Unit): number {
  return u.end - u.start;
}

function makeChunk(index: number, units: readonly Unit[]): TextChunk {
  const parts: string[] = [];
  let run = units[0] as Unit;
  let runEnd = run.end;
  for (const u of units.slice(1)) {
    if (u.block === run.block) {
      runEnd = u.end;
      continue;
    }
    parts.push(run.block.text.slice(run.start, runEnd));
    run = u;
    runEnd = u.end;
  }
  parts.push(run.block.text.slice(run.start, runEnd));
  const first = units[0] as Unit;
  const last = units.at(-1) as Unit;
  return {
    index,
    text: parts.join('\n\n'),
    headings: first.block.headings,
    start: sourceOffset(first.block, first.start),
    end: sourceEnd(last.block, last.end - 1),
  };
}
