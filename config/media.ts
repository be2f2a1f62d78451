// Media capabilities (actors/media, docs/media.md): offline OCR, speech to text and text to speech, their limits.
import { z } from 'zod';
import { DEFAULT_ALLOWED_MIME } from '../protocols/index.js';

const expectedInt = (min: number, max: number) => `expected an integer from ${min} to ${max}`;
const int = (min: number, max: number) =>
  z
    .int({ error: expectedInt(min, max) })
    .min(min, { error: expectedInt(min, max) })
    .max(max, { error: expectedInt(min, max) });
const text = () => z.string({ error: 'expected a non-empty string' }).min(1, { error: 'expected a non-empty string' });

/** OpenAI's audio endpoints (key: `apiKey` or OPENAI_API_KEY). */
const openaiSpeech = {
  baseURL: z.url({ error: 'expected a URL' }).optional(),
  apiKey: text().optional(),
};

/** The `media` section of the config. */
export const mediaSchema = z
  .strictObject({
    /** Largest content part carried inline (base64 in a message) before it must be a blob (docs/content-parts.md, ADR 0043). */
    inlineMaxBytes: int(0, 512 * 1024 * 1024).default(512 * 1024),
    /** Largest blob (`POST /blobs`, or an inline part stored as one), in bytes. */
    maxBlobBytes: int(1, 4 * 1024 * 1024 * 1024).default(20 * 1024 * 1024),
    /** MIME types content parts and blobs may carry (`type/*` allows a whole type); the bytes are sniffed against them. */
    allowedMime: z.array(text()).default(() => [...DEFAULT_ALLOWED_MIME]),
    /** Largest input (image, PDF, audio) a media tool or ingestion accepts, in bytes, before decoding. */
    maxBytes: int(1, 512 * 1024 * 1024).default(20 * 1024 * 1024),
    /** Whether the tool kind serves `ocr`, `speech.transcribe` and `speech.synthesize` (their engines load on first call). */
    tools: z.boolean({ error: 'expected a boolean' }).default(true),
    ocr: z
      .strictObject({
        /** PDF pages past this are refused (a typed `too_many_pages` error), not silently dropped. */
        maxPages: int(1, 10_000).default(50),
        /** Largest decoded image, in pixels (width × height), before it is scaled down. */
        maxPixels: int(1, 400_000_000).default(40_000_000),
        /** Longest side an image is scaled to before detection (PaddleOCR works best near 960–2000). */
        maxSide: int(64, 8192).default(2000),
        /** Scale PDF pages are rendered at (1 = 72 dpi). */
        pdfScale: z.number({ error: 'expected a number from 0.5 to 6' }).min(0.5).max(6).default(2),
        /** Pages whose text layer holds at least this many characters use it instead of OCR (0: always OCR). */
        textLayerMinChars: int(0, 1_000_000).default(16),
      })
      .prefault({}),
    speech: z
      .strictObject({
        /** Speech to text: OpenAI's transcriptions endpoint, or none. */
        stt: z
          .discriminatedUnion('kind', [
            z.strictObject({ kind: z.literal('none') }),
            z.strictObject({ kind: z.literal('openai'), model: text().default('whisper-1'), ...openaiSpeech }),
          ])
          .prefault({ kind: 'none' }),
        /** Text to speech: OpenAI's speech endpoint, a system engine (espeak-ng), or none. */
        tts: z
          .discriminatedUnion('kind', [
            z.strictObject({ kind: z.literal('none') }),
            z.strictObject({
              kind: z.literal('openai'),
              model: text().default('gpt-4o-mini-tts'),
              voice: text().default('alloy'),
              ...openaiSpeech,
            }),
            z.strictObject({
              kind: z.literal('espeak-ng'),
              /** The binary (a name on PATH or a path). */
              command: text().default('espeak-ng'),
              voice: text().default('en'),
              /** Words per minute. */
              speed: int(80, 500).default(175),
            }),
          ])
          .prefault({ kind: 'none' }),
        /** Longest text to synthesize, in characters. */
        maxChars: int(1, 100_000).default(4000),
        /** Timeout of one engine or provider call. */
        timeoutMs: int(100, 600_000).default(60_000),
      })
      .prefault({}),
  })
  .prefault({});

/** The validated `media` section. */
export type MediaConfig = z.infer<typeof mediaSchema>;
