/**
 * Guardrails: detectors behind one interface, custom regex/keyword and module detectors, the policy engine (CEL rules,
 * per-stage defaults, fail-open/closed), the stream guard, reversible pseudonymisation, the audit log, the pooled
 * guardrail actors and their kind (docs/guardrails.md, ADR 0019).
 */
export type { Detector, DetectContext } from './detector.js';
export { isDetector, makeRegistered } from './registry.js';
export type { DetectorFactory, DetectorRegistry } from './registry.js';
export { BUILTIN_DETECTORS } from './builtin.js';
export { patternDetector, moduleDetector, customDetectors, MAX_SCAN_CHARS } from './custom.js';
export { GuardPolicy, DEFAULT_RULES, STAGE_DEFAULTS, mostSevere, severity } from './policy.js';
export type { StagePolicy, StageSettings, PolicySubject, RuleChoice, PseudonymiseSettings } from './policy.js';
export { GuardEngine, DETECTOR_ERROR, spanHash } from './engine.js';
export type { GuardCheck, GuardEngineOptions } from './engine.js';
export { applySpans, mergeSpans, maskValue, redactLabel, cleanFindings } from './transform.js';
export type { Span } from './transform.js';
export { Pseudonyms, PLACEHOLDER } from './pseudonyms.js';
export { StreamGuard, GuardBlockedError } from './stream.js';
export type { StreamGuardOptions, StreamEnd } from './stream.js';
export { AuditLog, AUDIT_BUCKET, auditId } from './audit.js';
export type { AuditSink } from './audit.js';
export { runGuard } from './run-guard.js';
export type { RunGuardOptions } from './run-guard.js';
export { guardrailBehavior, GUARDRAIL_ID } from './behavior.js';
export { guardEngineFor, guardrailKind, guardrailKindWith, makeGuardEngine } from './kind.js';
export { redactPersonalData, LOG_REDACTION_MODULE, LOG_TEXT_CHARS } from './log-redaction.js';
