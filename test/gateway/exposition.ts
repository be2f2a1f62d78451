/**
 * A reader of the Prometheus text exposition (format 0.0.4) for tests: `# TYPE` lines and samples with their labels
 * unescaped, so a test asserts on values and labels rather than on text layout.
 */

/** One sample line. */
export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A parsed exposition: families' types by name and every sample in order. */
export interface Exposition {
  readonly types: ReadonlyMap<string, string>;
  readonly samples: readonly PromSample[];
}

const unescape = (v: string): string => v.replace(/\\(["\\n])/g, (_m, c: string) => (c === 'n' ? '\n' : c));

/** Parses `text`; throws on a line that is neither a comment nor a sample. */
export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: PromSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ')) continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type !== null) {
      types.set(type[1] as string, type[2] as string);
      continue;
    }
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] as string] = unescape(l[2] as string);
    samples.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return { types, samples };
}

/** The samples named `name` whose labels include `labels`. */
export function samplesOf(e: Exposition, name: string, labels: Readonly<Record<string, string>> = {}): PromSample[] {
  return e.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The sum of the values of {@link samplesOf}. */
export function sumOf(e: Exposition, name: string, labels: Readonly<Record<string, string>> = {}): number {
  return samplesOf(e, name, labels).reduce((n, s) => n + s.value, 0);
}
