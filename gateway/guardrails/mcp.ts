/** The `guardrails.check` MCP tool: the same check as `POST /guardrails/check`, for any MCP client. */
import { GUARD_STAGES } from '../../protocols/index.js';
import type { McpBuiltinTool } from '../mcp/index.js';
import type { GatewayDeps } from '../types.js';
import { guardrailCheck } from './check.js';

/** The `guardrails.check` tool over `deps`. */
export function guardrailMcpTool(deps: GatewayDeps): McpBuiltinTool {
  return {
    tool: {
      name: 'guardrails.check',
      description:
        'Check a text with the guardrails (PII, secrets, prompt injection, moderation, custom detectors): every finding, ' +
        "the action the tenant's policy takes at the stage, and the text as the policy leaves it (redacted or masked).",
      inputSchema: {
        type: 'object',
        properties: {
          text: { type: 'string', description: 'The text to check.' },
          stage: { type: 'string', enum: [...GUARD_STAGES], description: 'Where the text is (default input).' },
          agent: { type: 'string', description: 'The agent whose policy applies.' },
        },
        required: ['text'],
      },
    },
    async call(args, principal) {
      const result = await guardrailCheck(deps, principal, args);
      return { content: [{ type: 'text', text: JSON.stringify(result) }], structuredContent: result };
    },
  };
}
