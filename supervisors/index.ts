/** Supervision trees and the XState lifecycle machine every actor runs. */
export { lifecycleMachine, lifecycleEdges, xstateLifecycle } from './lifecycle-machine.js';
export { supervisor, WHICH_CHILDREN, subtreeAlarmKey } from './supervisor.js';
export type { Strategy, ChildSpec, SupervisorSpec, SupervisorState, RootPolicy } from './supervisor.js';
export { backoffDelay, RestartWindow } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
export { createSystem, rootSupervisorAddress, tenantSupervisorAddress, transportFor } from './create-system.js';
export type { CreateSystemOptions } from './create-system.js';
