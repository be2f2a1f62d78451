/** Which config values are secrets: `troupe config` prints them as "***" and the CLI registers them with the scrubber. */
import { describe, expect, it } from 'vitest';
import { configSecrets, loadConfig, redactConfig, SECRET_PLACEHOLDER } from '../../config/index.js';

const KEY_HEX = 'ab'.repeat(32);
const PREV_B64 = Buffer.alloc(32, 7).toString('base64');
const CONFIG_SECRETS = ['nats-token-123', 'nats-pass-456', 'jwt-hs256-secret-789', 'sk-embedder-000111', KEY_HEX, PREV_B64];
CONFIG_SECRETS.push('mcp-header-tok');

function config() {
  return loadConfig({
    env: { TROUPE_ENCRYPTION_KEY: KEY_HEX, TROUPE_ENCRYPTION_PREVIOUS_KEYS: PREV_B64 },
    overrides: {
      transport: { kind: 'jetstream', servers: ['nats://127.0.0.1:4222'], token: 'nats-token-123', user: 'troupe', pass: 'nats-pass-456' },
      gateway: {
        auth: {
          keys: [{ id: 'k1', hash: `sha256:${'c'.repeat(64)}`, tenant: 'acme' }],
          jwt: { hs256Secret: 'jwt-hs256-secret-789', rs256PublicKey: 'PUBLIC KEY PEM' },
        },
      },
      memory: { embedder: { kind: 'openai', apiKey: 'sk-embedder-000111' } },
      mcpServers: [
        { name: 'gh', url: 'http://127.0.0.1:9/mcp', headers: { Authorization: 'Bearer mcp-header-tok', Accept: 'text/plain' } },
      ],
      agents: [{ name: 'a', instructions: 'x', provider: 'openai', apiKeyEnv: 'MY_AGENT_KEY', tokenBudget: 1000 }],
    },
  });
}

describe('config secrets', () => {
  it('redactConfig prints every secret field as *** and keeps the rest (hashes, public keys, numbers)', () => {
    const c = config();
    const text = JSON.stringify(redactConfig(c));
    for (const s of CONFIG_SECRETS) expect(text).not.toContain(s);
    const r = redactConfig(c);
    expect(r.transport).toMatchObject({ token: SECRET_PLACEHOLDER, pass: SECRET_PLACEHOLDER, user: 'troupe' });
    expect(r.gateway.auth.jwt).toMatchObject({ hs256Secret: SECRET_PLACEHOLDER, rs256PublicKey: 'PUBLIC KEY PEM' });
    expect(r.gateway.auth.keys[0]?.hash).toBe(`sha256:${'c'.repeat(64)}`);
    expect(r.memory.encryption).toMatchObject({ key: SECRET_PLACEHOLDER, previousKeys: [SECRET_PLACEHOLDER] });
    expect(r.agents[0]).toMatchObject({ apiKeyEnv: 'MY_AGENT_KEY', tokenBudget: 1000 });
    expect(r.mcpServers[0]).toMatchObject({ headers: { Authorization: SECRET_PLACEHOLDER, Accept: 'text/plain' } });
    // the original is untouched
    expect(c.gateway.auth.jwt?.hs256Secret).toBe('jwt-hs256-secret-789');
  });

  it('configSecrets lists config secrets and the provider and encryption keys of the environment', () => {
    const env = { OPENAI_API_KEY: 'sk-openai-aaa', ANTHROPIC_API_KEY: 'sk-ant-bbb', MY_AGENT_KEY: 'agent-key-ccc' };
    const found = configSecrets(config(), { ...env, TROUPE_ENCRYPTION_PREVIOUS_KEYS: `${PREV_B64}, other-old-key-ddd` });
    expect(found).toEqual(expect.arrayContaining([...CONFIG_SECRETS, 'sk-openai-aaa', 'sk-ant-bbb', 'agent-key-ccc', 'other-old-key-ddd']));
    expect(found).not.toContain('troupe');
    expect(found.some((s) => s.startsWith('sha256:'))).toBe(false);
  });
});
