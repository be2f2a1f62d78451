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

/**
 * `OPENAI_API_KEY` / `OPENAI_BASE_URL` (any OpenAI-compatible server) and `ANTHROPIC_API_KEY`
 * select real providers (both set: OpenAI first, Anthropic as fallback, each with its own model:
 * `TROUPE_OPENAI_MODEL` / `TROUPE_ANTHROPIC_MODEL`, or `TROUPE_MODEL` for both). Nothing set:
 * the offline model.
 */
export function providerFromEnv(env: NodeJS.ProcessEnv = process.env): SelectedProvider {
  const chain: { provider: ModelProvider; model: string }[] = [];
  if (env['OPENAI_API_KEY'] !== undefined || env['OPENAI_BASE_URL'] !== undefined) {
    const model = env['TROUPE_OPENAI_MODEL'] ?? env['TROUPE_MODEL'] ?? 'gpt-4o-mini';
    chain.push({
      provider: withModel(guard(new OpenAIProvider({ apiKey: env['OPENAI_API_KEY'], baseURL: env['OPENAI_BASE_URL'] })), model),
      model,
    });
  }
  if (env['ANTHROPIC_API_KEY'] !== undefined) {
    const model = env['TROUPE_ANTHROPIC_MODEL'] ?? env['TROUPE_MODEL'] ?? 'claude-haiku-4-5';
    chain.push({ provider: withModel(guard(new AnthropicProvider({ apiKey: env['ANTHROPIC_API_KEY'] })), model), model });
  }
  const first = chain[0];
  if (first === undefined) return { provider: offline(), model: 'offline' };
  return { provider: chain.length === 1 ? first.provider : fallbackChain(chain.map((c) => c.provider)), model: first.model };
}

/** What an agent's config says about its model (config/agents.ts). */
export interface ProviderSpec {
  readonly provider: 'auto' | 'offline' | 'openai' | 'anthropic';
  readonly model?: string;
  readonly baseUrl?: string;
  readonly apiKeyEnv?: string;
}

/**
 * The provider an agent's config names: `auto` follows the environment ({@link providerFromEnv}),
 * `offline` is the offline model, `openai` / `anthropic` the real SDKs (wrapped in timeout,
 * breaker and retry) with the key from `apiKeyEnv` (default OPENAI_API_KEY / ANTHROPIC_API_KEY).
 */
export function providerFor(spec: ProviderSpec, env: NodeJS.ProcessEnv = process.env): SelectedProvider {
  switch (spec.provider) {
    case 'auto': {
      const chosen = providerFromEnv(env);
      return spec.model === undefined || chosen.provider.name === 'offline'
        ? chosen
        : { provider: withModel(chosen.provider, spec.model), model: spec.model };
    }
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
