/** Tools: function tools, built-ins and MCP servers, each served by pool actors at `tool/<name>`. */
export * from './types.js';
export {
  defineTool,
  toolSpec,
  toolBehavior,
  spawnTool,
  toolAddress,
  toToolResult,
  isToolCallResult,
  assertToolName,
} from './function-tool.js';
export {
  toolActor,
  progressTopic,
  cancelTopic,
  errorResult,
  TokenBucket,
  DEFAULT_TOOL_TIMEOUT_MS,
  DEFAULT_IDEMPOTENT_RETRIES,
  TOOL_NAME,
} from './runner.js';
export type { ToolActorOptions, ToolImpl, ToolProgressEvent } from './runner.js';
export { clockTool, calculatorTool, builtinTools, configuredBuiltinTools, makeClockTool, readClock, isTimeZone } from './builtins.js';
export type { ClockReading } from './builtins.js';
export { evaluateExpression, CalculatorError, MAX_EXPRESSION_LENGTH, MAX_DEPTH } from './calculator.js';
export { attachMcpServer, mcpToolSpec } from './mcp.js';
export { asBlobItem, blobItemSchema, blobItemPart, resultText, storeResultMedia, toolResultMedia } from './media.js';
export type { BlobItem } from './media.js';
export { ToolResults, DEFAULT_RESULT_TTL_MS, RESULTS_BUCKET } from './results.js';
export type { McpServerSpec, McpStdioServerSpec, McpHttpServerSpec, AttachMcpOptions, McpAttachment } from './mcp.js';
export { toolKind, TOOL_FUNCTIONS, forwardMcpTool, attachConfiguredMcpServer, toolMedia } from './kind.js';
