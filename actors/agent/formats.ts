/**
 * The formats a run's answer is delivered in (`config.output_format`, docs/adr/0046-output-formats.md): what the model
 * is told, the JSON schema it is held to (parsed, validated, asked again once), and the parts of the final message.
 * Speech is in speaker.ts.
 */
import removeMarkdown from 'remove-markdown';
import { z } from 'zod';
import type { BlobRef, ContentPart, OutputFormat, RunOutputs } from '../../protocols/index.js';

/** A json format. */
export type JsonFormat = Extract<OutputFormat, { type: 'json' }>;

/** The first line of the message that asks the model again after a JSON answer failed its schema. */
export const JSON_RETRY_HEADING = '[output_format] Your answer did not match the required JSON schema:';

/** The run's json format, when it asks for one. */
export function jsonFormatOf(formats: readonly OutputFormat[] | undefined): JsonFormat | undefined {
  return formats?.find((f): f is JsonFormat => f.type === 'json');
}

/** The name a json format's schema goes by at the vendor (OpenAI's `json_schema.name`). */
export function jsonFormatName(f: JsonFormat): string {
  return f.name ?? 'answer';
}

/**
 * What the system prompt adds for the formats asked: Markdown, plain text (no markup), JSON matching the schema (shown
 * in full), speech-friendly text. Several formats: JSON wins over text styles (the other formats are made from it).
 */
export function formatInstructions(formats: readonly OutputFormat[] | undefined): string | undefined {
  if (formats === undefined || formats.length === 0) return undefined;
  const json = jsonFormatOf(formats);
  if (json !== undefined)
    return (
      'Answer with one JSON value only — no prose, no Markdown code fence — that matches this JSON schema ' +
      `(${jsonFormatName(json)}):\n${JSON.stringify(json.schema)}`
    );
  const types = new Set(formats.map((f) => f.type));
  if (types.has('markdown')) return 'Format your answer in Markdown (headings, lists, emphasis and code blocks where they help).';
  if (types.has('text')) return 'Answer in plain text: no Markdown or other markup.';
  return 'Your answer will be read aloud: write plain sentences, no Markdown, lists or code.';
}

/** A JSON answer checked against its schema: the value, or what is wrong with it. */
export type JsonCheck = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problem: string };

/** The JSON text of an answer: as is, or inside one Markdown code fence (models add one though told not to). */
function jsonText(answer: string): string {
  const t = answer.trim();
  const fenced = /^```(?:json)?\s*\n([\s\S]*?)\n?```$/i.exec(t);
  return fenced === null ? t : (fenced[1] ?? '');
}

/** Parses `answer` as JSON and validates it against `schema` (zod's JSON-schema reader); problems name their path. */
export function checkJson(answer: string, schema: Record<string, unknown>): JsonCheck {
  let value: unknown;
  try {
    value = JSON.parse(jsonText(answer));
  } catch (e) {
    return { ok: false, problem: `the answer is not JSON (${(e as Error).message.slice(0, 160)})` };
  }
  let validator: z.ZodType;
  try {
    validator = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch (e) {
    return { ok: false, problem: `the schema cannot be checked: ${(e as Error).message.slice(0, 160)}` };
  }
  const r = validator.safeParse(value);
  if (r.success) return { ok: true, value };
  const problems = r.error.issues.slice(0, 8).map((i) => `${i.path.length === 0 ? '(root)' : i.path.join('.')}: ${i.message}`);
  return { ok: false, problem: problems.join('; ') };
}

/** The message that asks the model once more, with what was wrong. */
export function jsonRetryMessage(problem: string): string {
  return `${JSON_RETRY_HEADING} ${problem}\nAnswer again with only the corrected JSON value.`;
}

/** True when the conversation's last user message is the run's own request to fix its JSON (the one retry is spent). */
export function jsonRetried(messages: readonly { readonly role: string; readonly content: string }[]): boolean {
  const last = messages.findLast((m) => m.role === 'user');
  return last?.content.startsWith(JSON_RETRY_HEADING) === true;
}

/** The final message's parts and the run's outputs for an answer `text` (json: its validated value; audio: its blob). */
export function deliveredOutputs(
  formats: readonly OutputFormat[],
  text: string,
  json: { readonly value: unknown } | undefined,
  audio: (BlobRef & { readonly duration_ms?: number }) | undefined,
): { parts: ContentPart[]; outputs: RunOutputs } {
  const parts: ContentPart[] = [];
  const outputs: RunOutputs = { formats: formats.map((f) => f.type) };
  // Asked for Markdown as well, the model wrote Markdown: the plain-text part is that answer without its markup.
  const plain = formats.some((f) => f.type === 'markdown') ? removeMarkdown(text, { stripListLeaders: false }) : text;
  for (const f of formats) {
    if (f.type === 'text') {
      parts.push({ type: 'text', text: plain, mime: 'text/plain' });
      outputs.text = plain;
    } else if (f.type === 'markdown') {
      parts.push({ type: 'text', text, mime: 'text/markdown' });
      outputs.markdown = text;
    } else if (f.type === 'json' && json !== undefined) {
      parts.push({ type: 'text', text: JSON.stringify(json.value), mime: 'application/json' });
      outputs.json = json.value;
    } else if (f.type === 'audio' && audio !== undefined) {
      parts.push({ type: 'audio', mime: audio.mime, blob: audio.blob, size: audio.size, sha256: audio.sha256 });
      outputs.audio = audio;
    }
  }
  return { parts, outputs };
}
