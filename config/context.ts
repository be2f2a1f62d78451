// Context injection (`context`, docs/context-and-caching.md): per agent, ordered context providers and a relevance
// filter; and business rules (`rules`) on requests and responses.
import { z } from 'zod';

const priority = () => z.int({ error: 'expected an integer from 0 to 100' }).min(0).max(100);
const timeoutMs = () => z.int({ error: 'expected an integer from 1 to 60000' }).min(1).max(60_000).default(2_000);
const name = () => z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'expected a name: [A-Za-z0-9_.-]{1,64}' });

/** Fields every provider has: its section name, priority (higher is kept first), timeout, and whether the relevance filter applies. */
const common = { name: name().optional(), priority: priority().optional(), timeoutMs: timeoutMs(), filter: z.boolean().optional() };

/** One context provider of an agent. */
export const contextProviderSchema = z.discriminatedUnion('kind', [
  /** Reference text, inline or from a file (read at startup), split into passages the relevance filter scores. */
  z
    .strictObject({ kind: z.literal('static'), text: z.string().min(1).optional(), file: z.string().min(1).optional(), ...common })
    .refine((p) => (p.text === undefined) !== (p.file === undefined), { message: 'expected exactly one of text or file' }),
  /** The date (and time, with precision `minute`) in the run's timezone and locale (metadata `timezone`/`locale` win). */
  z.strictObject({
    kind: z.literal('time'),
    timezone: z.string().min(1).default('UTC'),
    locale: z.string().min(2).default('en-US'),
    precision: z.enum(['day', 'minute']).default('day'),
    ...common,
  }),
  /** The profile of the run's user (metadata `user`, stamped by the gateway from the caller). */
  z.strictObject({ kind: z.literal('profile'), ...common }),
  /** The run's metadata (the named keys; default every scalar value but `user`). */
  z.strictObject({ kind: z.literal('metadata'), keys: z.array(z.string().min(1)).optional(), ...common }),
  /** Passages recalled from RAG collections for the newest user message. */
  z.strictObject({
    kind: z.literal('collections'),
    collections: z.array(z.string().min(1)).min(1),
    k: z.int().min(1).max(20).default(3),
    ...common,
  }),
  /** Items of the long-term store found for the newest user message; `{user}` in the namespace is the run's user. */
  z.strictObject({
    kind: z.literal('store'),
    namespace: z.array(z.string().min(1)).min(1),
    k: z.int().min(1).max(20).default(3),
    ...common,
  }),
]);
export type ContextProviderConfig = z.infer<typeof contextProviderSchema>;

/** One agent's context: providers in order, and the relevance filter over the filtered ones. */
export const agentContextSchema = z.strictObject({
  providers: z.array(contextProviderSchema).min(1),
  relevance: z
    .strictObject({
      /** Cosine similarity (on `memory.embedder`) a passage needs to the newest user message to be kept. */
      threshold: z.number().min(-1).max(1).default(0.25),
      /** Tokens all sections may take; lowest priority (then lowest score) is dropped first. */
      maxTokens: z.int().min(1).max(200_000).default(1_500),
    })
    .prefault({}),
});
export type AgentContextConfig = z.infer<typeof agentContextSchema>;

/** Config `context`: agent name → its context. */
export const contextSchema = z.record(z.string(), agentContextSchema).default(() => ({}));
