// Agents and MCP servers as config (`agents`, `mcpServers`). Each agent becomes the actor kind
// `agent/<name>` (activated per tenant); each MCP server's tools become `tool/<server>.<tool>`.
import { z } from 'zod';
import { modelParamsSchema, personaSchema, promptRefSchema } from '../protocols/index.js';

const name = (what: string) =>
  z.string({ error: `expected ${what}` }).regex(/^[a-z][a-z0-9_-]{0,63}$/, { error: `expected ${what}: [a-z][a-z0-9_-]{0,63}` });
const list = () => z.array(z.string({ error: 'expected a string' }).min(1, { error: 'expected a non-empty string' })).default(() => []);
const posInt = () => z.int({ error: 'expected an integer >= 1' }).min(1, { error: 'expected an integer >= 1' });

/** Where a remote agent lives: the agent card of its A2A server (docs/remote-agents.md). */
export const remoteAgentSchema = z.strictObject({
  card: z.url({ protocol: /^https?$/, error: 'expected the http(s) URL of an A2A agent card' }),
  /** Environment variable holding the credential sent as `authorization` (a bare token gets `Bearer `). */
  authEnv: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/, { error: 'expected an environment variable name' })
    .optional(),
  /** Skill of the remote server to run (sent as message metadata `skill`; a Troupe mesh lists one per agent). */
  skill: z.string().min(1, { error: 'expected a non-empty skill id' }).optional(),
});

const apiKeyEnv = () =>
  z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/, { error: 'expected an environment variable name' })
    .optional();

/** One provider of an agent's fallback chain. */
const fallbackEntrySchema = z.strictObject({
  provider: z.enum(['auto', 'offline', 'openai', 'anthropic']),
  model: z.string().min(1).optional(),
  baseUrl: z.url({ error: 'expected an http(s) URL' }).optional(),
  apiKeyEnv: apiKeyEnv(),
});

/** Fields that only a local agent uses: a remote agent runs its own tools, model and routing. */
const LOCAL_ONLY = ['tools', 'handoffs', 'delegates', 'approvals', 'subscribe', 'publish'] as const;

/** One agent. Providers: `auto` follows the environment (offline when no key is set). */
const agentObjectSchema = z.strictObject({
  name: name('an agent name'),
  description: z.string().default(''),
  /** Required for a local agent without a `prompt`; a remote agent has none of its own. */
  instructions: z.string({ error: 'expected a string' }).min(1, { error: 'expected non-empty instructions' }).optional(),
  /** A prompt template: `name` (its production label), `name@label` or `name@version` (docs/prompts.md). */
  prompt: promptRefSchema.optional(),
  /** Values of the template's variables (a request's `config.variables` override them). */
  variables: z.record(z.string(), z.unknown()).optional(),
  /** The persona the agent speaks with: a name from config `personas` (or the API), or one inline. */
  persona: z.union([z.string().regex(/^[a-z][a-z0-9_.-]{0,63}$/, { error: 'expected a persona name' }), personaSchema]).optional(),
  /** Model parameters of every call (a request's `config` overrides them field by field). */
  params: modelParamsSchema.optional(),
  /** Providers tried in order when the model fails before any output, e.g. openai → anthropic → offline. */
  fallback: z.array(fallbackEntrySchema).max(8).optional(),
  /** Makes this agent a remote one: it lives behind another A2A server. */
  remote: remoteAgentSchema.optional(),
  provider: z.enum(['auto', 'offline', 'openai', 'anthropic']).default('auto'),
  /** Model name (default per provider). */
  model: z.string().min(1).optional(),
  /** OpenAI-compatible server (Ollama, vLLM, llama.cpp) for provider `openai`. */
  baseUrl: z.url({ error: 'expected an http(s) URL' }).optional(),
  /** Environment variable holding the API key (default OPENAI_API_KEY / ANTHROPIC_API_KEY). */
  apiKeyEnv: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/, { error: 'expected an environment variable name' })
    .optional(),
  temperature: z.number({ error: 'expected a number from 0 to 2' }).min(0).max(2).optional(),
  tools: list(),
  handoffs: list(),
  delegates: list(),
  approvals: list(),
  /** Topic patterns the agent listens on (each message starts a run). */
  subscribe: list(),
  /** Topic patterns the agent may publish to (tool `publish`). */
  publish: list(),
  /** Passages recalled from collections before each model call (the memory hook). */
  recall: z
    .strictObject({
      collections: z.array(name('a collection name')).min(1, { error: 'expected at least one collection' }),
      k: z.int({ error: 'expected an integer from 1 to 20' }).min(1).max(20).default(3),
    })
    .optional(),
  maxTurns: posInt().optional(),
  tokenBudget: posInt().optional(),
  maxDepth: posInt().optional(),
  runTimeoutMs: posInt().optional(),
  toolTimeoutMs: posInt().optional(),
  /** Run creates one agent activation (one tenant) admits at once (ADR 0042; default 16). */
  maxConcurrentCreates: posInt().optional(),
  prices: z.strictObject({ promptPer1k: z.number().min(0), completionPer1k: z.number().min(0) }).optional(),
});

/** One agent: local (instructions, a model, tools) or remote (`remote.card`). */
export const agentConfigSchema = agentObjectSchema
  .superRefine((a, ctx) => {
    if (a.remote === undefined) {
      if (a.instructions === undefined && a.prompt === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['instructions'],
          input: undefined,
          message: 'expected non-empty instructions or a prompt (only a remote agent may omit both)',
        });
      return;
    }
    for (const field of LOCAL_ONLY)
      if (a[field].length > 0)
        ctx.addIssue({
          code: 'custom',
          path: [field],
          input: a[field],
          message: `expected no ${field} on a remote agent (it runs behind its own A2A server)`,
        });
    for (const field of ['recall', 'prompt', 'persona', 'params', 'fallback'] as const)
      if (a[field] !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [field],
          input: a[field],
          message: `expected no ${field} on a remote agent (it runs behind its own A2A server)`,
        });
  })
  .transform((a) => ({ ...a, instructions: a.instructions ?? '' }));
export type AgentConfig = z.infer<typeof agentConfigSchema>;

/** Hours a recorded tool result is kept (up to a year). */
const ttlHours = () => z.number().positive().max(8760).default(24);

/** An MCP server attached to the mesh: a stdio command or a Streamable HTTP URL. */
export const mcpServerConfigSchema = z.union([
  z.strictObject({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'expected a server name: [A-Za-z0-9_-]{1,64}' }),
    command: z.string().min(1, { error: 'expected a command' }),
    args: list(),
    env: z.record(z.string(), z.string()).optional(),
    cwd: z.string().optional(),
    /** Tools whose calls may be retried (they are idempotent). */
    idempotent: list(),
    /** Tools run once per idempotency key: results recorded and a repeated key answered from the record. */
    idempotentByKey: list(),
    /** How long recorded results are kept (hours, default 24). */
    resultTtlHours: ttlHours(),
  }),
  z.strictObject({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'expected a server name: [A-Za-z0-9_-]{1,64}' }),
    url: z.url({ error: 'expected an http(s) URL' }),
    headers: z.record(z.string(), z.string()).optional(),
    idempotent: list(),
    idempotentByKey: list(),
    resultTtlHours: ttlHours(),
  }),
]);
export type McpServerConfig = z.infer<typeof mcpServerConfigSchema>;

/** The demo agents `npm start` serves when config names none: an assistant with tools, and a triage desk. */
export const DEFAULT_AGENTS: AgentConfig[] = [
  {
    name: 'assistant',
    description: 'A helpful assistant with a clock and a calculator.',
    instructions: 'You are a helpful assistant. Use tools for time and arithmetic.',
    tools: ['clock', 'calculator'],
  },
  {
    name: 'triage',
    description: 'Routes a question to billing or tech.',
    instructions: 'Route the user to billing or tech.',
    handoffs: ['billing', 'tech'],
  },
  {
    name: 'billing',
    description: 'Answers billing questions: invoices, charges, payments, refunds and subscriptions.',
    instructions: 'You answer billing questions.',
  },
  {
    name: 'tech',
    description: 'Answers technical questions: errors, crashes, installation, login problems and bugs.',
    instructions: 'You answer technical questions.',
    tools: ['clock'],
  },
].map((a) => agentConfigSchema.parse(a));

/** The `agents` list: names unique, and every handoff or delegate names an agent of the list. */
export const agentsSchema = z
  .array(agentConfigSchema)
  .default(() => DEFAULT_AGENTS)
  .superRefine((agents, ctx) => {
    const names = new Set<string>();
    agents.forEach((a, i) => {
      if (names.has(a.name))
        ctx.addIssue({
          code: 'custom',
          path: [i, 'name'],
          input: a.name,
          message: `expected a unique agent name ("${a.name}" is used twice)`,
        });
      names.add(a.name);
    });
    agents.forEach((a, i) => {
      for (const field of ['handoffs', 'delegates'] as const)
        a[field].forEach((to, j) => {
          if (!names.has(to))
            ctx.addIssue({ code: 'custom', path: [i, field, j], input: to, message: `expected the name of a configured agent` });
        });
    });
  });

/** A RAG collection served per tenant as `collection/<name>`, with tools `search_<name>` and `remember_<name>`. */
export const collectionConfigSchema = z.strictObject({
  name: name('a collection name'),
  description: z.string().optional(),
});
export type CollectionConfig = z.infer<typeof collectionConfigSchema>;
