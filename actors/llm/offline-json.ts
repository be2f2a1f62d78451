/**
 * What the offline model answers when a call asks for JSON matching a schema (docs/adr/0046-output-formats.md): a
 * value built from the schema alone — `const`, then the first `enum` value, `default` or `examples` entry, else a value
 * of the type that meets its bounds, strings filled from the user's words. Every required property (and every listed
 * one) is filled. It is deterministic and honest about knowing nothing: it shapes, it does not answer. Schemas it
 * cannot satisfy this way (`$ref`, `pattern`, `not`) come out wrong, and the run's check says so.
 */

type Schema = Readonly<Record<string, unknown>>;

const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** A string of `minLength`..`maxLength` characters from `words`. */
function sampleString(s: Schema, words: string): string {
  const format = s['format'];
  if (format === 'date-time') return '1970-01-01T00:00:00Z';
  if (format === 'date') return '1970-01-01';
  if (format === 'email') return 'offline@example.com';
  if (format === 'uri' || format === 'url') return 'https://example.com/';
  if (format === 'uuid') return '00000000-0000-4000-8000-000000000000';
  const min = num(s['minLength']) ?? 0;
  const max = num(s['maxLength']) ?? Number.POSITIVE_INFINITY;
  let out = words.trim() === '' ? 'offline' : words.trim();
  while (out.length < min) out += ' ' + out;
  return out.slice(0, Math.max(min, Math.min(max, out.length)));
}

/** A number within `minimum`/`maximum` (exclusive bounds too), a multiple of `multipleOf` when given; an integer for `integer`. */
function sampleNumber(s: Schema, integer: boolean): number {
  const step = num(s['multipleOf']) ?? (integer ? 1 : undefined);
  let lo = num(s['minimum']) ?? Number.NEGATIVE_INFINITY;
  const ex = num(s['exclusiveMinimum']);
  if (ex !== undefined) lo = Math.max(lo, ex + (step ?? 1e-9));
  let v = Number.isFinite(lo) ? lo : 0;
  const hi = num(s['maximum']) ?? num(s['exclusiveMaximum']) ?? Number.POSITIVE_INFINITY;
  if (v > hi) v = hi;
  if (step !== undefined && step > 0) v = Math.ceil(v / step) * step;
  return integer ? Math.ceil(v) : v;
}

/** A value of `schema` (see the module's comment); `words` fill strings. */
export function sampleJson(schema: unknown, words: string, depth = 0): unknown {
  if (!isSchema(schema) || depth > 16) return null;
  if ('const' in schema) return schema['const'];
  const choice = [schema['enum'], schema['examples']].find((v) => Array.isArray(v) && v.length > 0) as unknown[] | undefined;
  if (choice !== undefined) return choice[0];
  if ('default' in schema) return schema['default'];
  const alternative = [schema['anyOf'], schema['oneOf']].find((v) => Array.isArray(v) && v.length > 0) as unknown[] | undefined;
  if (alternative !== undefined) return sampleJson(alternative[0], words, depth + 1);
  if (Array.isArray(schema['allOf'])) {
    const merged: Record<string, unknown> = {};
    for (const part of schema['allOf']) {
      const v = sampleJson(part, words, depth + 1);
      if (isSchema(v)) Object.assign(merged, v);
    }
    return merged;
  }
  const types = Array.isArray(schema['type']) ? (schema['type'] as unknown[]) : [schema['type']];
  const type = types.find((t) => t !== 'null') ?? (types.includes('null') ? 'null' : undefined);
  switch (type ?? (isSchema(schema['properties']) ? 'object' : isSchema(schema['items']) ? 'array' : 'string')) {
    case 'object': {
      const props = isSchema(schema['properties']) ? schema['properties'] : {};
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(props)) out[k] = sampleJson(v, words, depth + 1);
      for (const k of Array.isArray(schema['required']) ? schema['required'] : [])
        if (typeof k === 'string' && !(k in out)) out[k] = sampleString({}, words);
      return out;
    }
    case 'array': {
      const n = Math.max(num(schema['minItems']) ?? 1, 0);
      const max = num(schema['maxItems']) ?? n;
      return Array.from({ length: Math.min(n, max, 64) }, () => sampleJson(schema['items'], words, depth + 1));
    }
    case 'integer':
      return sampleNumber(schema, true);
    case 'number':
      return sampleNumber(schema, false);
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return sampleString(schema, words);
  }
}
