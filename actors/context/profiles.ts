/**
 * User profiles in the node's storage (bucket `profiles`, key `[tenant, user]`): every node reads what another
 * wrote. Changes go through {@link ProfileStore.patch}, bounded by the profile schema (protocols/profiles.ts).
 */
import { profileBodySchema, ValidationError, type Profile, type ProfileBody, type ProfilePatch } from '../../protocols/index.js';
import type { KvBucket, Storage } from '../../runtime/index.js';

/** Bucket of user profiles. */
export const PROFILE_BUCKET = 'profiles';

/** Reads and writes profiles of one node's storage. */
export class ProfileStore {
  private readonly bucket: KvBucket;

  constructor(
    storage: Storage,
    private readonly now: () => number = Date.now,
  ) {
    this.bucket = storage.bucket(PROFILE_BUCKET);
  }

  get(tenant: string, user: string): Promise<Profile | undefined> {
    return this.bucket.get<Profile>([tenant, user]);
  }

  /** Replaces the profile. */
  async put(tenant: string, user: string, body: ProfileBody): Promise<Profile> {
    const profile: Profile = { ...body, user, updated_at: new Date(this.now()).toISOString() };
    await this.bucket.put([tenant, user], profile);
    return profile;
  }

  /** Applies a partial update (creating the profile); the result must still be a valid profile. */
  async patch(tenant: string, user: string, patch: ProfilePatch): Promise<Profile> {
    const old = (await this.get(tenant, user)) ?? { preferences: {}, style: '', facts: [] };
    const preferences: Record<string, string | number | boolean> = { ...old.preferences };
    for (const [k, v] of Object.entries(patch.preferences ?? {})) {
      if (v === null) delete preferences[k];
      else preferences[k] = v;
    }
    const removed = new Set(patch.removeFacts ?? []);
    const facts = [...old.facts.filter((f) => !removed.has(f))];
    for (const f of patch.addFacts ?? []) if (!facts.includes(f)) facts.push(f);
    const next = profileBodySchema.safeParse({ preferences, style: patch.style ?? old.style, facts });
    if (!next.success) throw new ValidationError(`the profile would be invalid: ${next.error.issues.map((i) => i.message).join('; ')}`);
    return this.put(tenant, user, next.data);
  }

  delete(tenant: string, user: string): Promise<boolean> {
    return this.bucket.delete([tenant, user]);
  }
}

/** A profile as context text (what the model reads). */
export function profileText(p: Profile): string {
  const lines: string[] = [];
  const prefs = Object.entries(p.preferences);
  if (prefs.length > 0) lines.push(`Preferences: ${prefs.map(([k, v]) => `${k}=${String(v)}`).join(', ')}`);
  if (p.style !== '') lines.push(`Communication style: ${p.style}`);
  for (const f of p.facts) lines.push(`- ${f}`);
  return lines.join('\n');
}
