/**
 * The `memory` kind: the long-term store `memory/store` (LangGraph's store API), one activation
 * per tenant. Its vector index uses the shared embedder when `memory.store.index` names fields.
 */
import { STORE_ADDRESS } from '../../../protocols/index.js';
import type { Behavior } from '../../../runtime/index.js';
import { contributionKey, type BuiltKind, type KindDescriptor, type KindServices } from '../../kinds/index.js';
import { storeBehavior } from './behavior.js';
import { storeOptionsFromConfig } from './options.js';
import type { PiiScan } from './sensitive.js';

const STORE_ID = STORE_ADDRESS.slice(STORE_ADDRESS.indexOf('/') + 1);

/**
 * Scans that find personal data in a store value's string fields (the guardrail kind contributes its `pii` detector):
 * with an encryption key, every field one of them finds something in is sealed at rest like a configured sensitive field.
 */
export const STORE_PII = contributionKey<PiiScan>('memory.store.pii');

/** The per-tenant long-term store. */
export const storeKind: KindDescriptor = {
  name: 'memory',
  serves: STORE_ADDRESS.slice(0, STORE_ADDRESS.indexOf('/')),
  stateful: true,
  async build(services: KindServices): Promise<BuiltKind> {
    const memory = services.config.memory;
    const embedder = memory.store.index.length > 0 ? await services.embedder() : undefined;
    const scans = services.contributions.get(STORE_PII);
    const pii: PiiScan | undefined = scans.length === 0 ? undefined : (text) => scans.some((scan) => scan(text));
    const extra = { ...(embedder === undefined ? {} : { embedder }), ...(pii === undefined ? {} : { pii }) };
    const store = storeBehavior(storeOptionsFromConfig(memory, extra)) as Behavior<unknown>;
    return { ids: () => [STORE_ID], behavior: () => store };
  },
};
