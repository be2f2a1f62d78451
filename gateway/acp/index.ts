/** ACP at `/acp`: the LangGraph Server API subset, for `@langchain/langgraph-sdk` clients. */
export { acpRoute, ACP_TABLE } from './route.js';
export type { AcpRouteOptions } from './route.js';
export { toResumeValue, STREAM_MODES } from './schemas.js';
export type { StreamMode } from './schemas.js';
export { RunTranslator, parseEventId } from './translate.js';
export { SseStream } from './sse.js';
export type { SseEvent, LgInterrupt } from './translate.js';
export { messageId, toLgMessage, toValues, parseInputMessages } from './messages.js';
export type { LgMessage, InputMessage } from './messages.js';
