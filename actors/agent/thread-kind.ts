/**
 * The `thread` kind (ADR 0018): the owners that make every change of a tenant's threads, `thread/s00` …
 * `thread/s15`, stateful (one activation in the mesh each). Hosted wherever agents are, so a node running
 * agents always has somewhere to put a thread's owner.
 */
import { THREAD_KIND, THREAD_SHARDS, threadShardId } from '../../protocols/index.js';
import type { Behavior } from '../../runtime/index.js';
import type { BuiltKind, KindDescriptor } from '../kinds/index.js';
import { threadOwnerBehavior } from './threads.js';

const SHARDS: readonly string[] = Array.from({ length: THREAD_SHARDS }, (_, i) => threadShardId(i));

/** The thread owners of every tenant. */
export const threadKind: KindDescriptor = {
  name: THREAD_KIND,
  serves: THREAD_KIND,
  stateful: true,
  hostedWith: ['agent', 'remote'],
  build(): BuiltKind {
    return {
      ids: () => SHARDS,
      behavior: (): Behavior<unknown> => threadOwnerBehavior() as Behavior<unknown>,
    };
  },
};
