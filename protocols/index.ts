/** Wire contracts: envelope, addresses, errors, mesh events, ACP runs/threads/store, chat and tool shapes, and the codec. No I/O here. */
export { addressSchema, tenantSchema, isAddress, parseAddress, formatAddress, kindOf, topicAddress, DEFAULT_TENANT } from './address.js';
export type { AddressParts } from './address.js';
export { envelopeSchema, messageTypeSchema, traceparentSchema, REPLY_TYPE } from './envelope.js';
export type { Envelope } from './envelope.js';
export { Codec, codec, formatIssues } from './codec.js';
export type { CodecOptions } from './codec.js';
export { idGenerator, newTraceparent, childTraceparent } from './ids.js';
export { backoffDelay } from './backoff.js';
export { eachLimited } from './limited.js';
export type { BackoffOptions as BackoffCurve } from './backoff.js';
export {
  ERROR_CODES,
  wireErrorSchema,
  TroupeError,
  DecodeError,
  EncodeError,
  ValidationError,
  NoRecipientError,
  MailboxFullError,
  DeadlineExceededError,
  HandlerError,
  PoisonMessageError,
  ActorStoppedError,
  SystemStoppedError,
  CancelledError,
  ConflictError,
  TooLargeError,
  NotFoundError,
  UnauthorizedError,
  ForbiddenError,
  RateLimitedError,
  BudgetExceededError,
  UnavailableError,
  isTroupeError,
  toWireError,
  fromWireError,
} from './errors.js';
export type { ErrorCode, WireError } from './errors.js';
export {
  LIFECYCLE_STATES,
  LIFECYCLE_TYPE,
  LIFECYCLE_TOPIC,
  lifecycleEventSchema,
  DEAD_LETTER_REASONS,
  DEAD_LETTER_TOPIC,
  deadLetterSchema,
  replyPayloadSchema,
  SYSTEM_EVENTS,
  MAX_DEAD_LETTER_PAGE,
  deadLetterQuerySchema,
  nodeEventSchema,
  actorEventSchema,
  healthEventSchema,
} from './mesh.js';
export type {
  LifecycleState,
  LifecycleEvent,
  DeadLetterReason,
  DeadLetter,
  ReplyPayload,
  NodeEvent,
  ActorEvent,
  HealthEvent,
  DeadLetterListQuery,
} from './mesh.js';
export {
  RUN_CREATE,
  RUN_RESUME,
  RUN_CANCEL,
  RUN_WAIT,
  RUN_CONTINUE,
  RUN_STATUSES,
  TERMINAL_RUN_STATUSES,
  RUN_EVENT_KINDS,
  runTopic,
  runEventSchema,
  inputMessageSchema,
  runCreateSchema,
  runResumeSchema,
  runCancelSchema,
  runContinueSchema,
  TOPIC_MESSAGE,
  agentMessageSchema,
} from './acp.js';
export type { RunStatus, RunEventKind, RunEvent, RunCreate, RunResume, RunContinue, RunOutcome, AgentMessage } from './acp.js';
export {
  STORE_ADDRESS,
  STORE_PUT,
  STORE_GET,
  STORE_DELETE,
  STORE_SEARCH,
  STORE_NAMESPACES,
  STORE_LIMITS,
  STORE_DEFAULTS,
  namespaceLabelSchema,
  namespaceSchema,
  namespacePatternSchema,
  itemKeySchema,
  itemValueSchema,
  storePathBytes,
  storePutSchema,
  STORE_CHANGED_TOPIC,
  storeGetSchema,
  storeGetQuerySchema,
  storeDeleteSchema,
  storeFilterSchema,
  storeSearchSchema,
  storeNamespacesSchema,
  storeItemSchema,
  storeSearchItemSchema,
} from './store.js';
export type {
  StorePut,
  StoreChange,
  StoreGet,
  StoreDelete,
  StoreSearch,
  StoreNamespaces,
  StoreItem,
  StoreSearchItem,
  StorePutReply,
  StoreGetReply,
  StoreDeleteReply,
  StoreSearchReply,
  StoreNamespacesReply,
} from './store.js';
export { CLIENT_LIMITS, FORBIDDEN_KEYS, inspectWireValue, assertWireValue, parseWireJson } from './limits.js';
export type { WireLimits, WireProblem } from './limits.js';
export {
  REDACTED_MARK,
  MIN_SECRET_LENGTH,
  MAX_PRESENTED_SECRETS,
  secretForms,
  registerSecret,
  registerPresentedSecret,
  secretCount,
  clearSecrets,
  scrubSecrets,
  scrubbedMessage,
  watchSecrets,
} from './secrets.js';
export type { SecretListener } from './secrets.js';
export {
  THREAD_CREATE,
  THREAD_PATCH,
  THREAD_DELETE,
  THREAD_COPY,
  THREAD_CLAIM,
  THREAD_CHECKPOINT,
  THREAD_STATUS,
  THREAD_KIND,
  THREAD_SHARDS,
  threadOwnerAddress,
  threadShardId,
  threadCreateSchema,
  threadPatchSchema,
  threadDeleteSchema,
  threadCopySchema,
  threadClaimSchema,
  threadCheckpointWriteSchema,
  threadStatusWriteSchema,
  runDriverSchema,
} from './threads.js';
export type {
  ThreadCreate,
  ThreadPatch,
  ThreadDelete,
  ThreadCopy,
  ThreadClaim,
  ThreadCheckpointWrite,
  ThreadStatusWrite,
  ThreadWriteReply,
} from './threads.js';
export { CHAT_ROLES, readonlyArray, toolCallSchema, chatMessageSchema, toolSpecSchema, usageSchema } from './chat.js';
export type { ChatRole, ToolCall, ChatMessage, ToolSpec, Usage } from './chat.js';
export {
  toolCallRequestSchema,
  toolContentSchema,
  toolCallResultSchema,
  toolProgressSchema,
  IDEMPOTENCY_META_KEY,
  idempotencyKey,
} from './tools.js';
export type { ToolCallRequest, ToolContent, ToolCallResult, ToolProgress } from './tools.js';
export {
  THREAD_STATUSES,
  threadStatusSchema,
  pendingInterruptSchema,
  threadRecordSchema,
  threadCheckpointSchema,
  runRecordSchema,
  pendingCallsSchema,
  reviewWaitSchema,
  runCheckpointSchema,
} from './records.js';
export type {
  WithReadonly,
  ThreadStatus,
  PendingInterrupt,
  ThreadRecord,
  ThreadCheckpoint,
  RunRecord,
  PendingCalls,
  ReviewWait,
  RunCheckpoint,
} from './records.js';
export {
  tokenDataSchema,
  messageDataSchema,
  toolCallDataSchema,
  toolResultDataSchema,
  handoffDataSchema,
  approvalInterruptSchema,
  interruptDataSchema,
  runUsageSchema,
  statusDataSchema,
  rewindDataSchema,
  runEventDataSchemas,
  typedRunEventSchema,
} from './run-events.js';
export type { RunEventData, TypedRunEvent } from './run-events.js';
export {
  GUARD_STAGES,
  GUARD_ACTIONS,
  guardStageSchema,
  guardActionSchema,
  findingSchema,
  guardCheckRequestSchema,
  guardCheckResultSchema,
  MAX_GUARD_TEXT,
  GUARD_CHECK,
  guardActorRequestSchema,
  guardDecisionSchema,
  guardVerdictSchema,
  guardAuditRecordSchema,
  guardAuditQuerySchema,
  MAX_AUDIT_PAGE,
  GUARD_DECISIONS_METER,
} from './guardrails.js';
export type {
  GuardStage,
  GuardAction,
  Finding,
  GuardCheckRequest,
  GuardCheckResult,
  GuardActorRequest,
  GuardDecision,
  GuardVerdict,
  GuardAuditRecord,
  GuardAuditQuery,
  GuardAuditPage,
} from './guardrails.js';
export {
  FEEDBACK_ADDRESS,
  FEEDBACK_ADD,
  FEEDBACK_LIST,
  FEEDBACK_STATS,
  FEEDBACK_LIMITS,
  feedbackInputSchema,
  feedbackRecordSchema,
  feedbackAddSchema,
  feedbackListSchema,
  feedbackStatsSchema,
  templateRefSchema,
} from './feedback.js';
export type { FeedbackInput, FeedbackRecord, FeedbackAdd, FeedbackAggregate, TemplateRef } from './feedback.js';
export {
  EXPERIMENT_ID,
  EXPERIMENT_CREATE,
  EXPERIMENT_GET,
  EXPERIMENT_STOP,
  EXPERIMENT_PROMOTE,
  EXPERIMENT_REWARD,
  EXPERIMENT_ASSIGNED,
  EXPERIMENT_STATUSES,
  EXPERIMENTS_TOPIC_PATTERN,
  experimentAddress,
  experimentTopic,
  experimentCreateSchema,
  experimentRewardSchema,
  experimentAssignedSchema,
  experimentPromoteSchema,
  experimentCreateMessageSchema,
  EXPERIMENT_SCHEMAS,
} from './experiments.js';
export {
  OPTIMIZE_CREATE,
  OPTIMIZE_GET,
  OPTIMIZE_CANCEL,
  OPTIMIZE_RESUME,
  OPTIMIZE_SCHEMAS,
  optimizationAddress,
  optimizationTopic,
  optimizeCreateSchema,
  optimizeCreateMessageSchema,
} from './optimize.js';
export type { OptimizeCreate, OptimizeCreateInput, OptimizeStatus, OptimizeCandidate, OptimizeRecord, OptimizeEvent } from './optimize.js';
export type {
  ExperimentCreate,
  ExperimentCreateInput,
  ExperimentStatus,
  ArmModel,
  ExperimentArm,
  ExperimentRecord,
  ExperimentReward,
  ExperimentAssigned,
  ExperimentEvent,
  ExperimentEventType,
} from './experiments.js';
export {
  PROMPT_NAME,
  MODEL_PARAM_NAMES,
  VARIABLE_TYPES,
  modelParamsSchema,
  variableSpecSchema,
  promptSectionSchema,
  templateBodySchema,
  templateVersionSchema,
  templateConfigSchema,
  personaSchema,
  promptRefSchema,
  parsePromptRef,
  renderedPromptSchema,
  runOptionsSchema,
  runOptionsFrom,
} from './prompts.js';
export type {
  ModelParams,
  VariableType,
  VariableSpec,
  PromptSection,
  TemplateBody,
  TemplateVersion,
  TemplateConfig,
  Persona,
  PromptRef,
  RenderedPrompt,
  RunOptions,
} from './prompts.js';
export { TemplateSyntaxError, parseTemplate, lineColumn } from './prompt-syntax.js';
export type { TemplateShape } from './prompt-syntax.js';
export { PROFILE_LIMITS, profileBodySchema, profilePatchSchema, profileUserSchema } from './profiles.js';
export type { Profile, ProfileBody, ProfilePatch } from './profiles.js';
