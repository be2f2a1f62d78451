/**
 * The kernel: actor system, refs, mailboxes, the in-memory transport and storage, clocks. Knows no
 * actor kind, and loads neither NATS nor lmdb (ADR 0014): JetStream lives in `runtime/jetstream/index.ts`,
 * lmdb in `runtime/lmdb/index.ts`; `openStorage` loads them only when config asks for them.
 */
export type { ActorSystem, SystemStats } from './actor-system.js';
export { startSystem } from './start-system.js';
export type { GuardianSpec } from './start-system.js';
export { DEFAULTS } from './system-options.js';
export type { SystemOptions, SystemDefaults, Escalation, LifecycleWatcher } from './system-options.js';
export { ActorRef } from './ref.js';
export { CHILD_FAILED, CHILD_EXITED, DeferredReply, replyLater } from './behavior.js';
export type { Behavior, ActorContext, ActorOptions, SpawnOptions, MessageOptions, ChildInfo, RestartType } from './behavior.js';
export type { Lifecycle, LifecycleFactory, LifecycleInfo, LifecycleInput, TransitionListener } from './lifecycle.js';
export { systemClock, SimulatedClock, flushMicrotasks } from './clock.js';
export type { Clock, TimerHandle } from './clock.js';
export { MemoryTransport, MemoryHub } from './memory-transport.js';
export type { MemoryTransportOptions } from './memory-transport.js';
export { MemoryDeadLetterStore, StorageDeadLetterStore, matchesDeadLetter } from './dead-letters.js';
export type {
  Transport,
  TransportContext,
  MailboxSink,
  Receipt,
  SendOptions,
  BindOptions,
  Binding,
  ReleaseMode,
  Subscription,
  DeadLetterStore,
  DeadLetterQuery,
  StoredDeadLetter,
  RedriveMark,
} from './transport.js';
export { topicMatches, assertTopic, assertPattern } from './topics.js';
export { Deque } from './deque.js';
export { MeshNode, rankHosts, NODE_ACTIVATE, NODE_DRAIN } from './node.js';
export type { KindSpec, MeshNodeOptions } from './node.js';
export { NODE_STATS, nodeStats } from './node-stats.js';
export type { ActorStat, NodeStats } from './node-stats.js';
export type { ClusterServices, Membership, MembershipEvent, NodeInfo, StateStore, StoredSnapshot, LeaseInfo, PoolInfo } from './cluster.js';
export { MemoryStorage, openStorage, storageKindFor, seqKey, compareKeys, hasPrefix, fenceEpoch } from './storage/index.js';
export type { Storage, KvBucket, StorageKey, StorageEntry, StorageConfig, StorageKind, OpenStorageOptions } from './storage/index.js';
export {
  BlobStore,
  BLOB_BUCKET,
  sha256Hex,
  blobRef,
  DEFAULT_MEDIA_POLICY,
  admitParts,
  inspectMedia,
  mimeAllowed,
  normalMime,
} from './storage/index.js';
export type { BlobMeta, BlobStoreOptions, BlobBackend, MediaPolicy, MediaFacts } from './storage/index.js';
/** @internal For the kernel's tests only. */
export { inspectCell } from './testing.js';
export { AlarmBoard, ALARM_TOPIC } from './alarms.js';
export type { Alarm, AlarmEvent } from './alarms.js';
export { Meter, METER } from './meter.js';
export { redriveDeadLetter, redriveEnvelope } from './redrive.js';
export type { RedriveResult } from './redrive.js';
export type { MeterLabels, MeterWatcher } from './meter.js';
export { closeLogger, createLogger, silentLogger, scrubLogValue } from './log.js';
export type { Logger, LogLevel, LogOptions } from './log.js';
export { startTracing, stopTracing, flushTracing, startSpan, tracingEnabled, tracesExporters, NOOP_SPAN } from './tracing.js';
export type { TraceSpan, SpanOptions, SpanAttributes, SpanValue, SpanKindName, TracingOptions } from './tracing.js';
