/**
 * Media capabilities (docs/media.md, ADR 0044): offline OCR of images and PDFs, speech to text and text
 * to speech, their tools and typed errors. Importing this loads no engine: OCR models, pdf.js, sharp,
 * the OpenAI SDK and espeak-ng load on the first call that needs them.
 */
import type * as Ocr from './ocr.js';
import type * as Speech from './speech.js';
import type * as Wav from './wav.js';

export { MediaError, isMediaError, MEDIA_ERROR_REASONS } from './errors.js';
export type { MediaErrorReason } from './errors.js';
export {
  sniffMediaType,
  normalizeMediaType,
  mediaTypeOfName,
  checkMedia,
  decodeBase64,
  OCR_TYPES,
  OCR_IMAGE_TYPES,
  AUDIO_TYPES,
} from './sniff.js';
export type { MediaInput } from './sniff.js';
export { DEFAULT_OCR_LIMITS } from './types.js';
export type { OcrResult, OcrLine, OcrPageInfo, OcrLimits, Point } from './types.js';
export { ocrTool, transcribeTool, synthesizeTool, mediaTools, mediaErrorResult, MEDIA_TOOL_NAMES } from './tools.js';
export type { MediaToolOptions, BlobReader } from './tools.js';
export type { SpeechConfig, Transcript, SpeechAudio, EngineCheck } from './speech.js';
export { joinWavs } from './wav.js';
export type { WavInfo } from './wav.js';

/** OCR of an image or PDF (loads the models on first call): see ocr.ts `extractText`. */
export async function extractText(...args: Parameters<typeof Ocr.extractText>): ReturnType<typeof Ocr.extractText> {
  const m = await import('./ocr.js');
  return m.extractText(...args);
}

/** Speech to text with the configured provider: see speech.ts `transcribe`. */
export async function transcribe(...args: Parameters<typeof Speech.transcribe>): ReturnType<typeof Speech.transcribe> {
  const m = await import('./speech.js');
  return m.transcribe(...args);
}

/** Text to speech with the configured engine (WAV): see speech.ts `synthesize`. */
export async function synthesize(...args: Parameters<typeof Speech.synthesize>): ReturnType<typeof Speech.synthesize> {
  const m = await import('./speech.js');
  return m.synthesize(...args);
}

/** Whether a system speech engine is installed (`<command> --version`, cached). */
export async function detectSpeechEngine(command: string): ReturnType<typeof Speech.detectSpeechEngine> {
  const m = await import('./speech.js');
  return m.detectSpeechEngine(command);
}

/** Reads a WAV's format and checks it is whole (MediaError `no_decoder` for other audio). */
export async function decodeWav(bytes: Uint8Array): ReturnType<typeof Wav.decodeWav> {
  const m = await import('./wav.js');
  return m.decodeWav(bytes);
}
