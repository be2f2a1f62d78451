/** Vendor-safe tool names: every mesh name maps to a distinct safe name and back. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ToolNameMap } from '../../actors/llm/index.js';

describe('ToolNameMap', () => {
  it('keeps safe names, maps others to [A-Za-z0-9_-]{1,64}, distinct, and back', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 90 }), { maxLength: 20 }), (names) => {
        const m = new ToolNameMap(names);
        const safe = names.map((n) => m.toVendor(n));
        for (const s of safe) expect(s).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
        expect(new Set(safe).size).toBe(names.length);
        names.forEach((n, i) => {
          expect(m.fromVendor(safe[i]!)).toBe(n);
          if (/^[A-Za-z0-9_-]{1,64}$/.test(n) && !names.slice(0, i).some((o) => m.toVendor(o) === n)) expect(safe[i]).toBe(n);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('maps an MCP name server.tool to server_tool', () => {
    expect(new ToolNameMap(['github.search']).toVendor('github.search')).toBe('github_search');
  });
});
