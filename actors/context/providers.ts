/**
 * The built-in context providers config names (`context.<agent>.providers`): static text or files, time and locale,
 * the user profile, run metadata, recall from RAG collections, and search of the long-term store.
 */
import { readFileSync } from 'node:fs';
import type { ContextProviderConfig } from '../../config/index.js';
import { STORE_ADDRESS, STORE_SEARCH, ValidationError, type StoreSearchReply } from '../../protocols/index.js';
import type { ActorRef } from '../../runtime/index.js';
import { collectionAddress } from '../memory/rag/actor.js';
import { RAG_SEARCH, type SearchReply } from '../memory/rag/messages.js';
import type { ContextProvider, Passage, ProviderInput } from './assemble.js';
import { profileText, type ProfileStore } from './profiles.js';

/** What providers reach: the mesh (collections, the store) and the profiles. */
export interface ProviderDeps {
  readonly resolve: (address: string, tenant: string) => Promise<ActorRef>;
  readonly profiles: ProfileStore;
  readonly now: () => number;
}

const PRIORITY: Readonly<Record<ContextProviderConfig['kind'], number>> = {
  time: 90,
  profile: 80,
  metadata: 70,
  store: 60,
  static: 50,
  collections: 40,
};

/** Splits reference text into passages: paragraphs (blank-line separated), long ones at sentence ends near 600 characters. */
export function passages(text: string, maxChars = 600): string[] {
  const out: string[] = [];
  for (const para of text.split(/\n\s*\n/)) {
    let rest = para.trim().replace(/\s+/g, ' ');
    while (rest.length > maxChars) {
      const cut = rest.lastIndexOf('. ', maxChars);
      const at = cut > maxChars / 3 ? cut + 1 : maxChars;
      out.push(rest.slice(0, at).trim());
      rest = rest.slice(at).trim();
    }
    if (rest !== '') out.push(rest);
  }
  return out;
}

/** A scalar metadata value as text, or undefined for objects and arrays. */
function scalar(v: unknown): string | undefined {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

/** Builds the provider one config entry describes (unnamed: its kind, `-<index>` when taken); a static file is read now. */
export function contextProvider(
  c: ContextProviderConfig,
  index: number,
  deps: ProviderDeps,
  taken: ReadonlySet<string> = new Set(),
): ContextProvider {
  const base = {
    name: c.name ?? (taken.has(c.kind) ? `${c.kind}-${index}` : c.kind),
    kind: c.kind,
    priority: c.priority ?? PRIORITY[c.kind],
    timeoutMs: c.timeoutMs,
    filter: c.filter ?? (c.kind === 'static' || c.kind === 'collections' || c.kind === 'store'),
  };
  const make = (provide: (input: ProviderInput) => Promise<readonly Passage[]>): ContextProvider => ({ ...base, provide });
  switch (c.kind) {
    case 'static': {
      let text: string;
      try {
        text = c.text ?? readFileSync(c.file as string, 'utf8');
      } catch (e) {
        throw new ValidationError(`context provider ${base.name}: cannot read ${c.file}: ${(e as Error).message}`);
      }
      const list = passages(text).map((t) => ({ text: t, ...(c.file === undefined ? {} : { source: c.file }) }));
      return make(() => Promise.resolve(list));
    }
    case 'time':
      return make((input) => {
        const zone = scalar(input.metadata['timezone']) ?? c.timezone;
        const locale = scalar(input.metadata['locale']) ?? c.locale;
        const opts: Intl.DateTimeFormatOptions =
          c.precision === 'day' ? { dateStyle: 'full', timeZone: zone } : { dateStyle: 'full', timeStyle: 'short', timeZone: zone };
        let when: string;
        try {
          when = new Intl.DateTimeFormat(locale, opts).format(deps.now());
        } catch {
          when = new Intl.DateTimeFormat(c.locale, { ...opts, timeZone: c.timezone }).format(deps.now());
        }
        return Promise.resolve([{ text: `Now: ${when} (${zone}); the user's locale: ${locale}.` }]);
      });
    case 'profile':
      return make(async (input) => {
        if (input.user === undefined) return [];
        const p = await deps.profiles.get(input.tenant, input.user);
        const text = p === undefined ? '' : profileText(p);
        return text === '' ? [] : [{ text: `About the user (${input.user}):\n${text}` }];
      });
    case 'metadata':
      return make((input) => {
        const keys = c.keys ?? Object.keys(input.metadata).filter((k) => k !== 'user');
        const lines = keys.flatMap((k) => {
          const v = scalar(input.metadata[k]);
          return v === undefined ? [] : [`${k}: ${v.slice(0, 200)}`];
        });
        return Promise.resolve(lines.length === 0 ? [] : [{ text: `Request: ${lines.join('; ')}` }]);
      });
    case 'collections':
      return make(async (input) => {
        if (input.query === '') return [];
        const replies = await Promise.all(
          c.collections.map(async (name) => {
            const ref = await deps.resolve(collectionAddress(name), input.tenant);
            return (await ref.ask<SearchReply>(RAG_SEARCH, { query: input.query.slice(0, 2000), k: c.k }, { timeoutMs: c.timeoutMs })).hits;
          }),
        );
        return replies
          .flat()
          .sort((a, b) => b.score - a.score)
          .slice(0, c.k)
          .map((h) => ({ text: h.text, source: `${h.citation.documentId}#${h.citation.chunk}` }));
      });
    case 'store':
      return make(async (input) => {
        if (input.query === '') return [];
        const namespace = c.namespace.map((s) => (s === '{user}' ? input.user : s));
        if (namespace.some((s) => s === undefined)) return []; // a per-user namespace, and no user
        const ref = await deps.resolve(STORE_ADDRESS, input.tenant);
        const reply = await ref.ask<StoreSearchReply>(
          STORE_SEARCH,
          { namespace_prefix: namespace, query: input.query.slice(0, 2000), limit: c.k },
          { timeoutMs: c.timeoutMs },
        );
        return reply.items.map((i) => ({
          text: typeof i.value === 'object' ? JSON.stringify(i.value) : String(i.value),
          source: `${i.namespace.join('.')}/${i.key}`,
        }));
      });
  }
}
