/** The mesh view (`/mesh`, `/mesh/events`) and run timelines (`/runs/{run_id}/timeline`) the console draws. */
export { meshRoute } from './route.js';
export type { MeshRoute } from './route.js';
export { MeshView } from './view.js';
export type { MeshNodeState, MeshNodeView, MeshSnapshot, MeshViewOptions } from './view.js';
export { MeshEventLog, MESH_EVENT_TYPES } from './events.js';
export type { MeshEvent, MeshEventType } from './events.js';
export { timelineRoute } from './timeline-route.js';
export { TimelineBuilder } from './timeline.js';
export type { TimelineSpan, SpanKind, RunSource } from './timeline.js';
