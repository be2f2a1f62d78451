// The one Troupe configuration schema. Every field has a default, so `configSchema.parse({})`
// is the embedded mode: in-process memory transport, no NATS, no API keys.
// Custom error texts start with "expected ..." so errors.ts can append what was received.
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { DEFAULT_ALLOWED_MIME } from '../protocols/index.js';
import { guardrailsSchema } from './guardrails.js';
import { cacheSchema } from './cache.js';
import { contextSchema } from './context.js';
import { rulesSchema } from './rules.js';
import { checkWorkflowTargets, workflowsSchema } from './workflows.js';
import { agentsSchema, collectionConfigSchema, mcpServerConfigSchema } from './agents.js';
import { personasSchema, promptsSchema } from './prompts.js';

/** An integer field constrained to [min, max]; the error text names the range. */
function int(min: number, max?: number) {
  const expected = max === undefined ? `expected an integer >= ${min}` : `expected an integer from ${min} to ${max}`;
  const base = z.int({ error: expected }).min(min, { error: expected });
  return max === undefined ? base : base.max(max, { error: expected });
}

/** A finite number constrained to [min, max]; the error text names the range. */
function num(min: number, max?: number) {
  const expected = max === undefined ? `expected a number >= ${min}` : `expected a number from ${min} to ${max}`;
  const base = z.number({ error: expected }).min(min, { error: expected });
  return max === undefined ? base : base.max(max, { error: expected });
}

/** A non-empty string. */
const text = () => z.string({ error: 'expected a non-empty string' }).min(1, { error: 'expected a non-empty string' });

/** A budget: tokens (input plus output) and/or cost (in the prices' currency) over one period. */
const budgetLimit = z.strictObject({ tokens: int(0).optional(), cost: num(0).optional() });

/**
 * Roles a gateway API key or token may carry (gateway/types.ts `ROLES`); what each may do is the
 * permission matrix in gateway/auth/permissions.ts (docs/permissions.md).
 */
export const gatewayRoles = ['admin', 'operator', 'developer', 'user', 'agent', 'viewer'] as const;

/** Log levels, most to least verbose; `silent` turns logging off. */
export const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const;

/** A NATS server URL, e.g. `nats://127.0.0.1:4222`. */
const natsUrl = z.url({ protocol: /^nats$/, error: 'expected a nats:// URL' });

/** In-process transport: every actor lives in this process (the embedded default). */
const memoryTransport = z.strictObject({ kind: z.literal('memory') });

/** NATS JetStream transport: durable mailboxes shared by a cluster of nodes. */
const jetstreamTransport = z.strictObject({
  kind: z.literal('jetstream'),
  servers: z.array(natsUrl, { error: 'expected an array of nats:// URLs' }).min(1, {
    error: 'expected at least one nats:// server URL',
  }),
  /** Replicas of streams and buckets; absent: 1 on a single server, 3 when the server is part of a cluster. */
  streamReplicas: int(1, 5).optional(),
  /** Names the mesh's streams, subjects and buckets; meshes with different prefixes share a server without seeing each other. */
  prefix: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,31}$/, { error: 'expected a lowercase name: [a-z][a-z0-9_-]{0,31}' })
    .default('troupe'),
  /** Lease lifetime of a single activation; an owner silent this long is replaced. */
  leaseTtlMs: int(500).default(3000),
  /** Membership heartbeat period and the silence after which a node is declared dead. */
  heartbeatMs: int(50).default(1000),
  deadAfterMs: int(200).default(3000),
  /** Redelivery delay of an unacked pool message whose holder went silent. */
  ackWaitMs: int(500).default(10_000),
  name: text().optional(),
  token: text().optional(),
  user: text().optional(),
  pass: text().optional(),
});

/** Stands in for secret input in config issues. */
const REDACTED = '(redacted)';

/** True for 32 bytes written as 64 hex digits or as base64 (the AES-256 key format). */
function isEncryptionKey(s: string): boolean {
  const t = s.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return true;
  return /^[A-Za-z0-9+/_-]{43}={0,1}$/.test(t) && Buffer.from(t, 'base64').length === 32;
}

/** The validated Troupe runtime configuration; `.strict()` objects, so unknown keys (typos) are errors. */
const configObject = z.strictObject({
  /** This node's identity: `id`/`host` are resolved at startup when empty; `kinds` empty means every kind. */
  node: z
    .strictObject({
      id: z.string().default(''),
      host: z.string().default(''),
      kinds: z.array(text()).default(() => []),
    })
    .prefault({}),
  /** How envelopes move between actors. */
  transport: z.discriminatedUnion('kind', [memoryTransport, jetstreamTransport]).prefault({ kind: 'memory' }),
  /** Per-actor mailbox limits and delivery policy. */
  mailbox: z
    .strictObject({
      capacity: int(1).default(1024),
      blockTimeoutMs: int(0).default(5000),
      maxDeliveries: int(1).default(3),
      handlerTimeoutMs: int(1).default(30_000),
      dedupWindow: int(0).default(10_000),
      /**
       * Stateful actors that may sleep (agents, thread owners) are passivated after this long without a message:
       * snapshot, lease released, memory freed; the next message activates them again on any node (ADR 0036). 0: never.
       */
      idleTimeoutMs: int(0).default(300_000),
    })
    .prefault({}),
  /** Request/response defaults. */
  ask: z.strictObject({ defaultTimeoutMs: int(1).default(5000) }).prefault({}),
  /** The dead-letter ring buffer. */
  deadLetters: z.strictObject({ capacity: int(1).default(10_000) }).prefault({}),
  /** Restart intensity and backoff for supervisors. */
  supervision: z
    .strictObject({
      maxRestarts: int(0).default(3),
      withinMs: int(1).default(5000),
      backoff: z
        .strictObject({
          initialMs: int(1).default(10),
          maxMs: int(1).default(5000),
          multiplier: num(1).default(2),
          jitter: num(0, 1).default(0.2),
        })
        .superRefine((b, ctx) => {
          if (b.maxMs < b.initialMs) {
            ctx.addIssue({
              code: 'custom',
              path: ['maxMs'],
              input: b.maxMs,
              message: `expected an integer >= backoff.initialMs (${b.initialMs})`,
            });
          }
        })
        .prefault({}),
      /** How the root treats a subtree (a tenant's supervisor) that fails past its restart intensity. */
      root: z
        .strictObject({
          /** Delay before restarting it again, growing with each consecutive escalation. */
          backoff: z
            .strictObject({
              initialMs: int(1).default(500),
              maxMs: int(1).default(30_000),
              multiplier: num(1).default(2),
              jitter: num(0, 1).default(0.2),
            })
            .prefault({}),
          /** Quiet time after which a subtree's escalation count starts again. */
          quietMs: int(1).default(60_000),
          /** Consecutive escalations of node infrastructure after which the node exits non-zero. */
          fatalAfter: int(1).default(5),
        })
        .prefault({}),
    })
    .prefault({}),
  /** Where local state (snapshots, dead letters) is written. */
  dataDir: text().default('.troupe'),
  /**
   * Persistence backend (ADR 0006). `auto`: JetStream KV on the jetstream transport; on the memory
   * transport lmdb in `dataDir` for `troupe start`, memory for a library `createSystem()`.
   */
  storage: z
    .strictObject({
      kind: z.enum(['auto', 'memory', 'lmdb', 'jetstream']).default('auto'),
      /** Bound on each JetStream storage request: an outage fails operations after this, never hangs them. */
      timeoutMs: int(100).default(5000),
    })
    .prefault({}),
  /** The WebSocket gateway; port 0 picks a free port. */
  gateway: z
    .strictObject({
      enabled: z.boolean({ error: 'expected a boolean' }).default(true),
      host: text().default('127.0.0.1'),
      port: int(0, 65535).default(7700),
      /** Credentials (ADR 0008). None configured = auth off, allowed only on a loopback host. */
      auth: z
        .strictObject({
          /** API keys, stored hashed (`sha256:<hex>` of the key; `troupe key` makes one), each bound to a tenant and roles. */
          keys: z
            .array(
              z.strictObject({
                id: text(),
                hash: z.string().regex(/^sha256:[0-9a-f]{64}$/, { error: 'expected "sha256:" and 64 lowercase hex digits' }),
                tenant: text(),
                roles: z.array(z.enum(gatewayRoles)).min(1).default(['user']),
              }),
            )
            .default(() => []),
          /**
           * JWT bearer tokens (ADR 0025): HS256 with a shared secret, RS256 with a PEM public key, and/or
           * an OIDC provider's JWKS URL (keys by `kid`, cached, refetched on an unknown `kid`).
           */
          jwt: z
            .strictObject({
              hs256Secret: text().optional(),
              rs256PublicKey: text().optional(),
              jwksUrl: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
              jwksCacheMaxAgeSec: int(1, 86_400).default(600),
              jwksCooldownSec: int(0, 3600).default(30),
              jwksTimeoutMs: int(100, 60_000).default(5000),
              /** Accepted `alg` values; default every algorithm a configured key can check. `none` is never accepted. */
              algorithms: z
                .array(z.enum(['HS256', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']))
                .min(1)
                .optional(),
              issuer: text().optional(),
              audience: text().optional(),
              tenantClaim: text().default('tenant'),
              rolesClaim: text().default('roles'),
              clockSkewSec: int(0, 3600).default(30),
            })
            .optional(),
        })
        .prefault({}),
      /** Body, frame, buffer, connection and rate limits. */
      limits: z
        .strictObject({
          bodyBytes: int(1024).default(1024 * 1024),
          frameBytes: int(1024).default(1024 * 1024),
          sendBufferBytes: int(1024).default(4 * 1024 * 1024),
          sendBufferFrames: int(1).default(4096),
          connections: int(1).default(20_000),
          connectionsPerKey: int(1).default(2_000),
          ratePerSec: num(0.001).default(200),
          burst: int(1).default(400),
          subscriptionsPerConnection: int(1).default(256),
          helloTimeoutMs: int(1).default(10_000),
          heartbeatMs: int(10).default(30_000),
        })
        .prefault({}),
      /** How `/readyz` judges readiness (docs/gateway-operations.md). */
      readiness: z
        .strictObject({
          /** Below this many free bytes in `dataDir` the node is not ready. */
          minFreeDiskBytes: int(0).default(100 * 1024 * 1024),
          /** Bound on the storage read/write probe. */
          probeTimeoutMs: int(1).default(2_000),
          /** How often readiness is evaluated to publish `sys.health.changed` (0: only on request). */
          intervalMs: int(0).default(5_000),
        })
        .prefault({}),
      /** Browser origins allowed besides loopback ones (`*` for any). */
      allowedOrigins: z.array(text()).default(() => []),
      /**
       * Host names (the `Host` header, without port) accepted while auth is off, besides loopback
       * names: a defence against DNS rebinding. With auth on every host is accepted.
       */
      allowedHosts: z.array(text()).default(() => []),
      /** Metering (docs/gateway-operations.md, “Usage and budgets”): model prices for `/usage` costs, tenants' budgets. */
      usage: z
        .strictObject({
          /** Price per model, in any currency, per 1M input and output tokens; a model not listed has no cost (null). */
          prices: z.record(text(), z.strictObject({ input: num(0), output: num(0) })).default(() => ({})),
          /** Per tenant: tokens and/or cost allowed per UTC day and/or month; a new run past one is refused. */
          budgets: z.record(text(), z.strictObject({ daily: budgetLimit.optional(), monthly: budgetLimit.optional() })).default(() => ({})),
        })
        .prefault({}),
    })
    .prefault({}),
  /**
   * Content parts and blobs (docs/content-parts.md, ADR 0043): how many bytes a part may carry inline, how large a blob
   * may be, and which MIME types are accepted (`type/*` allows a whole type).
   */
  media: z
    .strictObject({
      inlineMaxBytes: int(0).default(512 * 1024),
      maxBlobBytes: int(1).default(20 * 1024 * 1024),
      allowedMime: z.array(text()).default(() => [...DEFAULT_ALLOWED_MIME]),
    })
    .prefault({}),
  /** Logging. */
  log: z.strictObject({ level: z.enum(logLevels).default('info') }).prefault({}),
  /**
   * Traces (docs/gateway-operations.md, “Traces”): exported when the `OTEL_*` variables ask for it. `captureContent`
   * records messages and tool arguments on spans (redacted), as `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true` does.
   */
  tracing: z.strictObject({ captureContent: z.boolean().default(false) }).prefault({}),
  /** How long finished runs' event logs and records are kept (threads are kept until deleted). */
  runs: z.strictObject({ retentionHours: num(0.001).default(168), pruneMinutes: num(0.01).default(10) }).prefault({}),
  /** Agents this mesh serves (default: the demo set in config/agents.ts). */
  agents: agentsSchema,
  /** Prompt templates (docs/prompts.md): inline, several versions, or a file; agents name them with `prompt`. */
  prompts: promptsSchema,
  /** Personas (docs/prompts.md): tone, style, verbosity, language; picked by an agent or a request. */
  personas: personasSchema,
  /** MCP servers whose tools are attached to the mesh as `tool/<server>.<tool>`. */
  mcpServers: z.array(mcpServerConfigSchema).default(() => []),
  /** RAG collections (docs/memory.md); agents search them as tools and recall from them (`agents[].recall`). */
  collections: z.array(collectionConfigSchema).default(() => []),
  /** Tools built into Troupe (`clock`, `calculator`). */
  tools: z.strictObject({ builtins: z.boolean({ error: 'expected a boolean' }).default(true) }).prefault({}),
  /** Guardrails (docs/guardrails.md): detectors, the policy, pseudonymisation, the stream guard, the audit. */
  guardrails: guardrailsSchema.prefault({}),
  /** The response cache (docs/context-and-caching.md): exact and semantic, per tenant; off by default. */
  cache: cacheSchema.prefault({}),
  /** Context injection per agent (docs/context-and-caching.md): providers, relevance filter, token budget. */
  context: contextSchema,
  /** Business rules on requests and responses (docs/context-and-caching.md), CEL conditions checked at load. */
  rules: rulesSchema,
  /** Workflows (docs/workflows.md): DAG or state-machine definitions, inline or YAML/JSON files, checked at load. */
  workflows: workflowsSchema,
  /** Memory actors (docs/memory.md): the long-term store, the thread window, encryption at rest. */
  memory: z
    .strictObject({
      /** The long-term store actor (`memory/store`, LangGraph store semantics). */
      store: z
        .strictObject({
          /** How often the store deletes items past their TTL. */
          sweepMs: int(100).default(60_000),
          /** TTL in minutes of items put without one (absent: items never expire). */
          defaultTtlMinutes: num(0.001).optional(),
          /** Whether get/search refresh an item's TTL when the request does not say (LangGraph's refresh_on_read). */
          refreshOnRead: z.boolean({ error: 'expected a boolean' }).default(true),
          /**
           * Namespaces indexed for natural-language search: a namespace prefix and the fields to embed (`$` = the whole
           * value). Default: every namespace, whole value, with `memory.embedder`; `[]` turns semantic search off.
           */
          index: z
            .array(
              z.strictObject({
                prefix: z.array(text()).default(() => []),
                fields: z
                  .array(text())
                  .min(1)
                  .default(() => ['$']),
              }),
            )
            .default(() => [{ prefix: [], fields: ['$'] }]),
        })
        .prefault({}),
      /** The window of a thread handed to the model (actors/memory/threads/window.ts). */
      window: z
        .strictObject({
          maxMessages: int(1).default(200),
          maxTokens: int(1).default(16_000),
          /** Tokens kept for the summary of dropped messages; 0 drops them without a summary. */
          summaryTokens: int(0).default(256),
        })
        .prefault({}),
      /** AES-256-GCM for sensitive fields at rest (key: 32 bytes as 64 hex digits or base64; env TROUPE_ENCRYPTION_KEY). */
      encryption: z
        .strictObject({
          key: z.string({ error: 'expected a string' }).optional(),
          /** Earlier keys, still accepted for reading after a rotation (env TROUPE_ENCRYPTION_PREVIOUS_KEYS, comma-separated). */
          previousKeys: z.array(z.string({ error: 'expected a string' })).default(() => []),
          /** Fields encrypted in every item under a namespace prefix (paths like `ssn`, `profile.email`, `cards[*].number`, `$`). */
          sensitive: z
            .array(z.strictObject({ prefix: z.array(text()).default(() => []), paths: z.array(text()).min(1) }))
            .default(() => []),
        })
        .superRefine((e, ctx) => {
          // Issues carry a placeholder `input` (zod would attach the whole section, key included, to the error's cause).
          if (e.key !== undefined && !isEncryptionKey(e.key)) {
            ctx.addIssue({
              code: 'custom',
              path: ['key'],
              input: REDACTED,
              message: 'expected 32 bytes as 64 hex digits or base64 (e.g. `openssl rand -base64 32`)',
            });
          }
          e.previousKeys.forEach((k, i) => {
            if (!isEncryptionKey(k))
              ctx.addIssue({
                code: 'custom',
                path: ['previousKeys', i],
                input: REDACTED,
                message: 'expected 32 bytes as 64 hex digits or base64',
              });
          });
          if (e.key === undefined && e.sensitive.length > 0) {
            ctx.addIssue({
              code: 'custom',
              path: ['key'],
              input: REDACTED,
              message: 'expected an encryption key (TROUPE_ENCRYPTION_KEY) because memory.encryption.sensitive lists fields to encrypt',
            });
          }
        })
        .prefault({}),
      /** Embedder of semantic memory and RAG (actors/memory/embedders): USE-lite, offline, by default. */
      embedder: z
        .discriminatedUnion('kind', [
          z.strictObject({ kind: z.literal('use-lite') }),
          /** A sentence-embedding model on disk: `model.onnx` plus `tokenizer.json` or `vocab.txt` in `modelDir`. */
          z.strictObject({ kind: z.literal('onnx'), modelDir: text(), modelFile: text().optional(), maxTokens: int(8, 8192).optional() }),
          /** OpenAI embeddings (key: `apiKey` or OPENAI_API_KEY); `dims` is checked on every reply. */
          z.strictObject({
            kind: z.literal('openai'),
            model: text().default('text-embedding-3-small'),
            dims: int(1, 8192).default(1536),
            baseURL: z.url({ error: 'expected a URL' }).optional(),
            apiKey: text().optional(),
          }),
        ])
        .prefault({ kind: 'use-lite' }),
      /**
       * Worker threads running a CPU-bound embedder (0: on the event loop; OpenAI always runs on it). Default: one per
       * core up to two — ingestion is CPU-bound, and one short query at a time runs on the calling thread anyway (ADR
       * 0039); workers start on the first embed, so a node that never embeds pays nothing.
       */
      embedThreads: int(0, 64).default(Math.max(1, Math.min(2, availableParallelism()))),
      /** Texts per embedder call (one worker task or one OpenAI request). */
      embedBatch: int(1, 2048).default(32),
      /** hnswlib parameters of vector indexes (defaults reach recall@10 ≥ 0.95 at 100k vectors, BENCHMARKS.md). */
      hnsw: z
        .strictObject({ m: int(2, 128).default(16), efConstruction: int(8, 4096).default(200), efSearch: int(1, 4096).default(64) })
        .prefault({}),
      /** RAG chunk size and overlap, in characters. */
      chunking: z
        .strictObject({ maxChars: int(50).default(800), overlapChars: int(0).default(120) })
        .refine((c) => c.overlapChars < c.maxChars / 2, { message: 'expected overlapChars below half of maxChars', path: ['overlapChars'] })
        .prefault({}),
    })
    .prefault({}),
});

/** The configuration schema; names a workflow step uses must be served by this config (agents, tools, MCP servers). */
export const configSchema = configObject.superRefine((c, ctx) => {
  const collectionTools = c.collections.flatMap((k) => [`search_${k.name}`, `remember_${k.name}`]);
  const tools = new Set([...(c.tools.builtins ? ['clock', 'calculator'] : []), ...collectionTools]);
  const targets = { agents: new Set(c.agents.map((a) => a.name)), tools, mcpServers: new Set(c.mcpServers.map((m) => m.name)) };
  for (const p of checkWorkflowTargets(c.workflows, targets))
    ctx.addIssue({ code: 'custom', path: ['workflows', ...p.path], input: undefined, message: p.message });
});

/** The full, validated configuration (inferred from `configSchema`). */
export type TroupeConfig = z.infer<typeof configSchema>;

/** The transport section: `{ kind: 'memory' }` or a JetStream connection. */
export type TransportConfig = TroupeConfig['transport'];

/** One of `logLevels`. */
export type LogLevel = TroupeConfig['log']['level'];
