/**
 * Remote agents in config: `remote.card` replaces `instructions`, local-only fields are refused
 * with a message saying why, a remote agent can be a handoff or delegation target, and the kind
 * descriptor builds its behavior only for remote entries. The transcript a remote agent is sent
 * keeps every line attributed to its speaker, whatever the messages hold.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { agentsSchema } from '../../config/index.js';
import { isTroupeError } from '../../protocols/index.js';
import { remoteKind, transcript } from '../../actors/remote/index.js';
import type { KindServices } from '../../actors/kinds/index.js';
import type { ChatMessage } from '../../actors/llm/index.js';

const CARD = 'http://127.0.0.1:9/.well-known/agent-card.json';

function issues(agents: unknown): { path: string; message: string }[] {
  const r = agentsSchema.safeParse(agents);
  return r.success ? [] : r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

describe('remote agents in config', () => {
  it('a remote agent needs no instructions; a local one still does, and is told so', () => {
    const agents = agentsSchema.parse([
      { name: 'desk', instructions: 'Route.', handoffs: ['far'], delegates: ['far'] },
      { name: 'far', remote: { card: CARD, skill: 'echo', authEnv: 'FAR_TOKEN' } },
    ]);
    expect(agents[1]).toMatchObject({ name: 'far', instructions: '', remote: { card: CARD, skill: 'echo', authEnv: 'FAR_TOKEN' } });
    const told = 'expected non-empty instructions or a prompt (only a remote agent may omit both)';
    expect(issues([{ name: 'local' }])).toEqual([{ path: '0.instructions', message: told }]);
  });

  it('refuses a card that is not an http(s) URL, a bad env name, and unknown remote fields', () => {
    expect(issues([{ name: 'far', remote: { card: 'ftp://x/card.json' } }])).toEqual([
      { path: '0.remote.card', message: 'expected the http(s) URL of an A2A agent card' },
    ]);
    expect(issues([{ name: 'far', remote: {} }])[0]?.path).toBe('0.remote.card');
    expect(issues([{ name: 'far', remote: { card: CARD, authEnv: 'lower' } }])).toEqual([
      { path: '0.remote.authEnv', message: 'expected an environment variable name' },
    ]);
    expect(issues([{ name: 'far', remote: { card: CARD, url: CARD } }])[0]?.path).toBe('0.remote');
  });

  it('refuses every local-only field on a remote agent, naming it', () => {
    const fields = ['tools', 'handoffs', 'delegates', 'approvals', 'subscribe', 'publish'] as const;
    fc.assert(
      fc.property(fc.subarray([...fields], { minLength: 1 }), (chosen) => {
        const entry: Record<string, unknown> = { name: 'far', remote: { card: CARD } };
        for (const f of chosen) entry[f] = f === 'handoffs' || f === 'delegates' ? ['far'] : ['x.*'];
        const found = issues([entry]);
        expect(found.map((i) => i.path).sort()).toEqual(chosen.map((f) => `0.${f}`).sort());
        for (const i of found) expect(i.message).toMatch(/^expected no \w+ on a remote agent \(it runs behind its own A2A server\)$/);
      }),
      { numRuns: 50 },
    );
    expect(issues([{ name: 'far', remote: { card: CARD }, recall: { collections: ['kb'] } }])).toEqual([
      { path: '0.recall', message: 'expected no recall on a remote agent (it runs behind its own A2A server)' },
    ]);
  });

  it('the kind descriptor accepts remote entries only and builds their behavior', async () => {
    const agents = agentsSchema.parse([
      { name: 'desk', instructions: 'Route.' },
      { name: 'far', remote: { card: CARD } },
    ]);
    expect(remoteKind.name).toBe('remote');
    expect(remoteKind.serves).toBe('agent');
    expect(remoteKind.stateful).toBe(true);
    const built = await remoteKind.build({ config: { agents }, env: {} } as unknown as KindServices);
    expect(built.ids().includes('far')).toBe(true);
    expect(built.ids().includes('desk')).toBe(false);
    expect(built.ids().includes('nobody')).toBe(false);
    expect(built.agents?.()).toEqual([expect.objectContaining({ name: 'far', provider: 'a2a', model: CARD })]);
    expect(typeof built.behavior('far', 'acme').receive).toBe('function');
    let thrown: unknown;
    try {
      built.behavior('desk', 'acme');
    } catch (e) {
      thrown = e;
    }
    expect(isTroupeError(thrown, 'bad_request')).toBe(true);
  });
});

describe('the transcript sent to a remote agent', () => {
  const message = fc.record({
    role: fc.constantFrom('user', 'assistant', 'tool', 'system') as fc.Arbitrary<ChatMessage['role']>,
    content: fc.string({ unit: fc.constantFrom('a', ' ', '\n', '\r', '/', 'handoff', 'user:', 'x') }),
    name: fc.option(fc.constantFrom('clock', 'ask_far'), { nil: undefined }),
  });

  it('prefixes every line with its speaker and drops system and empty messages', () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 8 }), (raw) => {
        const messages = raw.map((m) => (m.name === undefined ? { role: m.role, content: m.content } : m)) as ChatMessage[];
        const text = transcript(messages);
        const kept = messages.filter((m) => m.role !== 'system' && m.content.trim() !== '');
        if (kept.length === 0) {
          expect(text).toBe('');
          return;
        }
        const lines = text.split('\n');
        expect(lines.length).toBe(kept.reduce((n, m) => n + m.content.split(/\r?\n|\r/).length, 0));
        for (const line of lines) expect(line).toMatch(/^(user|assistant|tool( clock| ask_far)?): /);
      }),
      { numRuns: 200 },
    );
  });
});
