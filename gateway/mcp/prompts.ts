/**
 * MCP prompts (docs/gateway-mcp-a2a.md, “Prompts”): `prompts/list` and `prompts/get` over pluggable
 * {@link McpPromptSource}s (e.g. the prompt templates of the caller's tenant). Sources are asked in order;
 * the first that knows a name answers `prompts/get`.
 */
import { ErrorCode, McpError, type GetPromptResult, type Prompt } from '@modelcontextprotocol/sdk/types.js';
import type { Principal } from '../types.js';

/** A provider of MCP prompts. */
export interface McpPromptSource {
  /** The prompts `principal` may use. */
  list(principal: Principal): Promise<readonly Prompt[]>;
  /** Prompt `name` rendered with `args`; undefined when the name is not this source's. Throw for bad arguments. */
  get(principal: Principal, name: string, args: Record<string, string>): Promise<GetPromptResult | undefined>;
}

/** `prompts/list` over `sources`: every source's prompts, a name shadowed by an earlier source left out. */
export async function listPrompts(sources: readonly McpPromptSource[], principal: Principal): Promise<Prompt[]> {
  const lists = await Promise.all(sources.map((s) => s.list(principal)));
  const seen = new Set<string>();
  const out: Prompt[] = [];
  for (const p of lists.flat()) {
    if (seen.has(p.name)) continue;
    seen.add(p.name);
    out.push(p);
  }
  return out;
}

/** `prompts/get` over `sources`: the first answer, or -32602 for a name none knows. */
export async function getPrompt(
  sources: readonly McpPromptSource[],
  principal: Principal,
  name: string,
  args: Record<string, string>,
): Promise<GetPromptResult> {
  for (const s of sources) {
    const result = await s.get(principal, name, args);
    if (result !== undefined) return result;
  }
  throw new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${name}`);
}
