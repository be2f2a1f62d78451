/**
 * The media tools: `ocr`, `speech.transcribe`, `speech.synthesize`. Declaring them loads nothing heavy;
 * each loads its engine (ocr.ts, speech.ts) on its first call. Bad input gives an error result carrying
 * the MediaError's code and reason, never a crash.
 */
import { z } from 'zod';
import type { MediaConfig } from '../../config/index.js';
import { defineTool } from '../tool/function-tool.js';
import { errorResult } from '../tool/runner.js';
import type { FunctionTool, ToolCallResult, ToolContext } from '../tool/types.js';
import { MediaError, isMediaError } from './errors.js';
import { decodeBase64 } from './sniff.js';

/** Reads a blob reference's bytes (the blob store's seam: a node that has one passes it). */
export type BlobReader = (ref: string, ctx: { readonly tenant?: string; readonly maxBytes: number }) => Promise<Uint8Array>;

/** What the media tools need besides config. */
export interface MediaToolOptions {
  /** Resolves `blob` inputs; absent: a blob reference is an `engine_missing` error. */
  readonly readBlob?: BlobReader;
}

const source = {
  data: z.string().max(700_000_000).optional().describe('The bytes, base64'),
  blob: z.string().min(1).max(512).optional().describe('A blob reference (instead of data)'),
  mimeType: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .describe('The media type, e.g. image/png, application/pdf, audio/wav (default: read from the bytes)'),
};
const sourceInput = z.object(source).refine((v) => (v.data === undefined) !== (v.blob === undefined), {
  message: 'expected exactly one of data (base64) or blob (a reference)',
});
type SourceInput = z.infer<typeof sourceInput>;

async function bytesOf(input: SourceInput, maxBytes: number, options: MediaToolOptions, ctx: ToolContext): Promise<Uint8Array> {
  if (input.data !== undefined) return decodeBase64(input.data, maxBytes);
  if (options.readBlob === undefined)
    throw new MediaError('engine_missing', 'blob references are not readable on this node (no blob store)');
  const bytes = await options.readBlob(input.blob as string, { ...(ctx.tenant === undefined ? {} : { tenant: ctx.tenant }), maxBytes });
  if (bytes.length > maxBytes) throw new MediaError('too_large', `blob is ${bytes.length} bytes, over the limit of ${maxBytes}`);
  return bytes;
}

/** An error result for a MediaError (its code and reason in structuredContent); other errors are rethrown. */
export function mediaErrorResult(tool: string, e: unknown): ToolCallResult {
  if (!isMediaError(e)) throw e;
  return errorResult(`${tool}: ${e.message}`, e.code, { reason: e.reason });
}

/** The `ocr` tool under `config` (limits from `media.maxBytes` and `media.ocr`). */
export function ocrTool(config: MediaConfig, options: MediaToolOptions = {}): FunctionTool<SourceInput> {
  return defineTool({
    name: 'ocr',
    description:
      'Extracts text with line boxes from an image (PNG, JPEG, WebP, GIF, TIFF, AVIF) or a PDF ' +
      '(scanned pages are read by an offline OCR model). ' +
      'Give the bytes as base64 `data` or a `blob` reference (`mimeType` optional: the bytes tell it).',
    input: sourceInput,
    idempotent: true,
    timeoutMs: 120_000,
    async run(input, ctx) {
      try {
        const bytes = await bytesOf(input, config.maxBytes, options, ctx);
        const { extractText } = await import('./ocr.js');
        return await extractText(bytes, input.mimeType, { maxBytes: config.maxBytes, ...config.ocr });
      } catch (e) {
        return mediaErrorResult('ocr', e);
      }
    },
  });
}

/** The `speech.transcribe` tool (provider from `media.speech.stt`). */
export function transcribeTool(config: MediaConfig, options: MediaToolOptions = {}): FunctionTool<SourceInput> {
  return defineTool({
    name: 'speech.transcribe',
    description:
      'Transcribes speech audio (WAV, MP3, OGG, FLAC, M4A, WebM) to text. Give base64 `data` or a `blob` reference (`mimeType` optional).',
    input: sourceInput,
    idempotent: true,
    timeoutMs: config.speech.timeoutMs + 5000,
    async run(input, ctx) {
      try {
        const bytes = await bytesOf(input, config.maxBytes, options, ctx);
        const { transcribe } = await import('./speech.js');
        return await transcribe(bytes, input.mimeType, config.speech, { maxBytes: config.maxBytes }, ctx.signal);
      } catch (e) {
        return mediaErrorResult('speech.transcribe', e);
      }
    },
  });
}

const synthesizeInput = z.object({ text: z.string().min(1).max(100_000).describe('What to say') });

/** The `speech.synthesize` tool (engine from `media.speech.tts`): an MCP audio item (WAV, base64) and its format. */
export function synthesizeTool(config: MediaConfig): FunctionTool<z.infer<typeof synthesizeInput>> {
  return defineTool({
    name: 'speech.synthesize',
    description: 'Speaks a text aloud: answers WAV audio.',
    input: synthesizeInput,
    idempotent: true,
    timeoutMs: config.speech.timeoutMs + 5000,
    async run(input, ctx) {
      try {
        const { synthesize } = await import('./speech.js');
        const a = await synthesize(input.text, config.speech, ctx.signal);
        const meta = {
          mimeType: a.mediaType,
          sampleRate: a.sampleRate,
          channels: a.channels,
          durationMs: a.durationMs,
          provider: a.provider,
        };
        return {
          content: [{ type: 'audio', data: Buffer.from(a.bytes).toString('base64'), mimeType: a.mediaType }],
          structuredContent: meta,
        } satisfies ToolCallResult;
      } catch (e) {
        return mediaErrorResult('speech.synthesize', e);
      }
    },
  });
}

/** Names of the media tools. */
export const MEDIA_TOOL_NAMES = ['ocr', 'speech.transcribe', 'speech.synthesize'] as const;

/** Every media tool under `config` (none when `media.tools` is false). */
export function mediaTools(config: MediaConfig, options: MediaToolOptions = {}): FunctionTool<never>[] {
  if (!config.tools) return [];
  return [ocrTool(config, options), transcribeTool(config, options), synthesizeTool(config)] as FunctionTool<never>[];
}
