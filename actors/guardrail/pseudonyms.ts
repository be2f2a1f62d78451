/**
 * Reversible pseudonymisation for one run: each distinct value of a type gets a stable placeholder (`<EMAIL_1>`,
 * `<PERSON_2>`) the model sees instead of it, and placeholders are swapped back in tool-call arguments and in the
 * output. The mapping lives in memory for the run only; it is never persisted — after a restart it is derived again
 * from the run's messages, in the same order, so the model sees the same placeholders.
 */

/** A placeholder as the model sees it. */
export const PLACEHOLDER = /<([A-Z][A-Z0-9_]*)_(\d{1,6})>/g;

/** The placeholders of one run. */
export class Pseudonyms {
  private readonly byValue = new Map<string, string>();
  private readonly byPlaceholder = new Map<string, string>();
  private readonly counts = new Map<string, number>();

  /** The placeholder of `value` (of `type`), made on first sight. */
  placeholder(value: string, type: string): string {
    const t = type
      .toUpperCase()
      .replace(/[^A-Z0-9_]/g, '_')
      .replace(/^[^A-Z]/, 'X');
    const key = `${t}\u0000${value}`;
    const hit = this.byValue.get(key);
    if (hit !== undefined) return hit;
    const n = (this.counts.get(t) ?? 0) + 1;
    this.counts.set(t, n);
    const p = `<${t}_${n}>`;
    this.byValue.set(key, p);
    this.byPlaceholder.set(p, value);
    return p;
  }

  /** How many values have placeholders. */
  get size(): number {
    return this.byPlaceholder.size;
  }

  /** `text` with every known placeholder replaced by its value (unknown ones stay as they are). */
  restore(text: string): string {
    if (this.byPlaceholder.size === 0 || !text.includes('<')) return text;
    return text.replace(PLACEHOLDER, (p) => this.byPlaceholder.get(p) ?? p);
  }

  /** A JSON value with every string's placeholders restored (tool-call arguments). */
  restoreValue<T>(value: T): T {
    if (this.byPlaceholder.size === 0) return value;
    return JSON.parse(JSON.stringify(value), (_k, v: unknown) => (typeof v === 'string' ? this.restore(v) : v)) as T;
  }
}
