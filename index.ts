/** Troupe's public entry: the layers' public surfaces, by name. */
export * as protocols from './protocols/index.js';
export { startSystem, ActorRef, MemoryTransport, MemoryHub, SimulatedClock, systemClock } from './runtime/index.js';
export type { ActorSystem, Behavior, ActorContext, SpawnOptions, MessageOptions, Transport, Clock } from './runtime/index.js';
export { createSystem, supervisor } from './supervisors/index.js';
export type { SupervisorSpec, ChildSpec, Strategy, CreateSystemOptions } from './supervisors/index.js';
export { loadConfig, configSchema, ConfigError } from './config/index.js';
export type { TroupeConfig } from './config/index.js';
