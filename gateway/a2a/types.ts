/**
 * A2A v1.0 wire shapes (ProtoJSON, as `@a2a-js/sdk` 1.x sends and reads them) — only the part
 * the gateway speaks: messages, tasks, stream events, the agent card, and the JSON-RPC error
 * codes. Incoming params are checked with zod; outgoing values are built to these types.
 */
import { z } from 'zod';

/** Task states (`TaskState` enum names on the wire). */
export const TASK_STATES = [
  'TASK_STATE_SUBMITTED',
  'TASK_STATE_WORKING',
  'TASK_STATE_COMPLETED',
  'TASK_STATE_FAILED',
  'TASK_STATE_CANCELED',
  'TASK_STATE_INPUT_REQUIRED',
  'TASK_STATE_REJECTED',
  'TASK_STATE_AUTH_REQUIRED',
] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** States after which a task never changes. */
export const TERMINAL_STATES: ReadonlySet<TaskState> = new Set([
  'TASK_STATE_COMPLETED',
  'TASK_STATE_FAILED',
  'TASK_STATE_CANCELED',
  'TASK_STATE_REJECTED',
]);

/** JSON-RPC error codes of the A2A binding (standard ones and A2A's own). */
export const A2A_ERRORS = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  TASK_NOT_FOUND: -32001,
  TASK_NOT_CANCELABLE: -32002,
  PUSH_NOTIFICATION_NOT_SUPPORTED: -32003,
  UNSUPPORTED_OPERATION: -32004,
  CONTENT_TYPE_NOT_SUPPORTED: -32005,
  VERSION_NOT_SUPPORTED: -32009,
} as const;

/** A part of a message or artifact: exactly one of text, raw (base64), url, data. */
export const partSchema = z.object({
  text: z.string().optional(),
  raw: z.string().optional(),
  url: z.string().optional(),
  data: z.unknown().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  filename: z.string().optional(),
  mediaType: z.string().optional(),
});
export type Part = z.infer<typeof partSchema>;

/** A message as a client sends it. */
export const messageSchema = z.object({
  messageId: z.string().min(1).max(256),
  contextId: z.string().max(128).optional(),
  taskId: z.string().max(128).optional(),
  role: z.union([z.enum(['ROLE_USER', 'ROLE_AGENT', 'ROLE_UNSPECIFIED']), z.number().int()]).optional(),
  parts: z.array(partSchema).min(1).max(1000),
  metadata: z.record(z.string(), z.unknown()).optional(),
  extensions: z.array(z.string()).optional(),
  referenceTaskIds: z.array(z.string()).optional(),
});
export type Message = z.infer<typeof messageSchema>;

/** Params of `SendMessage` / `SendStreamingMessage`. */
export const sendMessageParamsSchema = z.object({
  tenant: z.string().optional(),
  message: messageSchema,
  configuration: z
    .object({
      acceptedOutputModes: z.array(z.string()).optional(),
      historyLength: z.number().int().min(0).optional(),
      returnImmediately: z.boolean().optional(),
      taskPushNotificationConfig: z.unknown().optional(),
    })
    .optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type SendMessageParams = z.infer<typeof sendMessageParamsSchema>;

/** Params of `GetTask`. */
export const getTaskParamsSchema = z.object({
  tenant: z.string().optional(),
  id: z.string().min(1).max(128),
  historyLength: z.number().int().min(0).optional(),
});

/** Params of `CancelTask`. */
export const cancelTaskParamsSchema = z.object({
  tenant: z.string().optional(),
  id: z.string().min(1).max(128),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

/** Params of `SubscribeToTask`. */
export const subscribeParamsSchema = z.object({ tenant: z.string().optional(), id: z.string().min(1).max(128) });

/** A task's status. */
export interface TaskStatus {
  readonly state: TaskState;
  readonly message?: Message;
  readonly timestamp: string;
}

/** An output of a task. */
export interface Artifact {
  readonly artifactId: string;
  readonly name?: string;
  readonly description?: string;
  readonly parts: Part[];
  readonly metadata?: Record<string, unknown>;
}

/** A task (one run of an agent). */
export interface Task {
  readonly id: string;
  readonly contextId: string;
  readonly status: TaskStatus;
  readonly artifacts?: Artifact[];
  readonly history?: Message[];
  readonly metadata?: Record<string, unknown>;
}

/** A status change on the stream. */
export interface TaskStatusUpdateEvent {
  readonly taskId: string;
  readonly contextId: string;
  readonly status: TaskStatus;
  readonly metadata?: Record<string, unknown>;
}

/** An artifact chunk on the stream (`append`: add to the artifact; `lastChunk`: it is complete). */
export interface TaskArtifactUpdateEvent {
  readonly taskId: string;
  readonly contextId: string;
  readonly artifact: Artifact;
  readonly append?: boolean;
  readonly lastChunk?: boolean;
  readonly metadata?: Record<string, unknown>;
}

/** One event of `SendStreamingMessage` (exactly one field set). */
export type StreamResponse =
  | { readonly task: Task }
  | { readonly message: Message }
  | { readonly statusUpdate: TaskStatusUpdateEvent }
  | { readonly artifactUpdate: TaskArtifactUpdateEvent };

/** A skill of the agent card (one per mesh agent). */
export interface AgentSkill {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly tags: string[];
  readonly examples?: string[];
  readonly inputModes?: string[];
  readonly outputModes?: string[];
}

/** The agent card (`/.well-known/agent-card.json`), A2A v1.0. */
export interface AgentCard {
  readonly name: string;
  readonly description: string;
  readonly supportedInterfaces: { readonly url: string; readonly protocolBinding: string; readonly protocolVersion: string }[];
  readonly provider?: { readonly organization: string; readonly url: string };
  readonly version: string;
  readonly documentationUrl?: string;
  readonly capabilities: { readonly streaming: boolean; readonly pushNotifications: boolean; readonly extendedAgentCard: boolean };
  readonly securitySchemes?: Record<string, unknown>;
  readonly securityRequirements?: { readonly schemes: Record<string, { readonly list: string[] }> }[];
  readonly defaultInputModes: string[];
  readonly defaultOutputModes: string[];
  readonly skills: AgentSkill[];
}
