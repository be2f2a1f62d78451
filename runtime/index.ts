/** The kernel: actor system, refs, mailboxes, transports, clocks. Knows no actor kind. */
export { ActorSystem, DEFAULTS } from './system.js';
export type { SystemOptions, SystemDefaults, Escalation, LifecycleWatcher } from './system.js';
export { ActorRef } from './ref.js';
export { CHILD_FAILED, CHILD_EXITED } from './behavior.js';
export type { Behavior, ActorContext, ActorOptions, SpawnOptions, MessageOptions, ChildInfo, RestartType } from './behavior.js';
export type { Lifecycle, LifecycleFactory, LifecycleInfo, LifecycleInput, TransitionListener } from './lifecycle.js';
export { systemClock, SimulatedClock, flushMicrotasks } from './clock.js';
export type { Clock, TimerHandle } from './clock.js';
export { MemoryTransport, MemoryHub } from './memory-transport.js';
export type { MemoryTransportOptions } from './memory-transport.js';
export { MemoryDeadLetterStore } from './dead-letters.js';
export type { Transport, TransportContext, MailboxSink, Receipt, SendOptions, BindOptions, Binding, Subscription, DeadLetterStore, DeadLetterQuery } from './transport.js';
export { topicMatches, assertTopic, assertPattern } from './topics.js';
export { Deque } from './deque.js';
export { JetStreamTransport, JetStreamDeadLetterStore, Directory, MeshNames, idToken } from './jetstream/index.js';
export type { JetStreamTransportOptions, Lease, LeaseValue } from './jetstream/index.js';
