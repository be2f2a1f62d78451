/**
 * Remote agents: an agent that lives behind another A2A server (its agent card URL in config),
 * served at `agent/<name>` with a local agent's run contract — docs/remote-agents.md. The folder
 * exports one kind descriptor, {@link remoteKind} (docs/adding-a-kind.md).
 */
export { remoteBehavior } from './behavior.js';
export type { RemoteAgentDefinition, RemoteState } from './behavior.js';
export { transcript } from './client.js';
export type { RemoteTarget } from './client.js';
export type { RemoteCheckpoint, RemoteTaskRef } from './host.js';
export { remoteKind, remoteDefinition } from './kind.js';
export type { RemoteKindServices } from './kind.js';
