/**
 * Columns of tabular tool output: a header row (SQL client output, CSV, `|` tables, TSV) whose cell names a field
 * ("name", "city", "Nachname"…), and the cells under it in the rows that follow. Linear in the text: each line is
 * split once, and only lines with a separator are read.
 */

/** A cell under a matching header: its header (lower-case) and `[start, end)` of its trimmed value. */
export interface Cell {
  readonly header: string;
  readonly start: number;
  readonly end: number;
}

const SEPARATORS = ['|', '\t', ';', ','] as const;
const HEADER_CELL = /^[\p{L}_ ./-]{1,32}$/u;
/**
 * A line that could be a header row: header cells' characters, whitespace and separators only. Prose with a comma (most
 * replies) fails this at its first digit, bracket or colon, before it is split into cells.
 */
const HEADER_LINE = /^[\p{L}_ ./|;,"\s-]*$/u;
const RULE_LINE = /^[\s|+:=-]*$/;

/** Splits `line` (starting at `offset`) at `sep` into trimmed cells with offsets; a CSV cell's quotes are not its value. */
function cells(line: string, offset: number, sep: string): { value: string; start: number; end: number }[] {
  const out: { value: string; start: number; end: number }[] = [];
  let from = 0;
  for (;;) {
    const at = line.indexOf(sep, from);
    const raw = line.slice(from, at < 0 ? line.length : at);
    let lead = raw.length - raw.trimStart().length;
    let value = raw.trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1);
      lead++;
    }
    out.push({ value, start: offset + from + lead, end: offset + from + lead + value.length });
    if (at < 0) return out;
    from = at + 1;
  }
}

/** A line that may head a table: its separator, its cells, and where the next line starts. */
interface HeaderLine {
  readonly sep: string;
  readonly head: readonly { value: string; start: number; end: number }[];
  readonly next: number;
}

/** The rows of a table under a header line: each row's cells, and where the line that ended the table starts. */
interface TableRows {
  readonly rows: readonly (readonly { value: string; start: number; end: number }[])[];
  readonly end: number;
}

/**
 * What the last text read holds for the table rules, which several pii rules ask of the same text (names, places,
 * countries, dates of birth): whether it may hold SQL rows or separated cells, its SQL rows' cells, its header lines,
 * and the rows read under each, computed once per text.
 */
interface TableScan {
  readonly text: string;
  readonly sql: boolean;
  readonly separated: boolean;
  /** The SQL rows' cells ({@link sqlCells}), read on first use. */
  sqlCells?: readonly Cell[];
  headers?: readonly HeaderLine[];
  readonly rows: Map<HeaderLine, TableRows>;
  /** What other rules derive from the text's tables, by their key ({@link perText}). */
  readonly derived: Map<object, unknown>;
}
let scanned: TableScan | undefined;

function tableScan(text: string): TableScan {
  if (scanned?.text !== text) {
    scanned = { text, sql: /values\s*\(/i.test(text), separated: /[|\t;,]/.test(text), rows: new Map(), derived: new Map() };
  }
  return scanned;
}

/**
 * Whether `text` has a separator of cells (`|`, tab, `;` or `,`): without one it holds no separated table. Read once
 * per text, with the rest of its {@link TableScan}.
 */
export function mayHoldTable(text: string): boolean {
  return tableScan(text).separated;
}

/** `make()` for `text`, made once per text and kept with its {@link TableScan} (one last-text cache for the tables). */
export function perText<T>(text: string, key: object, make: () => T): T {
  const { derived } = tableScan(text);
  let value = derived.get(key) as T | undefined;
  if (value === undefined) derived.set(key, (value = make()));
  return value;
}

/** Every line of `text` that could be a header row, in order. */
function headerLines(text: string): readonly HeaderLine[] {
  const headers: HeaderLine[] = [];
  let offset = 0;
  while (offset <= text.length) {
    const start = offset;
    const eol = text.indexOf('\n', start);
    const line = text.slice(start, eol < 0 ? text.length : eol);
    offset += line.length + 1;
    if (!HEADER_LINE.test(line)) continue;
    const sep = SEPARATORS.find((x) => line.includes(x));
    if (sep === undefined) continue;
    const head = cells(line, start, sep);
    if (head.length < 2 || !head.every((c) => c.value === '' || HEADER_CELL.test(c.value))) continue;
    headers.push({ sep, head, next: offset });
  }
  return headers;
}

/** The rows under header line `h`: down to a blank line or a row of another width (rule lines skipped). */
function tableRows(text: string, h: HeaderLine): TableRows {
  const rows: { value: string; start: number; end: number }[][] = [];
  let offset = h.next;
  while (offset <= text.length) {
    const start = offset;
    const eol = text.indexOf('\n', start);
    const line = text.slice(start, eol < 0 ? text.length : eol);
    if (RULE_LINE.test(line) && line.trim() !== '') {
      offset += line.length + 1;
      continue;
    }
    const row = cells(line, start, h.sep);
    if (line.trim() === '' || Math.abs(row.length - h.head.length) > 1) break;
    offset += line.length + 1;
    rows.push(row);
  }
  return { rows, end: offset };
}

/** `INSERT … (col, …) VALUES (…), (…)`: the column list, then each row's values. */
const SQL_INSERT = /\(([\p{L}\p{N}_`"[\] ,]{1,400})\)\s*values\s*\(/giu;
/** A value in a row: a quoted string ('' escapes a quote) or a bare token. */
const SQL_VALUE = /\s*(?:'((?:[^'\n]|'')*)'|"((?:[^"\n])*)"|[^,()'"\n]*)\s*/y;

/** The quoted values of SQL `INSERT … VALUES` rows, as cells under their column names. */
function sqlCells(text: string): Cell[] {
  const out: Cell[] = [];
  for (const m of text.matchAll(SQL_INSERT)) {
    const columns = (m[1] ?? '').split(',').map((c) =>
      c
        .trim()
        .replace(/^[`"[]|[`"\]]$/g, '')
        .toLowerCase(),
    );
    let at = m.index + m[0].length - 1; // at the first row's `(`
    for (let row = 0; row < 1000 && text[at] === '('; row++) {
      at++;
      for (let col = 0; col < columns.length + 1; col++) {
        SQL_VALUE.lastIndex = at;
        const v = SQL_VALUE.exec(text);
        if (v === null) break;
        const quoted = v[1] ?? v[2];
        const header = columns[col];
        if (quoted !== undefined && quoted !== '' && header !== undefined) {
          const start = at + v[0].search(/['"]/) + 1;
          out.push({ header, start, end: start + quoted.length });
        }
        at += v[0].length;
        if (text[at] !== ',') break;
        at++;
      }
      if (text[at] !== ')') break;
      const next = /^\)\s*,\s*\(/.exec(text.slice(at, at + 40));
      if (next === null) break;
      at += next[0].length - 1;
    }
  }
  return out;
}

/** What {@link tableCells} returns when no column matches (most texts: one array less per rule and text). */
const NO_CELLS: readonly Cell[] = Object.freeze([]);

/** The cells of every column whose header matches `header` (a whole-cell, case-insensitive test). */
export function tableCells(text: string, header: Pick<RegExp, 'test'>): readonly Cell[] {
  let out: Cell[] | undefined;
  const t = tableScan(text);
  if (t.sql) for (const c of (t.sqlCells ??= sqlCells(text))) if (header.test(c.header)) (out ??= []).push(c);
  if (!t.separated) return out ?? NO_CELLS;
  // A table runs from a matching header row down to a blank line or a row of another width; a header-like line
  // inside it is one of its rows.
  let resume = 0;
  for (const h of (t.headers ??= headerLines(text))) {
    if (h.next <= resume) continue;
    let columns: { index: number; header: string }[] | undefined;
    for (let index = 0; index < h.head.length; index++) {
      const c = h.head[index] as { value: string };
      if (header.test(c.value)) (columns ??= []).push({ index, header: c.value.toLowerCase() });
    }
    if (columns === undefined) continue;
    let rows = t.rows.get(h);
    if (rows === undefined) t.rows.set(h, (rows = tableRows(text, h)));
    for (const row of rows.rows)
      for (const c of columns) {
        const cell = row[c.index];
        if (cell !== undefined && cell.value !== '') (out ??= []).push({ header: c.header, start: cell.start, end: cell.end });
      }
    // The line that ended the table may head the next one (it is not skipped).
    resume = rows.end;
  }
  return out ?? NO_CELLS;
}
