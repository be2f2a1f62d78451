// Public surface of troupe/config: the schema, its types, the loader and its error.
export { configSchema, gatewayRoles, logLevels } from './schema.js';
export type { TroupeConfig, TransportConfig, LogLevel } from './schema.js';
export { mediaSchema } from './media.js';
export type { MediaConfig } from './media.js';
export { loadConfig, envVars } from './load.js';
export type { LoadConfigOptions, EnvVarParse } from './load.js';
export { ConfigError, isConfigError, formatConfigIssue } from './errors.js';
export type { ConfigIssue, ConfigSource } from './errors.js';
export {
  agentConfigSchema,
  remoteAgentSchema,
  mcpServerConfigSchema,
  collectionConfigSchema,
  agentsSchema,
  DEFAULT_AGENTS,
} from './agents.js';
export type { AgentConfig, McpServerConfig, CollectionConfig } from './agents.js';
export { SECRET_PLACEHOLDER, SECRET_ENV_VARS, isSecretField, redactConfig, configSecrets } from './secrets.js';
export {
  guardrailsSchema,
  guardRuleSchema,
  customDetectorSchema,
  compileGuardCondition,
  guardConditionEnvironment,
  patternProblem,
  hasNestedQuantifier,
  MAX_PATTERN_LENGTH,
} from './guardrails.js';
export type {
  GuardrailsConfig,
  GuardRuleConfig,
  GuardStageConfig,
  GuardScopeConfig,
  CustomDetectorConfig,
  GuardCondition,
} from './guardrails.js';
export { promptsSchema, personasSchema, BUILTIN_VARIABLES, matchesType, findCycle } from './prompts.js';
export type { ConfiguredTemplate } from './prompts.js';
export { cacheSchema } from './cache.js';
export { contextSchema, agentContextSchema, contextProviderSchema } from './context.js';
export type { AgentContextConfig, ContextProviderConfig } from './context.js';
export { rulesSchema, ruleSchema, ruleActionSchema, compileRuleCondition, ruleEnvironment } from './rules.js';
export type { RuleConfig, RuleAction, RuleCondition } from './rules.js';
export { celEnvironment, compileCel } from './cel.js';
export type { CelType, CelProgram } from './cel.js';
export {
  workflowsSchema,
  workflowSchema,
  workflowStepSchema,
  workflowInputSchema,
  retrySchema,
  durationSchema,
  checkWorkflowTargets,
  workflowWebhooks,
  triggerSchema,
  STEP_ID,
} from './workflows.js';
export type { WorkflowDefinition, WorkflowStep, RetryConfig, WorkflowTargets } from './workflows.js';
export { checkWorkflow, stepKind, handlerSources } from './workflow-check.js';
export type { WorkflowProblem } from './workflow-check.js';
export { compileWorkflowExpr, splitTemplate, templateExpressions, stepReferences } from './workflow-expr.js';
export type { TemplatePart } from './workflow-expr.js';
export {
  blueprintManifestSchema,
  checkBlueprint,
  parseManifest,
  manifestFile,
  missingRequirements,
  satisfies,
  blueprintJsonSchema,
  bundleDigest,
  sha256,
  formatBlueprintIssue,
  BlueprintError,
  MANIFEST_FILES,
  BLUEPRINT_NAME,
  PART_NAME,
  MAX_BUNDLE_BYTES,
  MAX_BUNDLE_FILES,
} from './blueprint.js';
export type {
  BlueprintManifest,
  BundleFiles,
  BlueprintIssue,
  BlueprintTool,
  BlueprintPack,
  BlueprintEval,
  CheckedBlueprint,
} from './blueprint.js';
