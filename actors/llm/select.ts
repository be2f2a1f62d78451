/**
 * Picks the model provider from the environment: a real provider the moment a key or base URL
 * is set, the offline model otherwise (the embedded default). Real providers are wrapped in
 * timeout → circuit breaker → retry, with the offline model NOT used as a silent fallback:
 * a real deployment that loses its provider should fail loudly, not answer offline.
 */
import { AnthropicProvider } from './anthropic.js';
import { OfflineProvider } from './offline.js';
import { sharedOfflineRouter } from './offline-router.js';
import { OpenAIProvider } from './openai.js';
import { circuitBreaker, fallbackChain, withRetry, withTimeout } from './resilience.js';
import type { ModelProvider } from './types.js';

/** The provider and default model the environment asks for. */
export interface SelectedProvider {
  readonly provider: ModelProvider;
  readonly model: string;
}

/** Pins the model name of every call (each provider in a fallback chain has its own). */
function withModel(p: ModelProvider, model: string): ModelProvider {
  return { name: p.name, stream: (request) => p.stream({ ...request, model }) };
}

/** The offline model as configured agents get it: routing by meaning with the shared USE-lite router. */
function offline(): OfflineProvider {
  return new OfflineProvider({ router: sharedOfflineRouter() });
}

function guard(p: ModelProvider): ModelProvider {
  return withRetry(
    circuitBreaker(withTimeout(p, { firstEventMs: 30_000, totalMs: 300_000 }), { failureThreshold: 5, resetAfterMs: 30_000 }),
    {
      retries: 3,
      baseDelayMs: 500,
      maxDelayMs: 8_000,
    },
  );
}

/** The providers the environment names, in order, each with its own model (not yet pinned). */
function envChain(env: NodeJS.ProcessEnv): { provider: ModelProvider; model: string }[] {
  const chain: { provider: ModelProvider; model: string }[] = [];
  if (env['OPENAI_API_KEY'] !== undefined || env['OPENAI_BASE_URL'] !== undefined) {
    const model = env['TROUPE_OPENAI_MODEL'] ?? env['TROUPE_MODEL'] ?? 'gpt-4o-mini';
    chain.push({ provider: guard(new OpenAIProvider({ apiKey: env['OPENAI_API_KEY'], baseURL: env['OPENAI_BASE_URL'] })), model });
  }
  if (env['ANTHROPIC_API_KEY'] !== undefined) {
    const model = env['TROUPE_ANTHROPIC_MODEL'] ?? env['TROUPE_MODEL'] ?? 'claude-haiku-4-5';
    chain.push({ provider: guard(new AnthropicProvider({ apiKey: env['ANTHROPIC_API_KEY'] })), model });
  }
  return chain;
}

/**
 * `OPENAI_API_KEY` / `OPENAI_BASE_URL` (any OpenAI-compatible server) and `ANTHROPIC_API_KEY`
 * select real providers (both set: OpenAI first, Anthropic as fallback, each with its own model:
 * `TROUPE_OPENAI_MODEL` / `TROUPE_ANTHROPIC_MODEL`, or `TROUPE_MODEL` for both). Nothing set:
 * the offline model. `model` replaces the first provider's model (an agent's own `model`); the
 * fallback keeps its own, since a model name rarely means anything to another vendor.
 */
export function providerFromEnv(env: NodeJS.ProcessEnv = process.env, model?: string): SelectedProvider {
  const chain = envChain(env);
  const first = chain[0];
  if (first === undefined) return { provider: offline(), model: 'offline' };
  if (model !== undefined) first.model = model;
  const pinned = chain.map((c) => withModel(c.provider, c.model));
  return { provider: pinned.length === 1 ? (pinned[0] as ModelProvider) : fallbackChain(pinned), model: first.model };
}

/** One provider an agent's config names (its `provider` and a `fallback` entry). */
export interface ProviderEntry {
  readonly provider: 'auto' | 'offline' | 'openai' | 'anthropic';
  readonly model?: string;
  readonly baseUrl?: string;
  readonly apiKeyEnv?: string;
}

/** What an agent's config says about its model (config/agents.ts). */
export interface ProviderSpec extends ProviderEntry {
  /** Tried in order when the provider fails before any output (resilience.ts `fallbackChain`). */
  readonly fallback?: readonly ProviderEntry[];
}

/**
 * The provider an agent's config names: `auto` follows the environment ({@link providerFromEnv}),
 * `offline` is the offline model, `openai` / `anthropic` the real SDKs (wrapped in timeout,
 * breaker and retry) with the key from `apiKeyEnv` (default OPENAI_API_KEY / ANTHROPIC_API_KEY).
 * With `fallback`, the providers it lists follow in a {@link fallbackChain}, each pinned to its own
 * model; the reported model is the first one's.
 */
export function providerFor(spec: ProviderSpec, env: NodeJS.ProcessEnv = process.env): SelectedProvider {
  const primary = single(spec, env);
  const rest = (spec.fallback ?? []).map((f) => single(f, env));
  if (rest.length === 0) return primary;
  return { provider: fallbackChain([primary.provider, ...rest.map((r) => r.provider)]), model: primary.model };
}

function single(spec: ProviderEntry, env: NodeJS.ProcessEnv): SelectedProvider {
  switch (spec.provider) {
    case 'auto':
      return providerFromEnv(env, spec.model);
    case 'offline':
      return { provider: offline(), model: spec.model ?? 'offline' };
    case 'openai': {
      const model = spec.model ?? env['TROUPE_OPENAI_MODEL'] ?? env['TROUPE_MODEL'] ?? 'gpt-4o-mini';
      const apiKey = env[spec.apiKeyEnv ?? 'OPENAI_API_KEY'];
      return { provider: withModel(guard(new OpenAIProvider({ apiKey, baseURL: spec.baseUrl ?? env['OPENAI_BASE_URL'] })), model), model };
    }
    case 'anthropic': {
      const model = spec.model ?? env['TROUPE_ANTHROPIC_MODEL'] ?? env['TROUPE_MODEL'] ?? 'claude-haiku-4-5';
      const apiKey = env[spec.apiKeyEnv ?? 'ANTHROPIC_API_KEY'];
      return {
        provider: withModel(
          guard(new AnthropicProvider({ apiKey, ...(spec.baseUrl === undefined ? {} : { baseURL: spec.baseUrl }) })),
          model,
        ),
        model,
      };
    }
  }
}
