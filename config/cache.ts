// The response cache (`cache`, docs/context-and-caching.md): exact and semantic, per tenant, off by default.
import { z } from 'zod';

/** Config `cache`. */
export const cacheSchema = z.strictObject({
  /** Serve repeated prompts from the cache (every local agent unless `agents` names some). */
  enabled: z.boolean({ error: 'expected a boolean' }).default(false),
  /** Agents whose calls are cached (empty: all). */
  agents: z.array(z.string().min(1)).default(() => []),
  /** How long a reply is served, in seconds. */
  ttlSeconds: z.number({ error: 'expected a number of seconds > 0' }).positive().max(31_536_000).default(3600),
  /** The semantic cache (on `memory.embedder`): similar prompts that pass the negation/polarity gate share an answer. */
  semantic: z
    .strictObject({
      enabled: z.boolean({ error: 'expected a boolean' }).default(true),
      /** Cosine similarity a prompt needs to reuse an entry (stored with each entry). */
      threshold: z.number({ error: 'expected a number from 0.5 to 1' }).min(0.5).max(1).default(0.72),
      /** Added to the threshold of entries for prompts of three words or fewer. */
      shortBoost: z.number().min(0).max(0.5).default(0),
      /** Entries kept per tenant and conversation prefix (oldest dropped). */
      maxEntries: z.int().min(1).max(100_000).default(512),
    })
    .prefault({}),
  /** Tools whose calls may come from a cached answer; a call offering any other tool is not cached. */
  cacheableTools: z.array(z.string().min(1)).default(() => []),
});
