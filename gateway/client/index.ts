/** `troupe/client`: a typed `/ws` client for conversations with a Troupe gateway, with automatic resume. */
export { TroupeClient, Conversation, GatewayError, wsUrl } from './client.js';
export type { ClientOptions, RunOutcome } from './client.js';
export { isTerminal } from './frames.js';
export type * from './frames.js';
