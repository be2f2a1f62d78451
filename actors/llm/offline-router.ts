/**
 * How the offline model decides without a real model: it embeds the user's message and the
 * descriptions of the tools it was given (for `transfer_to_<agent>` / `ask_<agent>` the target
 * agent's description), takes the best match above a threshold, and fills the tool's arguments
 * from the message when it can. Deterministic for a given embedder; nothing leaves the machine.
 */
import type { ToolSpec } from './types.js';

/** What the router needs from an embedder (structural: any `Embedder` of actors/memory fits). */
export interface RouterEmbedder {
  embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

/** A routing decision: which tool, with which arguments, and how well it matched. */
export interface Route {
  readonly name: string;
  readonly arguments: Record<string, unknown>;
  readonly score: number;
}

/** Options of {@link SemanticRouter}. */
export interface SemanticRouterOptions {
  /** Cosine similarity below which nothing is routed (default {@link DEFAULT_ROUTE_THRESHOLD}). */
  readonly threshold?: number;
}

/**
 * Default threshold, measured on USE-lite: paraphrases of a matching description score 0.4–0.6,
 * unrelated requests ("tell me a joke", "capital of France?") stay under 0.26.
 */
export const DEFAULT_ROUTE_THRESHOLD = 0.35;

const ASK = 'ask_';
const TRANSFER = 'transfer_to_';
const CACHE_LIMIT = 1000;

/** The text a tool is matched on: its description, or for agent tools the agent's own description. */
export function routingText(spec: ToolSpec): string {
  if (spec.name.startsWith(ASK) || spec.name.startsWith(TRANSFER)) {
    const at = spec.description.indexOf(': ');
    return at >= 0 ? spec.description.slice(at + 2) : spec.description;
  }
  return spec.description;
}

/** The longest arithmetic expression in `text` (digits with at least one operator), if any. */
export function extractExpression(text: string): string | undefined {
  const fn = '(?:sqrt|abs|min|max|round|floor|ceil|log|exp)';
  const re = new RegExp(`(?:${fn}\\s*\\(|[-(]|\\d|\\bpi\\b)(?:${fn}\\s*\\(|\\bpi\\b|\\be\\b|[\\d\\s+\\-*/^%().,])*`, 'g');
  let best: string | undefined;
  for (const m of text.matchAll(re)) {
    const candidate = m[0].trim().replace(/[\s,.]+$/, '');
    if (!/\d|\bpi\b/.test(candidate) || !/[+\-*/^%(]/.test(candidate.replace(/^-/, ''))) continue;
    if (best === undefined || candidate.length > best.length) best = candidate;
  }
  return best;
}

type Schema = { type?: unknown; description?: unknown; properties?: Record<string, Schema>; required?: unknown };

const TEXT_ARGS = new Set(['question', 'query', 'text', 'input', 'q', 'message', 'prompt', 'content']);

/** One argument read from the message, or undefined when the message does not say it. */
function fillOne(name: string, schema: Schema, message: string): unknown {
  const described = typeof schema.description === 'string' ? schema.description.toLowerCase() : '';
  if (/expr|formula|math/i.test(name) || described.includes('expression')) return extractExpression(message);
  if (schema.type === 'number' || schema.type === 'integer') {
    const n = /-?\d+(?:\.\d+)?/.exec(message);
    return n === null ? undefined : schema.type === 'integer' ? Math.trunc(Number(n[0])) : Number(n[0]);
  }
  if ((schema.type === 'string' || schema.type === undefined) && TEXT_ARGS.has(name.toLowerCase())) return message;
  return undefined;
}

/** The tool's arguments filled from `message`; undefined when a required one cannot be read from it. */
export function fillArguments(spec: ToolSpec, message: string): Record<string, unknown> | undefined {
  const schema = spec.parameters as Schema;
  const props = schema.properties ?? {};
  const required = Array.isArray(schema.required) ? (schema.required as unknown[]).filter((r): r is string => typeof r === 'string') : [];
  const args: Record<string, unknown> = {};
  for (const name of required) {
    const value = fillOne(name, props[name] ?? {}, message);
    if (value === undefined) return undefined;
    args[name] = value;
  }
  return args;
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** Matches a message to the best-fitting tool by meaning; descriptions' vectors are cached. */
export class SemanticRouter {
  private readonly cache = new Map<string, Float32Array>();
  readonly threshold: number;

  constructor(
    private readonly embedder: RouterEmbedder,
    options: SemanticRouterOptions = {},
  ) {
    this.threshold = options.threshold ?? DEFAULT_ROUTE_THRESHOLD;
  }

  /** The best tool for `message` whose arguments can be filled, or undefined when none scores ≥ threshold. */
  async route(message: string, tools: readonly ToolSpec[], signal?: AbortSignal): Promise<Route | undefined> {
    const text = message.trim();
    if (text === '' || tools.length === 0) return undefined;
    const texts = tools.map(routingText);
    const missing = [...new Set(texts.filter((t) => !this.cache.has(t)))];
    const vectors = await this.embedder.embed([text, ...missing], signal);
    const query = vectors[0] as Float32Array;
    if (this.cache.size + missing.length > CACHE_LIMIT) this.cache.clear();
    missing.forEach((t, i) => this.cache.set(t, vectors[i + 1] as Float32Array));
    const ranked = tools
      .map((spec, i) => ({ spec, score: cosine(query, this.cache.get(texts[i] as string) as Float32Array) }))
      .filter((r) => r.score >= this.threshold)
      .sort((a, b) => b.score - a.score || a.spec.name.localeCompare(b.spec.name));
    for (const { spec, score } of ranked) {
      const args = fillArguments(spec, text);
      if (args !== undefined) return { name: spec.name, arguments: args, score };
    }
    return undefined;
  }
}

let shared: SemanticRouter | undefined;

/**
 * One router per process on the offline embedder (USE-lite), created on first use: the model
 * loads when the offline model first has tools to choose from, not at import.
 */
export function sharedOfflineRouter(): SemanticRouter {
  shared ??= new SemanticRouter({
    async embed(texts, signal) {
      const { UseLiteEmbedder } = await import('../memory/embedders/use-lite.js');
      lite ??= new UseLiteEmbedder();
      return lite.embed(texts, signal);
    },
  });
  return shared;
}
let lite: { embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> } | undefined;
