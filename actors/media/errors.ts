/**
 * The one error media capabilities raise: a {@link MediaError} with a stable `reason`, so callers
 * (tools, ingestion, a surface answering 4xx) can tell bad input from a missing engine.
 */
import { TroupeError, type ErrorCode } from '../../protocols/index.js';

/** Why a media input or engine failed. */
export const MEDIA_ERROR_REASONS = [
  /** The bytes are not of a type this capability reads (or not the declared type). */
  'unsupported_type',
  /** The bytes start like a known type but end early or do not decode (truncated image, garbage PDF). */
  'corrupt',
  /** Larger than `media.maxBytes` (or the decoded image than `media.ocr.maxPixels`). */
  'too_large',
  /** A PDF with more pages than `media.ocr.maxPages`. */
  'too_many_pages',
  /** The configured engine (espeak-ng, a provider) is absent or not configured. */
  'engine_missing',
  /** Audio of a type with no decoder here (only WAV is decoded locally). */
  'no_decoder',
  /** The engine or provider ran and failed. */
  'engine_failed',
] as const;
/** One of {@link MEDIA_ERROR_REASONS}. */
export type MediaErrorReason = (typeof MEDIA_ERROR_REASONS)[number];

const CODES: Record<MediaErrorReason, ErrorCode> = {
  unsupported_type: 'bad_request',
  corrupt: 'bad_request',
  too_large: 'too_large',
  too_many_pages: 'too_large',
  engine_missing: 'unavailable',
  no_decoder: 'bad_request',
  engine_failed: 'unavailable',
};

/** A media input or engine failure; `code` is the Troupe error code (4xx-like for bad input), `reason` the detail. */
export class MediaError extends TroupeError {
  override name = 'MediaError';
  readonly reason: MediaErrorReason;

  constructor(reason: MediaErrorReason, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(CODES[reason], message, { ...options, details: { reason, ...options?.details } });
    this.reason = reason;
  }
}

/** True when `e` is a {@link MediaError}, optionally with the given reason. */
export function isMediaError(e: unknown, reason?: MediaErrorReason): e is MediaError {
  return e instanceof MediaError && (reason === undefined || e.reason === reason);
}
