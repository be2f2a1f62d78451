/**
 * `/prompts` and `/personas` over the real gateway server (API keys per tenant and role), and the
 * templates as an MCP prompt source. Bad input answers 4xx naming what is wrong.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PromptLibrary } from '../../actors/index.js';
import { configSchema } from '../../config/index.js';
import { Gateway, generateApiKey, personasRoute, promptsRoute, templatePromptSource } from '../../gateway/index.js';
import type { ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import type { Principal } from '../../gateway/types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies of many shapes, read field by field
type Any = any;

const keys = { admin: generateApiKey(), user: generateApiKey(), other: generateApiKey() };
let system: ActorSystem;
let gateway: Gateway;
let library: PromptLibrary;

beforeAll(async () => {
  system = await createSystem({ warn: () => undefined });
  const config = configSchema.parse({
    prompts: [
      { name: 'base', template: 'Base v1 for {{who}}.', variables: { who: { type: 'string', required: true, description: 'the user' } } },
    ],
    personas: [{ name: 'formal', tone: 'formal' }],
  });
  library = new PromptLibrary(system.storage, config);
  gateway = await Gateway.start({
    deps: { system, agents: () => [], tools: () => [], ensure: () => Promise.reject(new Error('none')), ready: () => true },
    routes: [promptsRoute(library), personasRoute(library)],
    port: 0,
    auth: {
      keys: [
        { id: 'a', hash: keys.admin.hash, tenant: 'acme', roles: ['admin', 'user'] },
        { id: 'u', hash: keys.user.hash, tenant: 'acme', roles: ['user'] },
        { id: 'o', hash: keys.other.hash, tenant: 'globex', roles: ['admin'] },
      ],
    },
    limits: { ratePerSec: 100_000, burst: 100_000 },
    warn: () => undefined,
  });
});
afterAll(async () => {
  await gateway.close();
  await system.shutdown();
});

async function call(key: keyof typeof keys, method: string, path: string, body?: unknown): Promise<{ status: number; json: Any }> {
  const res = await fetch(`${gateway.url}${path}`, {
    method,
    headers: { 'x-api-key': keys[key].key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? undefined : JSON.parse(text) };
}

describe('/prompts', () => {
  it('admins create versions; users read; labels, versions, diff and render work per tenant', async () => {
    expect((await call('user', 'POST', '/prompts/support/versions', { template: 'x' })).status).toBe(403);
    const v1 = await call('admin', 'POST', '/prompts/support/versions', {
      template: 'Help {{name}} with {{topic}}.',
      variables: { name: { type: 'string', required: true }, topic: { type: 'string', default: 'anything' } },
      description: 'support desk',
    });
    expect(v1.status).toBe(201);
    expect(v1.json).toMatchObject({ name: 'support', version: 1, source: 'api' });
    const v2 = await call('admin', 'POST', '/prompts/support/versions', {
      template: 'Help {{name}} with {{topic}}.\nBe kind.',
      variables: { name: { type: 'string', required: true }, topic: { type: 'string', default: 'anything' } },
      labels: ['candidate'],
    });
    expect(v2.json.version).toBe(2);
    const list = await call('user', 'GET', '/prompts');
    expect(list.json.prompts.map((p: { name: string }) => p.name)).toEqual(['base', 'support']);
    const summary = await call('user', 'GET', '/prompts/support');
    expect(summary.json).toMatchObject({ latest: 2, labels: { production: 1, candidate: 2 } });
    expect(summary.json.versions).toHaveLength(2);
    expect((await call('user', 'GET', '/prompts/support/versions/candidate')).json).toMatchObject({ version: 2, label: 'candidate' });
    expect((await call('user', 'GET', '/prompts/support/versions/1')).json.template).toBe('Help {{name}} with {{topic}}.');
    const rendered = await call('user', 'POST', '/prompts/support/render', { variables: { name: 'Ann' } });
    expect(rendered.json).toMatchObject({ text: 'Help Ann with anything.', prompt: { name: 'support', version: 1, label: 'production' } });
    expect((await call('user', 'PUT', '/prompts/support/labels/production', { version: 2 })).status).toBe(403);
    expect((await call('admin', 'PUT', '/prompts/support/labels/production', { version: 2 })).status).toBe(200);
    expect((await call('user', 'POST', '/prompts/support/render', { variables: { name: 'Ann' } })).json.text).toBe(
      'Help Ann with anything.\nBe kind.',
    );
    const diff = await call('user', 'GET', '/prompts/support/diff?from=1&to=2');
    expect(diff.json.patch).toContain('+Be kind.');
    // Another tenant sees config's template only.
    expect((await call('other', 'GET', '/prompts')).json.prompts.map((p: { name: string }) => p.name)).toEqual(['base']);
    expect((await call('other', 'GET', '/prompts/support')).status).toBe(404);
  });

  it('answers 4xx naming the problem', async () => {
    const syntax = await call('admin', 'POST', '/prompts/broken/versions', { template: 'ok\n{{#loop}} never closed' });
    expect(syntax.status).toBe(400);
    expect(syntax.json.detail).toMatch(/line 2, column 1: Unclosed section/);
    await call('admin', 'POST', '/prompts/pa/versions', { template: 'A {{> pb}}' });
    const rec = await call('admin', 'POST', '/prompts/pb/versions', { template: 'B {{> pa}}' });
    expect(rec.status).toBe(400);
    expect(rec.json.detail).toContain('recursive partial: pb → pa → pb');
    const undeclared = await call('admin', 'POST', '/prompts/u/versions', { template: '{{mystery}}' });
    expect(undeclared.status).toBe(400);
    expect(undeclared.json.detail).toContain('"mystery" is used but not declared');
    const badType = await call('user', 'POST', '/prompts/base/render', { variables: { who: 42 } });
    expect(badType.status).toBe(400);
    expect(badType.json.detail).toContain('variable "who" must be of type string, got number');
    const missing = await call('user', 'POST', '/prompts/base/render', { variables: {} });
    expect(missing.json.detail).toContain('variable "who" (string) is required but missing');
    expect((await call('user', 'GET', '/prompts/nope')).status).toBe(404);
    expect((await call('user', 'GET', '/prompts/base/versions/9')).status).toBe(404);
    expect((await call('user', 'GET', '/prompts/base/versions/gold')).status).toBe(404);
    expect((await call('admin', 'PUT', '/prompts/base/labels/gold', { version: 7 })).status).toBe(404);
    expect((await call('admin', 'PUT', '/prompts/base/labels/gold', { version: 'x' })).status).toBe(400);
    expect((await call('user', 'GET', '/prompts/Bad%20Name')).status).toBe(400);
    expect((await call('user', 'GET', '/prompts/base/diff?from=1')).status).toBe(400);
    expect((await call('admin', 'POST', '/prompts/x/versions', { template: 'x', extra: 1 })).status).toBe(400);
    expect((await call('user', 'DELETE', '/prompts/base')).status).toBe(405);
  });
});

describe('/personas', () => {
  it('lists config personas; admins put and delete the tenant’s own', async () => {
    expect((await call('user', 'GET', '/personas')).json.personas.map((p: { name: string }) => p.name)).toEqual(['formal']);
    expect((await call('user', 'PUT', '/personas/pirate', { tone: 'salty' })).status).toBe(403);
    expect((await call('admin', 'PUT', '/personas/pirate', { tone: 'salty', verbosity: 'chatty' })).status).toBe(400);
    expect((await call('admin', 'PUT', '/personas/pirate', { tone: 'salty', language: 'English' })).status).toBe(200);
    expect((await call('user', 'GET', '/personas/pirate')).json).toMatchObject({ name: 'pirate', tone: 'salty' });
    expect((await call('other', 'GET', '/personas/pirate')).status).toBe(404);
    expect((await call('admin', 'DELETE', '/personas/formal')).status).toBe(409);
    expect((await call('admin', 'DELETE', '/personas/pirate')).status).toBe(200);
    expect((await call('user', 'GET', '/personas/pirate')).status).toBe(404);
  });
});

describe('templates as MCP prompts', () => {
  const acme: Principal = { tenant: 'acme', roles: ['user'], subject: 'u' };
  const globex: Principal = { tenant: 'globex', roles: ['user'], subject: 'g' };

  it('lists templates with production versions, their variables as arguments, per tenant', async () => {
    const l = new PromptLibrary(system.storage, configSchema.parse({}));
    await l.create('mcp-t', 'quote', {
      template: 'Quote {{count}} items for {{customer}}{{#rush}} (rush){{/rush}}: {{items}}',
      description: 'a quote',
      variables: {
        count: { type: 'number', required: true },
        customer: { type: 'string', required: true, description: 'who asks' },
        rush: { type: 'boolean', required: false, default: false },
        items: { type: 'array', required: false, default: [] },
      },
      sections: [],
      labels: [],
    });
    const source = templatePromptSource(l);
    const prompts = await source.list({ ...acme, tenant: 'mcp-t' });
    expect(prompts).toEqual([
      {
        name: 'quote',
        description: 'a quote',
        arguments: [
          { name: 'count', description: 'number', required: true },
          { name: 'customer', description: 'who asks (string)', required: true },
          { name: 'rush', description: 'boolean', required: false },
          { name: 'items', description: 'array', required: false },
        ],
      },
    ]);
    expect(await source.list(globex)).toEqual([]);
    const got = await source.get({ ...acme, tenant: 'mcp-t' }, 'quote', { count: '3', customer: 'Ann', rush: 'true', items: '["a","b"]' });
    expect(got?.messages).toEqual([{ role: 'user', content: { type: 'text', text: 'Quote 3 items for Ann (rush): ["a","b"]' } }]);
    expect(await source.get(globex, 'quote', {})).toBeUndefined();
    await expect(source.get({ ...acme, tenant: 'mcp-t' }, 'quote', { count: 'three', customer: 'A' })).rejects.toThrow(
      /argument "count" must be a number/,
    );
    await expect(source.get({ ...acme, tenant: 'mcp-t' }, 'quote', { customer: 'A' })).rejects.toThrow(/"count" \(number\) is required/);
    await expect(source.get({ ...acme, tenant: 'mcp-t' }, 'quote', { count: '1', customer: 'A', nope: 'x' })).rejects.toThrow(
      /no argument "nope"/,
    );
  });
});
