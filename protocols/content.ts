/**
 * Content parts (docs/content-parts.md, ADR 0043): what a chat message holds besides text. A part is text, or an
 * image, audio or file given either inline (base64 `data`, up to the configured inline limit) or as a reference to a
 * blob stored once in the tenant's blob store (`blob`: its sha256, with `mime`, `size`, `sha256`). A message's
 * `content` stays its text (every reader of text — guardrails, caches, memory — keeps working); `parts`, when set,
 * is the whole message in order, text parts included. On the wire a message's `content` is a string or an array of
 * parts ({@link wireContentSchema}).
 */
import { z } from 'zod';

/** The part types. `audio` is carried as is: a later step may transcribe it (ADR 0043, “Seams”). */
export const PART_TYPES = ['text', 'image', 'audio', 'file'] as const;
export type PartType = (typeof PART_TYPES)[number];

/** Most parts in one message. */
export const MAX_PARTS = 64;
/** Longest inline base64 text accepted by the schema (the configured inline limit is usually far lower). */
export const MAX_INLINE_BASE64 = 16 * 1024 * 1024;

/** The MIME types accepted by default (config `media.allowedMime`). */
export const DEFAULT_ALLOWED_MIME: readonly string[] = Object.freeze([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'audio/wav',
  'audio/mpeg',
  'audio/ogg',
  'audio/webm',
  'application/pdf',
  'text/plain',
  'text/markdown',
  'text/csv',
  'application/json',
]);

/** A blob id: the lowercase hex sha256 of its bytes. */
export const blobIdSchema = z.string().regex(/^[0-9a-f]{64}$/, 'a blob id is the lowercase hex sha256 of its bytes');

/** A MIME type `type/subtype` (no parameters), lowercase. */
export const mimeSchema = z
  .string()
  .max(127)
  .regex(/^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/, 'a MIME type is type/subtype');

const BASE64_ALPHABET = /^[A-Za-z0-9+/]*={0,2}$/;

/** True for strict, padded standard base64 (what inline part data and tool results' media data must be). */
export function isStrictBase64(s: string): boolean {
  return BASE64_ALPHABET.test(s) && s.length % 4 === 0;
}

const base64Schema = z
  .string()
  .max(MAX_INLINE_BASE64)
  .regex(BASE64_ALPHABET, 'inline data is base64')
  .refine((s) => s.length % 4 === 0, 'base64 length is a multiple of 4');

/** A reference to a stored blob. */
export const blobRefSchema = z
  .object({ blob: blobIdSchema, mime: mimeSchema, size: z.number().int().nonnegative(), sha256: blobIdSchema })
  .refine((r) => r.blob === r.sha256, 'a blob reference names its blob by its sha256');
export type BlobRef = z.infer<typeof blobRefSchema>;

/** A text part; `mime` says what the text is when it is not plain (`text/markdown`, `application/json`: an answer's format). */
export const textPartSchema = z.object({
  type: z.literal('text'),
  text: z.string(),
  mime: z.enum(['text/plain', 'text/markdown', 'application/json']).optional(),
});

const mediaFields = {
  mime: mimeSchema,
  /** A file name, when the sender gave one. */
  name: z.string().max(255).optional(),
  /** Inline bytes (base64). Exactly one of `data` and `blob`. */
  data: base64Schema.optional(),
  /** The blob holding the bytes (its sha256), with `size` and `sha256`. */
  blob: blobIdSchema.optional(),
  size: z.number().int().nonnegative().optional(),
  sha256: blobIdSchema.optional(),
  /**
   * What an audio part says, set by the node that transcribed it (media.speech.stt) — never taken from a client: models
   * receive it as text in place of the audio, and the message's text holds it for guardrails and caches.
   */
  transcript: z.string().max(200_000).optional(),
  /** Image dimensions, when the node measured them. */
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
};

function mediaPart<T extends 'image' | 'audio' | 'file'>(type: T) {
  return z.object({ type: z.literal(type), ...mediaFields });
}

/** Exactly one of inline `data` and a `blob` reference (with its size and matching sha256). */
function sourceProblem(p: {
  data?: string | undefined;
  blob?: string | undefined;
  size?: number | undefined;
  sha256?: string | undefined;
}) {
  if ((p.data === undefined) === (p.blob === undefined)) return 'a media part has exactly one of data (inline base64) and blob';
  if (p.blob !== undefined && (p.size === undefined || p.sha256 !== p.blob)) return 'a blob part carries size and sha256 equal to blob';
  return undefined;
}

/** One part of a message. */
export const contentPartSchema = z
  .discriminatedUnion('type', [textPartSchema, mediaPart('image'), mediaPart('audio'), mediaPart('file')])
  .superRefine((p, ctx) => {
    if (p.type === 'text') return;
    const problem = sourceProblem(p);
    if (problem !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
  });
export type ContentPart = z.infer<typeof contentPartSchema>;
export type TextPart = Extract<ContentPart, { type: 'text' }>;
export type MediaPart = Exclude<ContentPart, { type: 'text' }>;

/** The parts of a message. */
export const contentPartsSchema = z.array(contentPartSchema).min(1).max(MAX_PARTS);

/** A message's content on the wire: a string (as always) or an array of parts. */
export const wireContentSchema = z.union([z.string(), contentPartsSchema]);
export type WireContent = z.infer<typeof wireContentSchema>;

/** True for a media (non-text) part. */
export function isMediaPart(p: ContentPart): p is MediaPart {
  return p.type !== 'text';
}

/** The text of `parts`: their text parts joined with nothing between (as LangChain joins text blocks). */
export function textOfParts(parts: readonly ContentPart[]): string {
  let s = '';
  for (const p of parts) if (p.type === 'text') s += p.text;
  return s;
}

/**
 * A message body from wire content: `{content}` for a string, `{content: text, parts}` for parts. Parts that are all
 * text collapse to a string (nothing multimodal to carry).
 */
export function fromWireContent(content: WireContent): { content: string; parts?: ContentPart[] } {
  if (typeof content === 'string') return { content };
  const text = textOfParts(content);
  return content.some(isMediaPart) ? { content: text, parts: content } : { content: text };
}

/** A message's content for the wire: its parts when it has any, else its text. */
export function toWireContent(m: { readonly content: string; readonly parts?: readonly ContentPart[] | undefined }): WireContent {
  return m.parts !== undefined && m.parts.length > 0 ? [...m.parts] : m.content;
}

/** The bytes a media part stands for: decoded inline bytes' length, or the blob's size. */
export function partSize(p: MediaPart): number {
  if (p.data !== undefined) return inlineSize(p.data);
  return p.size ?? 0;
}

/** Decoded length of base64 text (without decoding it). */
export function inlineSize(b64: string): number {
  const pad = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return (b64.length / 4) * 3 - pad;
}

/** The blob reference a media part holds, or undefined for an inline one. */
export function blobRefOf(p: MediaPart): BlobRef | undefined {
  if (p.blob === undefined || p.size === undefined) return undefined;
  return { blob: p.blob, mime: p.mime, size: p.size, sha256: p.blob };
}

/** Most output formats one request may ask for (one of each type). */
export const MAX_OUTPUT_FORMATS = 4;
/** Largest JSON schema an output format may carry (its JSON text, in characters). */
export const MAX_OUTPUT_SCHEMA_CHARS = 64 * 1024;
/** Deepest nesting of a JSON schema an output format may carry. */
export const MAX_OUTPUT_SCHEMA_DEPTH = 32;
/** The output format types. */
export const OUTPUT_FORMAT_TYPES = ['text', 'markdown', 'json', 'audio'] as const;

/** The nesting depth of a JSON value, counted up to `limit + 1` (never deeper: hostile input stays cheap). */
function depthOf(v: unknown, limit: number, at = 0): number {
  if (at > limit || typeof v !== 'object' || v === null) return at;
  let max = at;
  for (const x of Object.values(v)) {
    max = Math.max(max, depthOf(x, limit, at + 1));
    if (max > limit) break;
  }
  return max;
}

/**
 * Why `schema` is not a JSON schema this node can check answers against (undefined when it is one): too big, too deep,
 * or refused by zod's JSON-schema reader (an unknown type, a bad pattern, an unresolvable or cyclic `$ref`, `if`/`then`).
 */
export function jsonSchemaProblem(schema: Record<string, unknown>): string | undefined {
  if (depthOf(schema, MAX_OUTPUT_SCHEMA_DEPTH) > MAX_OUTPUT_SCHEMA_DEPTH) return `nested deeper than ${MAX_OUTPUT_SCHEMA_DEPTH} levels`;
  let text: string;
  try {
    text = JSON.stringify(schema);
  } catch (e) {
    return `not JSON: ${(e as Error).message}`;
  }
  if (text.length > MAX_OUTPUT_SCHEMA_CHARS) return `over ${MAX_OUTPUT_SCHEMA_CHARS} characters`;
  try {
    z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
    return undefined;
  } catch (e) {
    return `not a JSON schema this node can check: ${(e instanceof Error ? e.message : String(e)).slice(0, 200)}`;
  }
}

/**
 * One output format a run's answer is asked in (`config.output_format`, docs/adr/0046-output-formats.md): plain text,
 * Markdown, JSON matching `schema` (validated; asked again once with the validation error; a typed `output_invalid`
 * error when still wrong), or audio (the answer spoken by the node's text-to-speech, `media.speech.tts`).
 */
export const outputFormatSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('text') }),
    z.strictObject({ type: z.literal('markdown') }),
    z.strictObject({
      type: z.literal('json'),
      schema: z.record(z.string(), z.unknown(), { error: 'a json format needs schema: a JSON schema object' }),
      name: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'a json format name is 1-64 letters, digits, _ or -' })
        .optional(),
    }),
    z.strictObject({ type: z.literal('audio'), voice: z.string().max(64).optional(), mime: z.literal('audio/wav').optional() }),
  ],
  { error: `expected an output format: ${OUTPUT_FORMAT_TYPES.join(', ')} (json with a schema)` },
);
export type OutputFormat = z.infer<typeof outputFormatSchema>;
export type OutputFormatType = OutputFormat['type'];

/** A format given by its type name alone (`"markdown"`) is `{type}`; anything else is left to the schema. */
function shorthand(v: unknown): unknown {
  return typeof v === 'string' && (OUTPUT_FORMAT_TYPES as readonly string[]).includes(v) ? { type: v } : v;
}

/**
 * `config.output_format`: one format or a list of them (each type at most once), a format given whole or by its type
 * name (`"markdown"`; json needs its schema). Parses to the list; a json format's schema must be one this node checks.
 */
export const outputFormatsSchema = z
  .preprocess(
    (v) => (Array.isArray(v) ? v.map(shorthand) : [shorthand(v)]),
    z.array(outputFormatSchema).min(1, { error: 'expected at least one output format' }).max(MAX_OUTPUT_FORMATS),
  )
  .superRefine((formats, ctx) => {
    const seen = new Set<string>();
    formats.forEach((f, i) => {
      if (seen.has(f.type)) ctx.addIssue({ code: 'custom', path: [i, 'type'], message: `output format ${f.type} is asked for twice` });
      seen.add(f.type);
      if (f.type === 'audio' && seen.has('json'))
        ctx.addIssue({
          code: 'custom',
          path: [i, 'type'],
          message: 'json and audio cannot be asked together (a JSON value is not read aloud)',
        });
      if (f.type === 'json' && seen.has('audio'))
        ctx.addIssue({
          code: 'custom',
          path: [i, 'type'],
          message: 'json and audio cannot be asked together (a JSON value is not read aloud)',
        });
      if (f.type !== 'json') return;
      const problem = jsonSchemaProblem(f.schema);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'schema'], message: `the json format's schema is ${problem}` });
    });
  });

/** The answer in each output format a run was asked for (its last status event's and its record's `outputs`). */
export const runOutputsSchema = z.object({
  formats: z.array(z.enum(OUTPUT_FORMAT_TYPES)),
  text: z.string().optional(),
  markdown: z.string().optional(),
  /** The answer's JSON value, validated against the json format's schema. */
  json: z.unknown().optional(),
  /** The whole answer spoken (WAV), as one blob. */
  audio: z
    .object({
      blob: blobIdSchema,
      mime: mimeSchema,
      size: z.number().int().nonnegative(),
      sha256: blobIdSchema,
      duration_ms: z.number().optional(),
    })
    .optional(),
});
export type RunOutputs = z.infer<typeof runOutputsSchema>;

/**
 * The output formats of A2A `acceptedOutputModes` (MIME types): text/plain, text/markdown, application/json (when
 * `schema` gives the JSON schema), audio/wav or audio/*; other modes are ignored.
 */
export function formatsOfModes(modes: readonly string[], schema?: Record<string, unknown>): OutputFormat[] {
  const out: OutputFormat[] = [];
  const add = (f: OutputFormat): void => void (out.some((o) => o.type === f.type) ? undefined : out.push(f));
  for (const raw of modes) {
    const mode = raw.toLowerCase().split(';')[0]?.trim() ?? '';
    if (mode === 'text/plain' || mode === 'text') add({ type: 'text' });
    else if (mode === 'text/markdown') add({ type: 'markdown' });
    else if (mode === 'application/json' && schema !== undefined) add({ type: 'json', schema });
    else if (mode === 'audio/wav' || mode === 'audio/*' || mode === 'audio/x-wav') add({ type: 'audio' });
  }
  return out;
}
