/**
 * Assembles an agent's context for one model call: every provider in order (each bounded by its timeout; one that
 * throws or times out is left out and reported), the relevance filter over the passages of filtered providers
 * (cosine similarity to the newest user message on the embedder), then the token budget (lowest priority, then
 * lowest score, dropped first). The result is data — sections with priorities and text — that a prompt renderer can
 * place; {@link renderContext} places it as system messages for the run loop's hook.
 */
import { estimateTokens } from '../llm/openai.js';
import type { ChatMessage } from '../llm/types.js';
import { RECALLED_CONTEXT_HEADING } from '../llm/offline.js';
import type { Embedder } from '../memory/semantic/types.js';

/** A passage a provider offers. */
export interface Passage {
  readonly text: string;
  /** Where it comes from (a document, a store key), shown to the model. */
  readonly source?: string;
}

/** What providers are given. */
export interface ProviderInput {
  readonly tenant: string;
  readonly agent: string;
  readonly runId: string;
  /** The run's user (metadata `user`), if any. */
  readonly user?: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  /** The newest user message ('' when none). */
  readonly query: string;
  readonly signal: AbortSignal;
}

/** A context provider, ready to run. */
export interface ContextProvider {
  readonly name: string;
  readonly kind: string;
  /** Higher is kept first under the budget. */
  readonly priority: number;
  readonly timeoutMs: number;
  /** Passages are scored against the query and dropped below the threshold; they go right before the user's message. */
  readonly filter: boolean;
  provide(input: ProviderInput): Promise<readonly Passage[]>;
}

/** One kept section: a provider's passages that survived the filter and the budget. */
export interface ContextSection {
  readonly name: string;
  readonly kind: string;
  readonly priority: number;
  /** `top`: beside the instructions (stable per user); `turn`: right before the newest user message (query-dependent). */
  readonly placement: 'top' | 'turn';
  readonly passages: readonly (Passage & { readonly score?: number })[];
  readonly text: string;
  readonly tokens: number;
}

/** The assembled context of one model call. */
export interface AssembledContext {
  readonly sections: readonly ContextSection[];
  /** Passages left out: below the relevance threshold, or past the token budget. */
  readonly dropped: readonly { readonly name: string; readonly reason: 'irrelevant' | 'budget'; readonly tokens: number }[];
  /** Providers that threw or timed out (the run went on without them). */
  readonly failed: readonly { readonly name: string; readonly error: string }[];
  readonly tokens: number;
}

/** The relevance filter and budget. */
export interface RelevanceOptions {
  readonly threshold: number;
  readonly maxTokens: number;
}

interface Candidate extends Passage {
  readonly provider: ContextProvider;
  readonly order: number;
  score?: number;
  readonly tokens: number;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Vectors of passage texts, kept across calls (static passages are embedded once). */
export class PassageVectors {
  private readonly cache = new Map<string, Float32Array>();
  constructor(
    private readonly embedder: () => Promise<Embedder>,
    private readonly max = 10_000,
  ) {}

  async of(texts: readonly string[]): Promise<Float32Array[]> {
    const missing = [...new Set(texts.filter((t) => !this.cache.has(t)))];
    if (missing.length > 0) {
      const vs = await (await this.embedder()).embed(missing);
      missing.forEach((t, i) => {
        if (this.cache.size >= this.max) this.cache.delete(this.cache.keys().next().value as string);
        this.cache.set(t, vs[i] as Float32Array);
      });
    }
    return texts.map((t) => this.cache.get(t) as Float32Array);
  }
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

/** Runs the providers and filters what they give (see the file comment). */
export async function assembleContext(
  providers: readonly ContextProvider[],
  input: ProviderInput,
  relevance: RelevanceOptions,
  vectors: PassageVectors | undefined,
  warn: (message: string) => void = () => undefined,
): Promise<AssembledContext> {
  const failed: { name: string; error: string }[] = [];
  const results = await Promise.all(
    providers.map(async (p, order) => {
      try {
        const passages = await withTimeout(p.provide(input), p.timeoutMs, `context provider ${p.name}`);
        return passages
          .filter((x) => x.text.trim() !== '')
          .map((x): Candidate => ({ ...x, provider: p, order, tokens: estimateTokens(x.text) }));
      } catch (e) {
        const error = (e as Error).message;
        failed.push({ name: p.name, error });
        warn(`context provider ${p.name} of agent ${input.agent} failed, the run goes on without it: ${error}`);
        return [];
      }
    }),
  );
  const all = results.flat();
  const dropped: { name: string; reason: 'irrelevant' | 'budget'; tokens: number }[] = [];
  let kept = all;
  const scored = all.filter((c) => c.provider.filter);
  if (scored.length > 0 && vectors !== undefined && input.query.trim() !== '') {
    try {
      const [q, ...vs] = await vectors.of([input.query.slice(0, 2000), ...scored.map((c) => c.text)]);
      scored.forEach((c, i) => (c.score = dot(q as Float32Array, vs[i] as Float32Array)));
      kept = all.filter((c) => {
        if (c.score === undefined || c.score >= relevance.threshold) return true;
        dropped.push({ name: c.provider.name, reason: 'irrelevant', tokens: c.tokens });
        return false;
      });
    } catch (e) {
      // Without scores every passage competes on priority alone: the budget still bounds the context.
      failed.push({ name: 'relevance', error: (e as Error).message });
      warn(`context relevance filter of agent ${input.agent} failed, passages kept by priority: ${(e as Error).message}`);
    }
  }
  const ranked = [...kept].sort(
    (a, b) => b.provider.priority - a.provider.priority || (b.score ?? 1) - (a.score ?? 1) || a.order - b.order,
  );
  let tokens = 0;
  const within = new Set<Candidate>();
  for (const c of ranked) {
    if (tokens + c.tokens > relevance.maxTokens) {
      dropped.push({ name: c.provider.name, reason: 'budget', tokens: c.tokens });
      continue;
    }
    tokens += c.tokens;
    within.add(c);
  }
  const sections: ContextSection[] = [];
  for (const p of providers) {
    const passages = all.filter((c) => c.provider === p && within.has(c));
    if (passages.length === 0) continue;
    const text = passages.map((c) => c.text).join('\n');
    sections.push({
      name: p.name,
      kind: p.kind,
      priority: p.priority,
      placement: p.filter ? 'turn' : 'top',
      passages: passages.map((c) => ({
        text: c.text,
        ...(c.source === undefined ? {} : { source: c.source }),
        ...(c.score === undefined ? {} : { score: c.score }),
      })),
      text,
      tokens: passages.reduce((s, c) => s + c.tokens, 0),
    });
  }
  return { sections, dropped, failed, tokens };
}

/** Heading of the context beside the instructions. */
export const CONTEXT_HEADING = 'Context:';

/**
 * The conversation with the context placed: `top` sections in one system message before it, `turn` sections (as
 * numbered passages, the recalled-passage format the offline model reads) right before the newest user message.
 */
export function renderContext(messages: readonly ChatMessage[], context: AssembledContext): readonly ChatMessage[] {
  const top = context.sections.filter((s) => s.placement === 'top');
  const turn = context.sections.filter((s) => s.placement === 'turn');
  let out = [...messages];
  if (turn.length > 0) {
    const at = out.findLastIndex((m) => m.role === 'user');
    let n = 0;
    const lines = turn.flatMap((s) => s.passages.map((p) => `[${++n}] (${p.source ?? s.name}) ${p.text.replace(/\s*\n\s*/g, ' ')}`));
    const msg: ChatMessage = { role: 'system', content: [RECALLED_CONTEXT_HEADING, ...lines].join('\n') };
    out = at < 0 ? [...out, msg] : [...out.slice(0, at), msg, ...out.slice(at)];
  }
  if (top.length > 0) {
    const content = [CONTEXT_HEADING, ...top.map((s) => `## ${s.name}\n${s.text}`)].join('\n');
    out = [{ role: 'system', content }, ...out];
  }
  return out;
}
