/**
 * User profiles (docs/context-and-caching.md): per user of a tenant, what agents should know of them — preferences,
 * communication style, facts — injected as context and editable over HTTP (`/profiles`) and by agents (the
 * `profile.update` tool). Bounded, so a profile cannot crowd out the conversation.
 */
import { z } from 'zod';

/** Bounds of a profile. */
export const PROFILE_LIMITS = { preferences: 50, keyChars: 64, valueChars: 500, facts: 50, factChars: 500, styleChars: 500 } as const;

const scalar = z.union([z.string().max(PROFILE_LIMITS.valueChars), z.number(), z.boolean()]);

/** The editable part of a profile. */
export const profileBodySchema = z.strictObject({
  /** e.g. `{ "language": "fr", "units": "metric", "plan": "free" }`. */
  preferences: z
    .record(z.string().min(1).max(PROFILE_LIMITS.keyChars), scalar)
    .refine((r) => Object.keys(r).length <= PROFILE_LIMITS.preferences, {
      message: `expected at most ${PROFILE_LIMITS.preferences} preferences`,
    })
    .default(() => ({})),
  /** How the user likes to be answered, e.g. "short answers, no jargon". */
  style: z.string().max(PROFILE_LIMITS.styleChars).default(''),
  /** Things to remember, e.g. "has two cats". */
  facts: z
    .array(z.string().min(1).max(PROFILE_LIMITS.factChars))
    .max(PROFILE_LIMITS.facts)
    .default(() => []),
});
export type ProfileBody = z.infer<typeof profileBodySchema>;

/** A partial update: preferences merged (a `null` value removes the key), facts added or removed, style replaced. */
export const profilePatchSchema = z.strictObject({
  preferences: z
    .record(z.string().min(1).max(PROFILE_LIMITS.keyChars), scalar.nullable())
    .refine((r) => Object.keys(r).length <= PROFILE_LIMITS.preferences, {
      message: `expected at most ${PROFILE_LIMITS.preferences} preferences`,
    })
    .optional(),
  style: z.string().max(PROFILE_LIMITS.styleChars).optional(),
  addFacts: z.array(z.string().min(1).max(PROFILE_LIMITS.factChars)).max(PROFILE_LIMITS.facts).optional(),
  removeFacts: z.array(z.string().min(1).max(PROFILE_LIMITS.factChars)).max(PROFILE_LIMITS.facts).optional(),
});
export type ProfilePatch = z.infer<typeof profilePatchSchema>;

/** A stored profile. */
export interface Profile extends ProfileBody {
  readonly user: string;
  readonly updated_at: string;
}

/** A user id as a profile key: what an API key id or token subject may be. */
export const profileUserSchema = z
  .string()
  .min(1)
  .max(200)
  .refine((s) => ![...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f), {
    message: 'expected a user id without control characters',
  });
