/** The NATS JetStream transport and its directory (leases, pools). */
export { JetStreamTransport } from './transport.js';
export type { JetStreamTransportOptions } from './transport.js';
export { Directory } from './directory.js';
export type { Lease, LeaseValue } from './directory.js';
export { JetStreamDeadLetterStore } from './dead-letters.js';
export { MeshNames, idToken } from './subjects.js';
export { KvMembership } from './membership.js';
export type { MembershipOptions } from './membership.js';
export { KvStateStore } from './state-store.js';
