/**
 * A blueprint's guardrail policy guards its agents' token stream, not only the final answer, over a real gateway and a
 * real `ws` client (real catalog, memory storage, the offline model, which streams its echo of the input word by
 * word): a policy that redacts EMAIL at output means no frame the client receives carries the address, and the
 * final message holds the redaction label. The node's own guardrails (a codename redacted at output) apply to the
 * same agent too — both guards, composed — while a configured agent, without the blueprint's policy, streams the
 * address unchanged (and only the codename redacted).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OfflineProvider } from '../../actors/index.js';
import { configSchema } from '../../config/index.js';
import { startCatalogGateway, type CatalogGateway } from '../gateway/catalog-fixture.js';
import { startFrame, WsClient } from '../gateway/ws-fixture.js';

const EMAIL = 'grace.hopper@navy.example.com';
const SAID = `write to ${EMAIL} about Aurora today, please`;

type Keys = 'acme' | 'acmeAdmin';
let gw: CatalogGateway<Keys>;

beforeAll(async () => {
  const config = configSchema.parse({
    agents: [{ name: 'plain', instructions: 'Help.' }],
    // The node's own guardrails: only a codename, redacted at output (no default rules: emails pass).
    guardrails: {
      defaults: false,
      custom: [{ name: 'codename', type: 'CODENAME', keywords: ['Aurora'], score: 0.99 }],
      rules: [{ name: 'codename-out', stages: ['output'], detector: 'codename', action: 'redact' }],
    },
    memory: { store: { index: [] } },
  });
  const provider = new OfflineProvider();
  gw = await startCatalogGateway<Keys>(
    config,
    { acme: { id: 'acme', tenant: 'acme', roles: ['user'] }, acmeAdmin: { id: 'acme-admin', tenant: 'acme', roles: ['admin'] } },
    { compose: { provider: () => ({ provider, model: 'offline' }) } },
  );
  await gw.catalog.start();
}, 120_000);
afterAll(() => gw?.close());

/** Every frame of a run of `agent` on `text`, as the client received them. */
async function framesOf(agent: string, text: string): Promise<Record<string, unknown>[]> {
  const c = await WsClient.connect(`${gw.url.replace(/^http/, 'ws')}/ws`, { authorization: `Bearer ${gw.keys.acme.key}` });
  try {
    c.send(startFrame('r', agent, text));
    const created = await c.type('run.created');
    await c.run(created['run_id'] as string);
    return [...c.frames];
  } finally {
    c.ws.terminate();
  }
}

const tokens = (frames: readonly Record<string, unknown>[]): string =>
  frames
    .filter((f) => f['type'] === 'run.event' && f['event'] === 'token')
    .map((f) => String((f['data'] as { text?: unknown }).text))
    .join('');

describe('a blueprint guardrail policy on the token stream', () => {
  it("redacts what its policy redacts in every streamed frame of the blueprint's agents, beside the node's guardrails", async () => {
    const installed = await fetch(`${gw.url}/blueprints`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.keys.acmeAdmin.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        files: {
          'blueprint.yaml': [
            'name: mailer',
            'version: 1.0.0',
            'author: t',
            'license: MIT',
            'category: test',
            'agents: [agents/helper.yaml]',
            'guardrails: guardrails.yaml\n',
          ].join('\n'),
          'agents/helper.yaml': 'name: helper\ninstructions: Help.\n',
          'guardrails.yaml': 'rules:\n  - { name: no-email-out, stages: [output], detector: pii, type: EMAIL, action: redact }\n',
        },
      }),
    });
    expect(installed.status, await installed.text()).toBe(201);

    const guarded = await framesOf('mailer/helper', SAID);
    const streamed = tokens(guarded);
    expect(streamed, JSON.stringify(guarded)).toContain('[REDACTED:EMAIL]');
    for (const f of guarded) expect(JSON.stringify(f)).not.toContain(EMAIL);
    // The node's own guard applied too: both guards on one stream.
    expect(streamed).toContain('[REDACTED:CODENAME]');
    expect(streamed).not.toContain('Aurora');
    const done = guarded.find((f) => f['type'] === 'run.completed');
    expect(JSON.stringify(done)).toContain('[REDACTED:EMAIL]');

    // The control: a configured agent streams the address as the model said it (the codename still redacted).
    const plain = await framesOf('plain', SAID);
    expect(tokens(plain), JSON.stringify(plain)).toContain(EMAIL);
    expect(tokens(plain)).toContain('[REDACTED:CODENAME]');
    expect(JSON.stringify(plain.find((f) => f['type'] === 'run.completed'))).toContain(EMAIL);
  }, 60_000);
});
