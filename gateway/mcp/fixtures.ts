/**
 * The conformance fixture pack (docs/gateway-mcp-a2a.md, “Conformance fixtures”): the tools, resources and prompts
 * that the official MCP conformance suite (`@modelcontextprotocol/conformance`) calls by name, as its reference
 * “everything server” serves them. Served only when `TROUPE_MCP_FIXTURES=conformance` (or `mcpRoute`'s `fixtures`)
 * says so — never in a normal deployment.
 */
import { ElicitResultSchema, CreateMessageResultSchema, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { ValidationError } from '../../protocols/index.js';
import type { McpPromptSource } from './prompts.js';
import type { McpResourceSource } from './resources.js';
import type { McpBuiltinTool, McpCallExtra } from './server.js';

/** Fixture packs `mcpRoute` knows. */
export type McpFixtures = 'conformance';

/** Environment variable that turns a fixture pack on. */
export const MCP_FIXTURES_ENV = 'TROUPE_MCP_FIXTURES';

/** The fixture pack `env` names (`TROUPE_MCP_FIXTURES`), if any; an unknown name is an error, not silently ignored. */
export function mcpFixturesFromEnv(env: NodeJS.ProcessEnv = process.env): McpFixtures | undefined {
  const v = env[MCP_FIXTURES_ENV];
  if (v === undefined || v === '') return undefined;
  if (v === 'conformance') return v;
  throw new ValidationError(`${MCP_FIXTURES_ENV} must be "conformance" (or unset), not ${JSON.stringify(v.slice(0, 40))}`);
}

/** What a fixture pack adds to /mcp. */
export interface McpFixturePack {
  readonly tools: readonly McpBuiltinTool[];
  readonly resources: readonly McpResourceSource[];
  readonly prompts: readonly McpPromptSource[];
}

/** A 1×1 red PNG. */
export const FIXTURE_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
/** A minimal WAV file. */
export const FIXTURE_WAV = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=';

const NO_ARGS: Tool['inputSchema'] = { type: 'object', properties: {} };

function tool(
  name: string,
  description: string,
  call: (args: Record<string, unknown>, extra: McpCallExtra) => Promise<CallToolResult>,
  inputSchema: Tool['inputSchema'] = NO_ARGS,
): McpBuiltinTool {
  return { tool: { name, description, inputSchema }, call: (args, _principal, extra) => call(args, extra) };
}

const text = (t: string): CallToolResult => ({ content: [{ type: 'text', text: t }] });
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function elicit(extra: McpCallExtra, message: string, requestedSchema: Record<string, unknown>): Promise<string> {
  const result = await extra.sendRequest(
    { method: 'elicitation/create', params: { message, requestedSchema } } as never,
    ElicitResultSchema,
  );
  return `action=${result.action}, content=${JSON.stringify(result.content ?? {})}`;
}

const TOOLS: readonly McpBuiltinTool[] = [
  tool('test_simple_text', 'Tests simple text content response', async () => text('This is a simple text response for testing.')),
  tool('test_image_content', 'Tests image content response', async () => ({
    content: [{ type: 'image', data: FIXTURE_PNG, mimeType: 'image/png' }],
  })),
  tool('test_audio_content', 'Tests audio content response', async () => ({
    content: [{ type: 'audio', data: FIXTURE_WAV, mimeType: 'audio/wav' }],
  })),
  tool('test_embedded_resource', 'Tests embedded resource content response', async () => ({
    content: [
      {
        type: 'resource',
        resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' },
      },
    ],
  })),
  tool('test_multiple_content_types', 'Tests response with multiple content types (text, image, resource)', async () => ({
    content: [
      { type: 'text', text: 'Multiple content types test:' },
      { type: 'image', data: FIXTURE_PNG, mimeType: 'image/png' },
      {
        type: 'resource',
        resource: {
          uri: 'test://mixed-content-resource',
          mimeType: 'application/json',
          text: JSON.stringify({ test: 'data', value: 123 }),
        },
      },
    ],
  })),
  tool('test_tool_with_logging', 'Tests tool that emits log messages during execution', async (_args, extra) => {
    for (const [i, data] of ['Tool execution started', 'Tool processing data', 'Tool execution completed'].entries()) {
      if (i > 0) await pause(50);
      await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', data } });
    }
    return text('Tool with logging executed successfully');
  }),
  tool('test_tool_with_progress', 'Tests tool that reports progress notifications', async (_args, extra) => {
    const progressToken = extra._meta?.progressToken ?? 0;
    for (const progress of [0, 50, 100]) {
      if (progress > 0) await pause(50);
      await extra.sendNotification({
        method: 'notifications/progress',
        params: { progressToken, progress, total: 100, message: `Completed step ${progress} of 100` },
      });
    }
    return text(String(progressToken));
  }),
  tool('test_error_handling', 'Tests error response handling', async () => {
    throw new Error('This tool intentionally returns an error for testing');
  }),
  tool(
    'test_sampling',
    'Tests server-initiated sampling (LLM completion request)',
    async (args, extra) => {
      const prompt = typeof args.prompt === 'string' ? args.prompt : '';
      const result = await extra.sendRequest(
        {
          method: 'sampling/createMessage',
          params: { messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens: 100 },
        } as never,
        CreateMessageResultSchema,
      );
      const content = result.content as { type?: string; text?: string };
      return text(`LLM response: ${content.type === 'text' ? (content.text ?? '') : 'No response'}`);
    },
    { type: 'object', properties: { prompt: { type: 'string', description: 'The prompt to send to the LLM' } }, required: ['prompt'] },
  ),
  tool(
    'test_elicitation',
    'Tests server-initiated elicitation (user input request)',
    async (args, extra) => {
      const message = typeof args.message === 'string' ? args.message : '';
      const schema = {
        type: 'object',
        properties: { response: { type: 'string', description: "User's response" } },
        required: ['response'],
      };
      return text(`User response: ${await elicit(extra, message, schema)}`);
    },
    { type: 'object', properties: { message: { type: 'string', description: 'The message to show the user' } }, required: ['message'] },
  ),
  tool('test_elicitation_sep1034_defaults', 'Tests elicitation with default values per SEP-1034', async (_args, extra) => {
    const schema = {
      type: 'object',
      properties: {
        name: { type: 'string', description: 'User name', default: 'John Doe' },
        age: { type: 'integer', description: 'User age', default: 30 },
        score: { type: 'number', description: 'User score', default: 95.5 },
        status: { type: 'string', description: 'User status', enum: ['active', 'inactive', 'pending'], default: 'active' },
        verified: { type: 'boolean', description: 'Verification status', default: true },
      },
      required: [],
    };
    return text(`Elicitation completed: ${await elicit(extra, 'Please review and update the form fields with defaults', schema)}`);
  }),
  tool('test_elicitation_sep1330_enums', 'Tests elicitation with enum schema improvements per SEP-1330', async (_args, extra) => {
    const schema = {
      type: 'object',
      properties: {
        untitledSingle: { type: 'string', description: 'Select one option', enum: ['option1', 'option2', 'option3'] },
        titledSingle: {
          type: 'string',
          description: 'Select one option with titles',
          oneOf: [
            { const: 'value1', title: 'First Option' },
            { const: 'value2', title: 'Second Option' },
            { const: 'value3', title: 'Third Option' },
          ],
        },
        legacyEnum: {
          type: 'string',
          description: 'Select one option (legacy)',
          enum: ['opt1', 'opt2', 'opt3'],
          enumNames: ['Option One', 'Option Two', 'Option Three'],
        },
        untitledMulti: {
          type: 'array',
          description: 'Select multiple options',
          minItems: 1,
          maxItems: 3,
          items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
        },
        titledMulti: {
          type: 'array',
          description: 'Select multiple options with titles',
          minItems: 1,
          maxItems: 3,
          items: {
            anyOf: [
              { const: 'value1', title: 'First Choice' },
              { const: 'value2', title: 'Second Choice' },
              { const: 'value3', title: 'Third Choice' },
            ],
          },
        },
      },
      required: [],
    };
    return text(`Elicitation completed: ${await elicit(extra, 'Please select options from the enum fields', schema)}`);
  }),
  tool(
    'json_schema_2020_12_tool',
    'Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)',
    async (args) => text(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`),
    {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      $defs: { address: { type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } } } },
      properties: { name: { type: 'string' }, address: { $ref: '#/$defs/address' } },
      additionalProperties: false,
    },
  ),
];

const STATIC_RESOURCES = [
  {
    uri: 'test://static-text',
    name: 'static-text',
    title: 'Static Text Resource',
    description: 'A static text resource for testing',
    mimeType: 'text/plain',
    content: { text: 'This is the content of the static text resource.' },
  },
  {
    uri: 'test://static-binary',
    name: 'static-binary',
    title: 'Static Binary Resource',
    description: 'A static binary resource (image) for testing',
    mimeType: 'image/png',
    content: { blob: FIXTURE_PNG },
  },
  {
    uri: 'test://watched-resource',
    name: 'watched-resource',
    title: 'Watched Resource',
    description: 'A resource clients may subscribe to (it never changes)',
    mimeType: 'text/plain',
    content: { text: 'Watched resource content' },
  },
] as const;

const TEMPLATE = /^test:\/\/template\/([^/]+)\/data$/;

const RESOURCES: McpResourceSource = {
  owns: (uri) => uri.startsWith('test://'),
  templates: () => [
    {
      uriTemplate: 'test://template/{id}/data',
      name: 'template',
      title: 'Resource Template',
      description: 'A resource template with parameter substitution',
      mimeType: 'application/json',
    },
  ],
  async list(_principal, cursor) {
    if (cursor !== undefined) return { resources: [] };
    return { resources: STATIC_RESOURCES.map(({ content: _content, ...r }) => r) };
  },
  async read(_principal, uri) {
    const r = STATIC_RESOURCES.find((s) => s.uri === uri);
    if (r !== undefined) return { contents: [{ uri, mimeType: r.mimeType, ...r.content }] };
    const m = TEMPLATE.exec(uri);
    if (m === null) return undefined;
    const id = decodeURIComponent(m[1] as string);
    return {
      contents: [{ uri, mimeType: 'application/json', text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }) }],
    };
  },
};

const PROMPTS: McpPromptSource = {
  async list() {
    return [
      { name: 'test_simple_prompt', title: 'Simple Test Prompt', description: 'A simple prompt without arguments' },
      {
        name: 'test_prompt_with_arguments',
        title: 'Prompt With Arguments',
        description: 'A prompt with required arguments',
        arguments: [
          { name: 'arg1', description: 'First test argument', required: true },
          { name: 'arg2', description: 'Second test argument', required: true },
        ],
      },
      {
        name: 'test_prompt_with_embedded_resource',
        title: 'Prompt With Embedded Resource',
        description: 'A prompt that includes an embedded resource',
        arguments: [{ name: 'resourceUri', description: 'URI of the resource to embed', required: true }],
      },
      { name: 'test_prompt_with_image', title: 'Prompt With Image', description: 'A prompt that includes image content' },
    ];
  },
  async get(_principal, name, args) {
    switch (name) {
      case 'test_simple_prompt':
        return { messages: [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }] };
      case 'test_prompt_with_arguments':
        return {
          messages: [
            {
              role: 'user',
              content: { type: 'text', text: `Prompt with arguments: arg1='${args.arg1 ?? ''}', arg2='${args.arg2 ?? ''}'` },
            },
          ],
        };
      case 'test_prompt_with_embedded_resource':
        return {
          messages: [
            {
              role: 'user',
              content: {
                type: 'resource',
                resource: {
                  uri: args.resourceUri ?? 'test://embedded',
                  mimeType: 'text/plain',
                  text: 'Embedded resource content for testing.',
                },
              },
            },
            { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
          ],
        };
      case 'test_prompt_with_image':
        return {
          messages: [
            { role: 'user', content: { type: 'image', data: FIXTURE_PNG, mimeType: 'image/png' } },
            { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
          ],
        };
      default:
        return undefined;
    }
  },
};

/** The conformance suite's fixtures. */
export function conformanceFixtures(): McpFixturePack {
  return { tools: TOOLS, resources: [RESOURCES], prompts: [PROMPTS] };
}
