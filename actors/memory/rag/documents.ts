/**
 * Turns a source document (text, Markdown, HTML, JSON) into blocks: paragraphs of plain text
 * under a heading path, each knowing where its characters came from in the source, so every
 * chunk can cite exact source offsets.
 */

/** Formats a document can be ingested as. */
export const DOCUMENT_FORMATS = ['text', 'markdown', 'html', 'json'] as const;
/** One of {@link DOCUMENT_FORMATS}. */
export type DocumentFormat = (typeof DOCUMENT_FORMATS)[number];

/** A run of block text copied verbatim from the source starting at `src`. */
interface Piece {
  /** Offset in the block text. */
  readonly at: number;
  /** Offset in the source. */
  readonly src: number;
  /** Source length of a run that is not verbatim (an HTML entity): the run maps as a whole. */
  readonly srcLen?: number;
}

/** A paragraph of plain text under `headings`, with its map back to source offsets. */
export interface Block {
  readonly text: string;
  readonly headings: readonly string[];
  /** Counts headings seen before the block: chunks never mix blocks of different sections. */
  readonly section: number;
  readonly pieces: readonly Piece[];
}

function pieceAt(block: Block, i: number): Piece {
  let p = block.pieces[0] ?? { at: 0, src: 0 };
  for (const q of block.pieces) {
    if (q.at > i) break;
    p = q;
  }
  return p;
}

/** The source offset of block-text offset `i` (exact inside verbatim runs; the start of an entity). */
export function sourceOffset(block: Block, i: number): number {
  const p = pieceAt(block, i);
  return p.srcLen === undefined ? p.src + (i - p.at) : p.src;
}

/** The source offset just past block-text character `i` (past the whole entity when it is one). */
export function sourceEnd(block: Block, i: number): number {
  const p = pieceAt(block, i);
  return p.srcLen === undefined ? p.src + (i - p.at) + 1 : p.src + p.srcLen;
}

/** Guesses a format from a file name or MIME type; text when unsure. */
export function guessFormat(nameOrType: string): DocumentFormat {
  const s = nameOrType.toLowerCase();
  if (/\.(md|markdown)$|markdown/.test(s)) return 'markdown';
  if (/\.html?$|html/.test(s)) return 'html';
  if (/\.json$|json/.test(s)) return 'json';
  return 'text';
}

/** Splits `source` into blocks according to `format`; throws a SyntaxError for invalid JSON. */
export function parseDocument(source: string, format: DocumentFormat): Block[] {
  switch (format) {
    case 'text':
      return paragraphs(source, 0, source.length, []);
    case 'markdown':
      return markdown(source);
    case 'html':
      return html(source);
    case 'json':
      return json(source);
  }
}

/** Paragraphs (separated by blank lines) of `source[from, to)`, trimmed, offsets exact. */
function paragraphs(source: string, from: number, to: number, headings: readonly string[], section = 0): Block[] {
  const out: Block[] = [];
  const re = /\n[ \t]*\n/g;
  re.lastIndex = from;
  let start = from;
  const push = (a: number, b: number): void => {
    const raw = source.slice(a, b);
    const lead = raw.length - raw.trimStart().length;
    const text = raw.trim();
    if (text !== '') out.push({ text, headings, section, pieces: [{ at: 0, src: a + lead }] });
  };
  for (let m = re.exec(source); m !== null && m.index < to; m = re.exec(source)) {
    push(start, m.index);
    start = m.index + m[0].length;
  }
  push(start, to);
  return out;
}

function markdown(source: string): Block[] {
  const out: Block[] = [];
  const path: string[] = [];
  let bodyStart = 0;
  let section = 0;
  let inFence = false;
  const lineRe = /^.*$/gm;
  for (let m = lineRe.exec(source); m !== null; m = lineRe.exec(source)) {
    if (m[0] === '' && m.index === source.length) break;
    const line = m[0];
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    const h = inFence ? null : /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(line);
    if (h !== null) {
      out.push(...paragraphs(source, bodyStart, m.index, [...path], section++));
      const level = (h[1] as string).length;
      path.length = Math.min(path.length, level - 1);
      path.push((h[2] as string).trim());
      bodyStart = m.index + line.length;
    }
    if (m[0] === '') lineRe.lastIndex++;
  }
  out.push(...paragraphs(source, bodyStart, source.length, [...path], section));
  return out;
}

const BLOCK_TAGS = new Set([
  'p',
  'div',
  'li',
  'ul',
  'ol',
  'br',
  'tr',
  'td',
  'th',
  'table',
  'section',
  'article',
  'header',
  'footer',
  'main',
  'nav',
  'aside',
  'pre',
  'blockquote',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'hr',
  'dd',
  'dt',
  'figcaption',
  'title',
  'body',
]);
const SKIP_TAGS = new Set(['script', 'style', 'noscript', 'template', 'head', 'svg']);
const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  mdash: '—',
  ndash: '–',
  hellip: '…',
  copy: '©',
};

function decodeEntity(e: string): string {
  const body = e.slice(1, -1);
  if (body.startsWith('#x') || body.startsWith('#X')) return String.fromCodePoint(parseInt(body.slice(2), 16) || 0xfffd);
  if (body.startsWith('#')) return String.fromCodePoint(parseInt(body.slice(1), 10) || 0xfffd);
  return ENTITIES[body] ?? e;
}

function html(source: string): Block[] {
  const out: Block[] = [];
  const path: string[] = [];
  let text = '';
  let pieces: Piece[] = [];
  let heading = 0;
  let section = 0;
  let skip: string | undefined;
  const flush = (): void => {
    const lead = text.length - text.trimStart().length;
    const body = text.trim();
    if (body !== '') {
      if (heading > 0) {
        path.length = Math.min(path.length, heading - 1);
        path.push(body.replace(/\s+/g, ' '));
        section++;
      } else {
        out.push({ text: body, headings: [...path], section, pieces: pieces.map((p) => ({ ...p, at: p.at - lead })) });
      }
    }
    text = '';
    pieces = [];
    heading = 0;
  };
  const token = /<!--[\s\S]*?-->|<\/?([a-zA-Z][a-zA-Z0-9-]*)\b[^>]*>|&#?[a-zA-Z0-9]+;|[^<&]+|[<&]/g;
  for (let m = token.exec(source); m !== null; m = token.exec(source)) {
    const t = m[0];
    const tag = m[1]?.toLowerCase();
    if (t.startsWith('<!--')) continue;
    if (tag !== undefined) {
      const closing = t.startsWith('</');
      if (skip !== undefined) {
        if (closing && tag === skip) skip = undefined;
        continue;
      }
      if (SKIP_TAGS.has(tag) && !closing && !t.endsWith('/>')) {
        skip = tag;
        continue;
      }
      if (BLOCK_TAGS.has(tag)) {
        flush();
        const h = /^h([1-6])$/.exec(tag);
        if (h !== null && !closing) heading = Number(h[1]);
      }
      continue;
    }
    if (skip !== undefined) continue;
    const entity = t.startsWith('&') && t.length > 1;
    pieces.push(entity ? { at: text.length, src: m.index, srcLen: t.length } : { at: text.length, src: m.index });
    text += entity ? decodeEntity(t) : t;
  }
  flush();
  return out;
}

function json(source: string): Block[] {
  const value: unknown = JSON.parse(source);
  const out: Block[] = [];
  let cursor = 0;
  let section = -1;
  let lastPath: string | undefined;
  const find = (raw: string): number => {
    const at = source.indexOf(raw, cursor);
    if (at < 0) return cursor;
    cursor = at + raw.length;
    return at;
  };
  // A leaf becomes `key: value` (or the bare value inside an array) under the path of its parent.
  const walk = (v: unknown, path: readonly string[], key: string | undefined): void => {
    const keyAt = key === undefined ? -1 : find(JSON.stringify(key));
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
      const body = String(v);
      if (body.trim() === '') return;
      const at = find(typeof v === 'string' ? JSON.stringify(v) : body) + (typeof v === 'string' ? 1 : 0);
      const label = key === undefined ? '' : `${key}: `;
      const pieces: Piece[] =
        key === undefined
          ? [{ at: 0, src: at }]
          : [
              { at: 0, src: keyAt + 1 },
              { at: label.length, src: at },
            ];
      const heading = path.join('.');
      if (heading !== lastPath) section++;
      lastPath = heading;
      out.push({ text: label + body, headings: path.length > 0 ? [heading] : [], section, pieces });
    } else if (Array.isArray(v)) v.forEach((x) => walk(x, key === undefined ? path : [...path, key], undefined));
    else if (typeof v === 'object' && v !== null) {
      const inner = key === undefined ? path : [...path, key];
      for (const [k, x] of Object.entries(v)) walk(x, inner, k);
    }
  };
  walk(value, [], undefined);
  return out;
}
