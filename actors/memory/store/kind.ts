/**
 * The `memory` kind: the long-term store `memory/store` (LangGraph's store API), one activation
 * per tenant. Its vector index uses the shared embedder when `memory.store.index` names fields.
 */
import { STORE_ADDRESS } from '../../../protocols/index.js';
import type { Behavior } from '../../../runtime/index.js';
import type { BuiltKind, KindDescriptor, KindServices } from '../../kinds/index.js';
import { storeBehavior } from './behavior.js';
import { storeOptionsFromConfig } from './options.js';

const STORE_ID = STORE_ADDRESS.slice(STORE_ADDRESS.indexOf('/') + 1);

/** The per-tenant long-term store. */
export const storeKind: KindDescriptor = {
  name: 'memory',
  serves: STORE_ADDRESS.slice(0, STORE_ADDRESS.indexOf('/')),
  stateful: true,
  async build(services: KindServices): Promise<BuiltKind> {
    const memory = services.config.memory;
    const embedder = memory.store.index.length > 0 ? await services.embedder() : undefined;
    const store = storeBehavior(storeOptionsFromConfig(memory, embedder === undefined ? {} : { embedder })) as Behavior<unknown>;
    return { ids: () => [STORE_ID], behavior: () => store };
  },
};
