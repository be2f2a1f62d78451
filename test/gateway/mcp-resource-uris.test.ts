/** Property tests of the MCP resource URI codecs and the `resources/list` cursor: round trips, and hostile input refused cleanly. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import {
  collectionDocumentUri,
  listResources,
  mcpFixturesFromEnv,
  parseCollectionDocumentUri,
  parseStoreItemUri,
  storeItemUri,
  type McpResourceSource,
} from '../../gateway/mcp/index.js';
import type { Principal } from '../../gateway/types.js';

const label = fc.string({ minLength: 1, maxLength: 20, unit: 'grapheme' }).filter((s) => !s.includes('.'));
const key = fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' });

describe('store item URIs', () => {
  it('round-trip any namespace and key (slashes, dots in keys, spaces, unicode)', () => {
    fc.assert(
      fc.property(fc.array(label, { minLength: 1, maxLength: 5 }), key, (namespace, k) => {
        const uri = storeItemUri(namespace, k);
        expect(uri.startsWith('troupe://store/')).toBe(true);
        expect(uri.slice('troupe://store/'.length).split('/')).toHaveLength(2);
        expect(parseStoreItemUri(uri)).toEqual({ namespace, key: k });
      }),
    );
  });

  it('never throw on hostile input; anything they accept re-encodes to a URI that parses the same', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `troupe://store/${s}`),
        ),
        (uri) => {
          const at = parseStoreItemUri(uri);
          if (at !== undefined) expect(parseStoreItemUri(storeItemUri(at.namespace, at.key))).toEqual(at);
        },
      ),
    );
    for (const bad of ['troupe://store/a/', 'troupe://store//k', 'troupe://store/a..b/k', 'troupe://store/a/b/c', 'troupe://store/%ZZ/k'])
      expect(parseStoreItemUri(bad)).toBeUndefined();
  });
});

describe('collection document URIs', () => {
  it('round-trip any collection name and document id', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 30 }), fc.string({ minLength: 1, maxLength: 60 }), (collection, id) => {
        expect(parseCollectionDocumentUri(collectionDocumentUri(collection, id))).toEqual({ collection, id });
      }),
    );
  });

  it('never throw on hostile input', () => {
    fc.assert(
      fc.property(
        fc.string().map((s) => `troupe://collections/${s}`),
        (uri) => {
          const at = parseCollectionDocumentUri(uri);
          if (at !== undefined) expect(parseCollectionDocumentUri(collectionDocumentUri(at.collection, at.id))).toEqual(at);
        },
      ),
    );
  });
});

/** A source of `n` numbered resources, paged by its own numeric cursor. */
function numbered(prefix: string, n: number): McpResourceSource {
  return {
    owns: (uri) => uri.startsWith(prefix),
    templates: () => [],
    async list(_p, cursor, limit) {
      const from = cursor === undefined ? 0 : Number(cursor);
      const resources = Array.from({ length: Math.max(0, Math.min(limit, n - from)) }, (_, i) => ({
        uri: `${prefix}${from + i}`,
        name: `${from + i}`,
      }));
      return { resources, ...(from + resources.length < n ? { nextCursor: String(from + resources.length) } : {}) };
    },
    read: async () => undefined,
  };
}

const principal: Principal = { tenant: 'acme', roles: ['user'], subject: 'key:acme' };

describe('resources/list paging over several sources', () => {
  it('visits every resource of every source once, in order, whatever the sizes and page length', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(12), { maxLength: 4 }), fc.integer({ min: 1, max: 7 }), async (sizes, limit) => {
        const sources = sizes.map((n, i) => numbered(`s${i}://`, n));
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await listResources(sources, principal, cursor, limit);
          expect(page.resources.length).toBeLessThanOrEqual(limit);
          seen.push(...page.resources.map((r) => r.uri));
          cursor = page.nextCursor;
          pages++;
        } while (cursor !== undefined && pages < 200);
        expect(seen).toEqual(sizes.flatMap((n, i) => Array.from({ length: n }, (_, j) => `s${i}://${j}`)));
      }),
    );
  });

  it('refuses a forged or foreign cursor with -32602', async () => {
    const sources = [numbered('a://', 3)];
    await fc.assert(
      fc.asyncProperty(fc.string(), async (cursor) => {
        const r = await listResources(sources, principal, cursor).catch((e: unknown) => e);
        if (r instanceof McpError) expect(r.code).toBe(-32602);
      }),
    );
    const forged = Buffer.from(JSON.stringify({ s: 5 })).toString('base64url');
    await expect(listResources(sources, principal, forged)).rejects.toMatchObject({ code: -32602 });
    await expect(listResources([], principal, 'x')).rejects.toMatchObject({ code: -32602 });
  });
});

describe('TROUPE_MCP_FIXTURES', () => {
  it('turns the conformance pack on only when it says so, and refuses any other value', () => {
    expect(mcpFixturesFromEnv({})).toBeUndefined();
    expect(mcpFixturesFromEnv({ TROUPE_MCP_FIXTURES: '' })).toBeUndefined();
    expect(mcpFixturesFromEnv({ TROUPE_MCP_FIXTURES: 'conformance' })).toBe('conformance');
    expect(() => mcpFixturesFromEnv({ TROUPE_MCP_FIXTURES: 'Conformance' })).toThrow(/must be "conformance"/);
  });
});
