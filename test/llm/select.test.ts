import { describe, expect, it } from 'vitest';
import { OfflineProvider, providerFromEnv } from '../../actors/llm/index.js';

describe('providerFromEnv', () => {
  it('is the offline model with no keys or URLs, and says so', async () => {
    const { provider, model } = providerFromEnv({});
    expect(provider).toBeInstanceOf(OfflineProvider);
    expect(model).toBe('offline');
    let text = '';
    for await (const e of provider.stream({ model, messages: [{ role: 'user', content: 'hi' }] })) if (e.type === 'token') text += e.text;
    expect(text).toContain('offline model');
  });

  it('selects the OpenAI-compatible provider by base URL, and chains Anthropic as fallback', () => {
    expect(providerFromEnv({ OPENAI_BASE_URL: 'http://127.0.0.1:1/v1' }).provider.name).toContain('openai');
    const both = providerFromEnv({ OPENAI_API_KEY: 'k', ANTHROPIC_API_KEY: 'k', TROUPE_ANTHROPIC_MODEL: 'claude-x' });
    expect(both.provider.name).toMatch(/fallback\(.*openai.*anthropic.*\)/);
    expect(both.model).toBe('gpt-4o-mini');
  });
});
