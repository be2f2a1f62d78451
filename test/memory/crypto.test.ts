/**
 * Encryption at rest of sensitive store fields: AES-256-GCM round trips, a wrong key or altered
 * bytes give a clear error (never garbage), the lmdb file on disk holds no plaintext, keys are
 * never echoed in errors, and a store with sensitive fields but no key refuses to start.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  STORE_ADDRESS,
  STORE_GET,
  STORE_PUT,
  STORE_SEARCH,
  isTroupeError,
  type StoreItem,
  type StoreSearchReply,
} from '../../protocols/index.js';
import { MemoryStorage, SimulatedClock, type ActorSystem, type Storage } from '../../runtime/index.js';
import { LmdbStorage } from '../../runtime/lmdb/index.js';
import { createSystem } from '../../supervisors/index.js';
import { DecryptionError, EncryptionKeyError, FieldCipher, parseEncryptionKey } from '../../actors/memory/crypto.js';
import { storeBehavior, storeOptionsFromConfig, STORE_BUCKET, type StoreActorOptions } from '../../actors/memory/store/index.js';
import { HashingTestEmbedder } from '../../actors/memory/embedders/test-embedder.js';
import { configSchema, loadConfig } from '../../config/index.js';

const KEY_HEX = 'a1'.repeat(32);
const OTHER_B64 = randomBytes(32).toString('base64');
const SECRET = 'SSN-078-05-1120';
const EMAIL = 'ada.lovelace@example.org';

const systems: ActorSystem[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of systems.splice(0)) await s.shutdown();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function store(storage: Storage, options: StoreActorOptions, warnings: string[] = []) {
  const system = await createSystem({ storage, clock: new SimulatedClock(), warn: (m: string) => warnings.push(m) });
  systems.push(system);
  return { system, ref: await system.spawn(STORE_ADDRESS, storeBehavior(options), { tenant: 't1' }) };
}

const sensitiveOptions = (key: string): StoreActorOptions => ({
  encryption: { cipher: FieldCipher.fromText(key), sensitive: [{ prefix: ['users'], paths: ['ssn', 'contact.email'] }] },
});

describe('FieldCipher', () => {
  it('round-trips JSON values with a fresh IV each time; binds the location (AAD)', () => {
    const c = FieldCipher.fromText(KEY_HEX);
    const a = c.seal({ n: 1, s: 'x' }, 'loc');
    const b = c.seal({ n: 1, s: 'x' }, 'loc');
    expect(a.iv).not.toBe(b.iv);
    expect(a.ct).not.toBe(b.ct);
    expect(Buffer.from(a.iv, 'base64')).toHaveLength(12);
    expect(c.open(a, 'loc')).toEqual({ n: 1, s: 'x' });
    expect(() => c.open(a, 'elsewhere')).toThrow(/authentication failed/);
  });

  it('a wrong key is reported by key id, altered bytes as an authentication failure — never garbage', () => {
    const sealed = FieldCipher.fromText(KEY_HEX).seal(SECRET, 'loc');
    const wrong = FieldCipher.fromText(OTHER_B64);
    expect(() => wrong.open(sealed, 'loc')).toThrow(DecryptionError);
    expect(() => wrong.open(sealed, 'loc')).toThrow(/encrypted with key id [0-9a-f]{16}, the configured keys have id [0-9a-f]{16}/);
    const ct = Buffer.from(sealed.ct, 'base64');
    ct[0] = (ct[0] as number) ^ 1;
    expect(() => FieldCipher.fromText(KEY_HEX).open({ ...sealed, ct: ct.toString('base64') }, 'loc')).toThrow(/authentication failed/);
  });

  it('parses 64 hex digits or base64 (standard and URL-safe); a bad key is refused without echoing it', () => {
    const raw = randomBytes(32);
    expect(parseEncryptionKey(raw.toString('hex'))).toEqual(raw);
    expect(parseEncryptionKey(raw.toString('base64'))).toEqual(raw);
    expect(parseEncryptionKey(raw.toString('base64url'))).toEqual(raw);
    const short = randomBytes(16).toString('base64');
    expect(() => parseEncryptionKey(short)).toThrow(EncryptionKeyError);
    expect(() => parseEncryptionKey(short)).toThrow(/decodes to 16 bytes/);
    for (const bad of [short, 'not a key!', 'zz'.repeat(32)]) {
      try {
        parseEncryptionKey(bad);
        expect.unreachable();
      } catch (e) {
        expect((e as Error).message).not.toContain(bad);
      }
    }
  });
});

describe('sensitive fields in the store', () => {
  it('the lmdb file holds no plaintext of sensitive fields; reads and filters see the plaintext', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'troupe-crypto-'));
    dirs.push(dir);
    const storage = new LmdbStorage(dir);
    const { ref, system } = await store(storage, sensitiveOptions(KEY_HEX));
    const value = { name: 'Ada', ssn: SECRET, contact: { email: EMAIL, city: 'London' } };
    await ref.ask(STORE_PUT, { namespace: ['users', 'ada'], key: 'profile', value });
    await ref.ask(STORE_PUT, { namespace: ['notes'], key: 'n', value: { body: 'PLAINTEXT-FLAGGED-BODY' }, sensitive: true });
    await ref.ask(STORE_PUT, { namespace: ['notes'], key: 'p', value: { body: 'PUBLIC-BODY', pin: '4242-PIN' }, sensitive: ['pin'] });
    expect((await ref.ask<StoreItem>(STORE_GET, { namespace: ['users', 'ada'], key: 'profile' })).value).toEqual(value);
    expect((await ref.ask<StoreItem>(STORE_GET, { namespace: ['notes'], key: 'n' })).value).toEqual({ body: 'PLAINTEXT-FLAGGED-BODY' });
    const found = await ref.ask<StoreSearchReply>(STORE_SEARCH, { namespace_prefix: ['users'], filter: { ssn: SECRET } });
    expect(found.items.map((i) => i.key)).toEqual(['profile']);
    const rawValue = await storage.bucket(STORE_BUCKET).get<{ value: Record<string, unknown> }>(['t1', 'i', 'users.ada', 'profile']);
    expect(rawValue?.value.ssn).toMatchObject({ $sealed: 'aes-256-gcm' });
    await system.shutdown(); // closes the storage, flushing lmdb
    systems.splice(0);
    const bytes = (await readFile(join(dir, 'storage.lmdb', 'data.mdb')).catch(() => readFile(join(dir, 'storage.lmdb')))).toString(
      'latin1',
    );
    expect(bytes).toContain('London'); // the check can see plaintext that is not sensitive
    expect(bytes).toContain('PUBLIC-BODY');
    for (const secret of [SECRET, EMAIL, 'PLAINTEXT-FLAGGED-BODY', '4242-PIN']) expect(bytes).not.toContain(secret);
  });

  it('a store started with another key answers a clear conflict for sealed items and keeps serving the rest', async () => {
    const storage = new MemoryStorage();
    const warnings: string[] = [];
    const first = await store(storage, sensitiveOptions(KEY_HEX), warnings);
    await first.ref.ask(STORE_PUT, { namespace: ['users', 'ada'], key: 'profile', value: { ssn: SECRET } });
    await first.ref.ask(STORE_PUT, { namespace: ['public'], key: 'k', value: { ok: true } });
    await first.system.stop(first.ref);
    const second = await store(storage, sensitiveOptions(OTHER_B64), warnings);
    const e = await second.ref.ask(STORE_GET, { namespace: ['users', 'ada'], key: 'profile' }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isTroupeError(e, 'conflict')).toBe(true);
    expect((e as Error).message).toMatch(
      /cannot decrypt field ssn of item "profile" in namespace users\.ada: it was encrypted with key id/,
    );
    expect((e as Error).message).not.toContain(SECRET);
    expect((await second.ref.ask<StoreItem>(STORE_GET, { namespace: ['public'], key: 'k' })).value).toEqual({ ok: true });
    expect(warnings.join('\n')).not.toContain(SECRET);
  });

  it('rotation: a new key with the old one as previous reads old items, and a re-put seals under the new key', async () => {
    const storage = new MemoryStorage();
    const rules = [{ prefix: ['users'], paths: ['ssn'] }];
    const first = await store(storage, { encryption: { cipher: FieldCipher.fromText(KEY_HEX), sensitive: rules } });
    for (const key of ['ada', 'bob']) await first.ref.ask(STORE_PUT, { namespace: ['users'], key, value: { ssn: `${SECRET}-${key}` } });
    await first.system.stop(first.ref);
    const rotated = await store(storage, { encryption: { cipher: FieldCipher.fromText(OTHER_B64, [KEY_HEX]), sensitive: rules } });
    expect((await rotated.ref.ask<StoreItem>(STORE_GET, { namespace: ['users'], key: 'ada' })).value).toEqual({ ssn: `${SECRET}-ada` });
    await rotated.ref.ask(STORE_PUT, { namespace: ['users'], key: 'ada', value: { ssn: `${SECRET}-ada` } });
    const raw = await storage.bucket(STORE_BUCKET).get<{ value: { ssn: { kid: string } } }>(['t1', 'i', 'users', 'ada']);
    expect(raw?.value.ssn.kid).toBe(FieldCipher.fromText(OTHER_B64).kid);
    await rotated.system.stop(rotated.ref);
    const newOnly = await store(storage, { encryption: { cipher: FieldCipher.fromText(OTHER_B64), sensitive: rules } });
    expect((await newOnly.ref.ask<StoreItem>(STORE_GET, { namespace: ['users'], key: 'ada' })).value).toEqual({ ssn: `${SECRET}-ada` });
    await expect(newOnly.ref.ask(STORE_GET, { namespace: ['users'], key: 'bob' })).rejects.toThrow(/encrypted with key id/);
  });

  it('sensitive rules without a key fail at startup with a clear error; the API flag without a key is a bad_request', async () => {
    const storage = new MemoryStorage();
    const system = await createSystem({ storage, clock: new SimulatedClock() });
    systems.push(system);
    await expect(
      system.spawn(STORE_ADDRESS, storeBehavior({ encryption: { sensitive: [{ prefix: [], paths: ['ssn'] }] } }), { tenant: 't1' }),
    ).rejects.toThrow(/no encryption key is: set TROUPE_ENCRYPTION_KEY/);
    const ref = await system.spawn(STORE_ADDRESS, storeBehavior(), { tenant: 't2' });
    const e = await ref.ask(STORE_PUT, { namespace: ['a'], key: 'k', value: { ssn: SECRET }, sensitive: ['ssn'] }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isTroupeError(e, 'bad_request')).toBe(true);
    expect((e as Error).message).toMatch(/no encryption key/);
  });

  it('a store with a changed embedder and the wrong key still starts: what it cannot open stays unindexed', async () => {
    const storage = new MemoryStorage();
    const rules = [{ prefix: [], paths: ['ssn'] }];
    const first = await store(storage, {
      index: { embedder: new HashingTestEmbedder(64), rules: [{ prefix: [], fields: ['$'] }] },
      encryption: { cipher: FieldCipher.fromText(KEY_HEX), sensitive: rules },
    });
    await first.ref.ask(STORE_PUT, { namespace: ['p'], key: 'sealed', value: { name: 'ada', ssn: SECRET } });
    await first.ref.ask(STORE_PUT, { namespace: ['p'], key: 'open', value: { name: 'ada lovelace' } });
    await first.system.stop(first.ref);
    const second = await store(storage, {
      index: { embedder: new HashingTestEmbedder(32), rules: [{ prefix: [], fields: ['$'] }] },
      encryption: { cipher: FieldCipher.fromText(OTHER_B64), sensitive: rules },
    });
    await expect(second.ref.ask(STORE_GET, { namespace: ['p'], key: 'sealed' })).rejects.toThrow(/cannot decrypt field ssn/);
    expect((await second.ref.ask<StoreItem>(STORE_GET, { namespace: ['p'], key: 'open' })).value).toEqual({ name: 'ada lovelace' });
  });

  it('sealed fields are never embedded for search', async () => {
    const embedder = new HashingTestEmbedder(256);
    const { ref } = await store(new MemoryStorage(), {
      index: { embedder, rules: [{ prefix: [], fields: ['$'] }] },
      encryption: { cipher: FieldCipher.fromText(KEY_HEX), sensitive: [{ prefix: [], paths: ['secret'] }] },
    });
    await ref.ask(STORE_PUT, { namespace: ['m'], key: 'sealed', value: { text: 'quarterly report', secret: 'zebra giraffe okapi' } });
    await ref.ask(STORE_PUT, { namespace: ['m'], key: 'open', value: { text: 'zebra giraffe okapi' } });
    const r = await ref.ask<StoreSearchReply>(STORE_SEARCH, { query: 'zebra giraffe okapi' });
    expect(r.items.map((i) => i.key)).toEqual(['open', 'sealed']);
    expect(r.items[0]?.score).toBeGreaterThan(0.7);
    expect(r.items[1]?.score).toBeLessThan(0.5);
  });
});

describe('encryption config', () => {
  it('sensitive fields without a key, or a malformed key, are config errors that never show the key', () => {
    const sensitive = [{ prefix: ['users'], paths: ['ssn'] }];
    const noKey = configSchema.safeParse({ memory: { encryption: { sensitive } } });
    expect(noKey.success).toBe(false);
    expect(JSON.stringify(noKey.error?.issues)).toMatch(/TROUPE_ENCRYPTION_KEY/);
    const badKey = 'short-secret-key-material';
    expect(() => loadConfig({ env: { TROUPE_ENCRYPTION_KEY: badKey } })).toThrow(/memory\.encryption\.key: expected 32 bytes/);
    for (const env of [
      { TROUPE_ENCRYPTION_KEY: badKey },
      { TROUPE_ENCRYPTION_KEY: OTHER_B64, TROUPE_ENCRYPTION_PREVIOUS_KEYS: `${KEY_HEX},${badKey}` },
    ]) {
      const e = (() => {
        try {
          loadConfig({ env });
        } catch (err) {
          return err as Error;
        }
        throw new Error('expected a config error');
      })();
      expect(e.message).toMatch(/expected 32 bytes/);
      // Neither the message nor anything chained to it (zod's cause) holds a key.
      const printed = inspect(e, { depth: 20 });
      for (const secret of [badKey, OTHER_B64, KEY_HEX]) expect(printed).not.toContain(secret);
    }
    const ok = loadConfig({ env: { TROUPE_ENCRYPTION_KEY: OTHER_B64 }, overrides: { memory: { encryption: { sensitive } } } });
    const options = storeOptionsFromConfig(ok.memory);
    expect(options.encryption?.cipher?.kid).toBe(FieldCipher.fromText(OTHER_B64).kid);
    expect(() => storeOptionsFromConfig({ ...ok.memory, encryption: { sensitive } })).toThrow(
      /no key is configured: set TROUPE_ENCRYPTION_KEY/,
    );
    expect(() => storeOptionsFromConfig(loadConfig({ env: { TROUPE_ENCRYPTION_PREVIOUS_KEYS: KEY_HEX } }).memory)).toThrow(
      /previousKeys are set but the current key is not/,
    );
    const rotated = loadConfig({ env: { TROUPE_ENCRYPTION_KEY: OTHER_B64, TROUPE_ENCRYPTION_PREVIOUS_KEYS: KEY_HEX } });
    expect(rotated.memory.encryption.previousKeys).toEqual([KEY_HEX]);
    const sealed = FieldCipher.fromText(KEY_HEX).seal('old', 'loc');
    expect(storeOptionsFromConfig(rotated.memory).encryption?.cipher?.open(sealed, 'loc')).toBe('old');
  });
});
