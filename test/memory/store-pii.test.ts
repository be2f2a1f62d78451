/**
 * Personal data in long-term store values is sealed at rest (issue 13): with an encryption key, every string field the
 * guardrails' `pii` detector finds something in is stored AES-GCM sealed, like a configured sensitive field, and reads
 * back in the clear; other fields stay plain. With the pii detector turned off nothing extra is sealed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../config/index.js';
import { STORE_GET, STORE_PUT } from '../../protocols/index.js';
import { MeshNode, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import type { Catalog } from '../../actors/kinds/index.js';
import { STORE_BUCKET } from '../../actors/memory/index.js';
import { composeCatalog } from '../../cli/kinds.js';

const KEY = 'ab'.repeat(32);
let system: ActorSystem | undefined;
let catalog: Catalog | undefined;
afterEach(async () => {
  await catalog?.close();
  await system?.shutdown();
  system = catalog = undefined;
});

async function storeOf(guardrails: Record<string, unknown>) {
  const cfg = configSchema.parse({ memory: { store: { index: [] }, encryption: { key: KEY } }, guardrails });
  system = await createSystem({ config: cfg });
  const mesh = new MeshNode(system);
  catalog = await composeCatalog(cfg, mesh);
  await mesh.start();
  return catalog.ensure('memory/store', 'acme');
}

const value = {
  note: 'Customer asked us to mail jane.doe@example.com about the refund',
  colour: 'green',
  contacts: ['call +49 30 12345678 after five', 'no phone on weekends'],
};

describe('personal data in store values', () => {
  it('is sealed at rest and read back in the clear; other fields stay plain', async () => {
    const store = await storeOf({});
    await store.ask(STORE_PUT, { namespace: ['crm'], key: 'c1', value });
    expect(await store.ask(STORE_GET, { namespace: ['crm'], key: 'c1' })).toMatchObject({ value });
    const raw = await system!.storage
      .bucket(STORE_BUCKET)
      .get<{ value: Record<string, unknown>; enc?: unknown }>(['acme', 'i', 'crm', 'c1']);
    const stored = JSON.stringify(raw);
    for (const plain of ['jane.doe', 'example.com', '12345678']) expect(stored).not.toContain(plain);
    expect(raw?.value['colour']).toBe('green');
    expect((raw?.value['contacts'] as unknown[])[1]).toBe('no phone on weekends');
    expect(raw?.enc).toEqual(expect.arrayContaining([['note'], ['contacts', 0]]));
  });

  it('is not sealed when the pii detector is off', async () => {
    const store = await storeOf({ detectors: { pii: false } });
    await store.ask(STORE_PUT, { namespace: ['crm'], key: 'c1', value });
    const raw = await system!.storage.bucket(STORE_BUCKET).get<{ value: Record<string, unknown> }>(['acme', 'i', 'crm', 'c1']);
    expect(raw?.value).toEqual(value);
  });
});
