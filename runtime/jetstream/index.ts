/**
 * The NATS JetStream mesh: transport, directory (leases, pools), membership, fenced state and KV storage.
 * An entry point of its own, so the embedded kernel does not load `@nats-io/*` (ADR 0014).
 */
export { JetStreamTransport } from './transport.js';
export type { JetStreamTransportOptions } from './options.js';
export { Directory } from './directory.js';
export type { Lease, LeaseValue, Liveness } from './directory.js';
export { JetStreamDeadLetterStore } from './dead-letters.js';
export { MeshNames, idToken, tokenId } from './subjects.js';
export { KvMembership } from './membership.js';
export type { MembershipOptions } from './membership.js';
export { KvStateStore } from './state-store.js';
export { casCreate, casPublish, casPut } from './cas.js';
export type { CasOptions } from './cas.js';
export { JetStreamStorage, encodeKvKey, decodeKvKey } from '../storage/jetstream.js';
export type { JetStreamStorageOptions } from '../storage/jetstream.js';
export { blobObjectName } from '../storage/jetstream-blobs.js';
export {
  JsErrCode,
  jsApiCode,
  isWrongLastSequence,
  CasLostError,
  isPerSubjectLimit,
  isStreamExists,
  isConsumerExists,
  isNotFound,
  isTooLarge,
  isTransient,
  isSubjectOverlap,
} from './errors.js';
