/**
 * Prompt templates as MCP prompts (`prompts/list`, `prompts/get`): each template of the caller's tenant
 * with a production version is one prompt; its variables are the prompt's arguments (required unless
 * they have a default). MCP arguments are strings: a number, boolean, array or object variable is read
 * from its string (`"3"`, `"true"`, JSON), and one that does not read is an invalid-params error naming it.
 */
import type { GetPromptResult, Prompt } from '@modelcontextprotocol/sdk/types.js';
import type { PromptLibrary } from '../../actors/index.js';
import { NotFoundError, ValidationError, type VariableSpec } from '../../protocols/index.js';
import type { Principal } from '../types.js';

/** A source of MCP prompts (the MCP route lists and gets prompts through it). */
export interface McpPromptSource {
  list(principal: Principal): Promise<readonly Prompt[]>;
  /** The rendered prompt, or undefined when `name` is not a prompt of this source. */
  get(principal: Principal, name: string, args: Record<string, string>): Promise<GetPromptResult | undefined>;
}

/** Reads an MCP string argument as the variable's type. */
export function argumentValue(name: string, raw: string, spec: VariableSpec): unknown {
  const bad = (): never => {
    const expected = spec.type === 'array' || spec.type === 'object' ? `a JSON ${spec.type}` : `a ${spec.type}`;
    throw new ValidationError(`argument "${name}" must be ${expected}, got ${JSON.stringify(raw.slice(0, 100))}`);
  };
  switch (spec.type) {
    case 'string':
      return raw;
    case 'number': {
      const n = raw.trim() === '' ? NaN : Number(raw);
      return Number.isFinite(n) ? n : bad();
    }
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : bad();
    default: {
      let v: unknown;
      try {
        v = JSON.parse(raw);
      } catch {
        return bad();
      }
      const ok = spec.type === 'array' ? Array.isArray(v) : typeof v === 'object' && v !== null && !Array.isArray(v);
      return ok ? v : bad();
    }
  }
}

/** The templates of `library` as an {@link McpPromptSource}. */
export function templatePromptSource(library: PromptLibrary): McpPromptSource {
  return {
    async list(principal) {
      const out: Prompt[] = [];
      for (const s of await library.list(principal.tenant)) {
        const production = s.labels['production'];
        if (production === undefined) continue;
        const t = await library.version(principal.tenant, s.name, production);
        out.push({
          name: s.name,
          ...(t.version.description === '' ? {} : { description: t.version.description }),
          arguments: Object.entries(t.version.variables).map(([name, spec]) => ({
            name,
            ...(spec.description === undefined ? { description: `${spec.type}` } : { description: `${spec.description} (${spec.type})` }),
            required: spec.required && spec.default === undefined,
          })),
        });
      }
      return out;
    },
    async get(principal, name, args) {
      let resolved;
      try {
        resolved = await library.resolve(principal.tenant, { name, label: 'production' });
      } catch (e) {
        if (e instanceof NotFoundError) return undefined;
        throw e;
      }
      const specs = resolved.template.version.variables;
      const variables: Record<string, unknown> = {};
      for (const [k, raw] of Object.entries(args)) {
        const spec = specs[k];
        if (spec === undefined) throw new ValidationError(`prompt ${name} has no argument "${k}"`);
        variables[k] = argumentValue(k, raw, spec);
      }
      const out = await library.render(principal.tenant, `${name}@${resolved.template.version.version}`, variables, {
        agent: '',
        persona: '',
        metadata: {},
        now: new Date().toISOString(),
        context: {},
      });
      return {
        ...(resolved.template.version.description === '' ? {} : { description: resolved.template.version.description }),
        messages: [{ role: 'user', content: { type: 'text', text: out.text } }],
        _meta: { 'troupe/prompt': out.prompt },
      };
    },
  };
}
