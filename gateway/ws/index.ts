/** WebSocket conversations at `/ws` (docs/gateway-websocket.md). */
export { WsGateway } from './ws-server.js';
export { Session, FRAME_PERMISSIONS } from './session.js';
export { RunStream, TERMINAL_STATUSES } from './run-stream.js';
export type { RunSink } from './run-stream.js';
export { Outbox } from './outbox.js';
export { CLOSE, clientFrame, frameCode } from './frames.js';
export type { ClientFrame, ErrorFrame } from './frames.js';
export { DEFAULT_WS_LIMITS } from './context.js';
export type { WsLimits, WsContext } from './context.js';
