/**
 * The spoken answer of a run asked for an `audio` output format (docs/adr/0046-output-formats.md): the text the run
 * streams is cut into sentences as it arrives, each sentence is synthesized (one at a time, in order) by the node's
 * text-to-speech, stored as a blob and announced as an `audio` run event; at the end the sentences' WAVs are joined
 * into one blob for the final message.
 */
import removeMarkdown from 'remove-markdown';
import type { MediaConfig } from '../../config/index.js';
import type { BlobRef } from '../../protocols/index.js';
import { detectSpeechEngine, joinWavs, synthesize } from '../media/index.js';

/** Speech the node makes: WAV bytes of `text` (`voice` overrides the configured voice where the engine allows). */
export interface AgentSpeech {
  /** Why speech cannot be made now (engine not installed), or undefined when it can. */
  check(): Promise<string | undefined>;
  speak(
    text: string,
    voice: string | undefined,
    signal?: AbortSignal,
  ): Promise<{ readonly bytes: Uint8Array; readonly durationMs: number }>;
}

/**
 * The node's speech from config `media.speech` (undefined when `tts` is `none`). A request's `voice` reaches OpenAI's
 * endpoint; espeak-ng keeps the configured voice (nothing a caller sends becomes a process argument).
 */
export function nodeSpeech(config: MediaConfig['speech']): AgentSpeech | undefined {
  const tts = config.tts;
  if (tts.kind === 'none') return undefined;
  return {
    async check() {
      if (tts.kind !== 'espeak-ng') return undefined;
      const found = await detectSpeechEngine(tts.command);
      return found.available ? undefined : `text-to-speech engine ${tts.command} is not installed (${found.error ?? 'not found'})`;
    },
    async speak(text, voice, signal) {
      const spec = voice !== undefined && tts.kind === 'openai' ? { ...config, tts: { ...tts, voice } } : config;
      const audio = await synthesize(text, spec, signal);
      return { bytes: audio.bytes, durationMs: audio.durationMs };
    },
  };
}

/** Longest piece spoken at once: a longer sentence is cut at its last space before it. */
const MAX_SENTENCE = 400;

/** Where the first complete sentence of `text` ends (after its punctuation and the space after it), or 0. */
export function sentenceEnd(text: string): number {
  const m = /[.!?…。！？](?:["'”’)\]]*)\s+|\n\s*/.exec(text);
  if (m !== null && m.index + m[0].length <= MAX_SENTENCE) return m.index + m[0].length;
  if (text.length <= MAX_SENTENCE) return 0;
  const cut = text.lastIndexOf(' ', MAX_SENTENCE);
  return cut > 0 ? cut + 1 : MAX_SENTENCE;
}

/** A blob reference with the audio's length. */
export type SpokenRef = BlobRef & { readonly duration_ms: number };

/** Speaks a run's streamed text sentence by sentence. */
export class Speaker {
  private pending = '';
  private chain: Promise<void> = Promise.resolve();
  private readonly segments: Uint8Array[] = [];
  private failure: unknown;
  private index = 0;
  private duration = 0;

  constructor(
    private readonly speech: AgentSpeech,
    private readonly voice: string | undefined,
    private readonly put: (bytes: Uint8Array, mime: string) => Promise<BlobRef>,
    private readonly announce: (data: Record<string, unknown>) => void,
    private readonly signal?: AbortSignal,
  ) {}

  /** More streamed text: each sentence it completes is queued for speech. */
  push(text: string): void {
    this.pending += text;
    for (let end = sentenceEnd(this.pending); end > 0; end = sentenceEnd(this.pending)) {
      this.say(this.pending.slice(0, end));
      this.pending = this.pending.slice(end);
    }
  }

  private say(sentence: string): void {
    // Markdown's marks are not read aloud (a link reads as its text); stray marks of a construct cut by the sentence end go too.
    const text = removeMarkdown(sentence, { stripListLeaders: true })
      .replace(/[#*_`>|~]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    if (text === '' || !/[\p{L}\p{N}]/u.test(text)) return;
    this.chain = this.chain.then(async () => {
      if (this.failure !== undefined || this.signal?.aborted === true) return;
      try {
        const audio = await this.speech.speak(text, this.voice, this.signal);
        const ref = await this.put(audio.bytes, 'audio/wav');
        this.segments.push(audio.bytes);
        this.duration += audio.durationMs;
        this.announce({ index: this.index++, final: false, text, ...ref, duration_ms: audio.durationMs });
      } catch (e) {
        this.failure ??= e;
      }
    });
  }

  /** Speaks what is left, waits for every sentence, and stores the whole answer as one WAV (throws the first failure). */
  async finish(): Promise<SpokenRef | undefined> {
    this.say(this.pending);
    this.pending = '';
    await this.chain;
    if (this.failure !== undefined) throw this.failure;
    if (this.segments.length === 0) return undefined;
    const whole = joinWavs(this.segments);
    const ref = { ...(await this.put(whole, 'audio/wav')), duration_ms: this.duration };
    this.announce({ index: this.index, final: true, ...ref });
    return ref;
  }
}
