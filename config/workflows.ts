// Workflows as config (`workflows`, docs/workflows.md): declarative DAG (`steps` with `needs`) and state-machine
// (`states` with `next`/`on`) definitions, inline or read from YAML/JSON files named in the list. Each definition is
// checked whole at load (workflow-check.ts); names of agents, tools and other workflows are checked against the
// rest of the config by `checkWorkflowTargets`.
import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { Cron } from 'croner';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { checkWorkflow } from './workflow-check.js';
import { describeZodIssue } from './errors.js';
import { DEFAULT_TENANT } from '../protocols/index.js';

const name = (what: string) =>
  z.string({ error: `expected ${what}` }).regex(/^[a-z][a-z0-9_-]{0,63}$/, { error: `expected ${what}: [a-z][a-z0-9_-]{0,63}` });
/** Step and state ids are CEL identifiers, so `steps.<id>.output` reads them. */
export const STEP_ID = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const stepId = () => z.string({ error: 'expected a step id' }).regex(STEP_ID, { error: 'expected a step id: [A-Za-z_][A-Za-z0-9_]{0,63}' });
const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** A duration: milliseconds, or a string such as `500ms`, `30s`, `5m`, `1h`. */
export const durationSchema = z.union([
  z
    .int({ error: 'expected milliseconds' })
    .min(1)
    .max(7 * 86_400_000),
  z
    .string()
    .regex(/^\d+(\.\d+)?(ms|s|m|h)$/, { error: 'expected a duration such as 500ms, 30s, 5m or 1h' })
    .transform((s) => Math.round(Number(s.replace(/[a-z]+$/, '')) * (UNITS[s.replace(/^[\d.]+/, '')] ?? 1))),
]);

/** Per-step retry: how many more attempts after the first, and the backoff between them. */
export const retrySchema = z.union([
  z
    .int()
    .min(0)
    .max(20)
    .transform((count) => ({ count, backoffMs: 1_000, factor: 2, maxBackoffMs: 60_000 })),
  z.strictObject({
    count: z.int().min(0).max(20),
    backoffMs: z.int().min(0).max(3_600_000).default(1_000),
    factor: z.number().min(1).max(10).default(2),
    maxBackoffMs: z.int().min(0).max(86_400_000).default(60_000),
  }),
]);
export type RetryConfig = z.output<typeof retrySchema>;

/** One step (DAG form) or state (state-machine form): what it runs, when, with what input, and on failure. */
export const workflowStepSchema = z.strictObject({
  agent: name('an agent name').optional(),
  tool: z.string().min(1).max(200).optional(),
  workflow: name('a workflow name').optional(),
  /** A question for a person: the run stops with an interrupt until it is answered (approve, reject or an edit). */
  human: z.string().min(1).max(4_000).optional(),
  /** The step's input: a value whose strings may hold `${CEL}` (a string that is one `${…}` keeps the value's type). */
  input: z.unknown().optional(),
  /** DAG form: steps that must be done (completed, skipped or handled) before this one. */
  needs: z.union([stepId().transform((s) => [s]), z.array(stepId())]).optional(),
  /** A CEL condition; false skips the step (a skipped step counts as done). */
  if: z.string().min(1).max(4_000).optional(),
  retry: retrySchema.optional(),
  timeout: durationSchema.optional(),
  /** After the last failed attempt: a step to go to, or `fail` (the default). */
  onError: z.union([z.literal('fail'), stepId()]).optional(),
  /** State-machine form: the state after this one. */
  next: stepId().optional(),
  /** State-machine form: the state per answer (`approve`, `reject`, `edit`) or outcome (an agent's one-word answer). */
  on: z.record(z.string().min(1).max(200), stepId()).optional(),
  /** State-machine form: the workflow ends after this state. */
  final: z.literal(true).optional(),
});
export type WorkflowStep = z.output<typeof workflowStepSchema>;

const TOPIC_PATTERN = /^(?:[A-Za-z0-9_:@+=-]+|\*)(?:\.(?:[A-Za-z0-9_:@+=-]+|\*))*(?:\.>)?$|^>$/;

/** A five- or six-field cron expression croner accepts (read in UTC). */
function cronError(expr: string): string | undefined {
  try {
    new Cron(expr, { paused: true, timezone: 'UTC' });
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

const TENANT = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'expected a tenant: 1-64 of [A-Za-z0-9_-]' });

/** Which tenants a schedule or topic trigger runs for: `tenant` or `tenants` (default the default tenant). */
const tenantsFields = {
  /** The tenant the trigger's runs start in (and, for a topic, whose topic it listens on). */
  tenant: TENANT.optional(),
  /** Several tenants: one schedule (or subscription) per tenant, each firing once per tick in the cluster. */
  tenants: z.array(TENANT).min(1, { error: 'expected at least one tenant' }).max(1_000).optional(),
};

/** `tenant` / `tenants` as one list, checked: not both, no tenant twice. */
function withTenants<T extends { tenant?: string | undefined; tenants?: string[] | undefined }>(
  t: T,
  ctx: z.RefinementCtx,
): Omit<T, 'tenant' | 'tenants'> & { tenants: string[] } {
  const { tenant, tenants, ...rest } = t;
  if (tenant !== undefined && tenants !== undefined)
    ctx.addIssue({ code: 'custom', path: ['tenants'], input: undefined, message: 'expected either `tenant` or `tenants`, not both' });
  const list = tenants ?? [tenant ?? DEFAULT_TENANT];
  const twice = list.find((x, i) => list.indexOf(x) !== i);
  if (twice !== undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['tenants'],
      input: undefined,
      message: `expected each tenant once ("${twice}" is listed twice)`,
    });
  return { ...rest, tenants: list };
}

const webhookTrigger = z.strictObject({
  webhook: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, { error: 'expected a webhook name: [a-z0-9][a-z0-9_-]{0,63}' }),
  tenant: z.never({ error: "expected no tenant on a webhook: it runs in the authenticated caller's tenant" }).optional(),
  tenants: z.never({ error: "expected no tenants on a webhook: it runs in the authenticated caller's tenant" }).optional(),
});
const scheduleTrigger = z
  .strictObject({
    schedule: z
      .string()
      .max(200)
      .superRefine((v, ctx) => {
        const err = cronError(v);
        if (err !== undefined) ctx.addIssue({ code: 'custom', message: `expected a cron expression: ${err}` });
      }),
    ...tenantsFields,
  })
  .transform(withTenants);
const topicTrigger = z
  .strictObject({
    topic: z
      .string()
      .max(255)
      .regex(TOPIC_PATTERN, { error: "expected a topic pattern: dot-separated tokens of [A-Za-z0-9_:@+=-], '*' for one, '>' last" }),
    ...tenantsFields,
  })
  .transform(withTenants);
const TRIGGER_KINDS = { webhook: webhookTrigger, schedule: scheduleTrigger, topic: topicTrigger } as const;

/** One trigger as checked: a webhook, or a schedule or topic with the tenants it runs for. */
export type WorkflowTrigger = z.output<typeof webhookTrigger> | z.output<typeof scheduleTrigger> | z.output<typeof topicTrigger>;

/**
 * A trigger (docs/workflows.md, "Triggers"): a webhook name, a cron schedule (UTC) or a topic pattern. Schedule and
 * topic triggers name the tenants they run for (`tenant` or `tenants`; default the default tenant); a webhook runs in
 * the authenticated caller's tenant. The kind is picked by its key, so an error names what that kind expected.
 */
export const triggerSchema: z.ZodType<WorkflowTrigger, unknown> = z.unknown().transform((v, ctx): WorkflowTrigger => {
  const kinds = typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.keys(TRIGGER_KINDS).filter((k) => k in v) : [];
  if (kinds.length !== 1) {
    ctx.addIssue({ code: 'custom', input: v, message: 'expected a trigger: an object with one of webhook, schedule or topic' });
    return z.NEVER;
  }
  const r = TRIGGER_KINDS[kinds[0] as keyof typeof TRIGGER_KINDS].safeParse(v, { reportInput: true });
  if (r.success) return r.data;
  for (const issue of r.error.issues) ctx.addIssue(issue as Parameters<typeof ctx.addIssue>[0]);
  return z.NEVER;
});

const FIELD_TYPES = ['string', 'number', 'integer', 'boolean', 'object', 'array', 'any'] as const;
/** The input schema: field name to type (`string`, `number`, `integer`, `boolean`, `object`, `array`, `any`; `?` = optional). */
export const workflowInputSchema = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, { error: 'expected an input field name' }),
  z.string().refine((t) => (FIELD_TYPES as readonly string[]).includes(t.replace(/\?$/, '')), {
    error: `expected a field type: ${FIELD_TYPES.join(', ')} (a trailing ? makes it optional)`,
  }),
);

/** One workflow definition, either form. */
export const workflowSchema = z
  .strictObject({
    name: name('a workflow name'),
    description: z.string().max(2_000).optional(),
    input: workflowInputSchema.default(() => ({})),
    /** DAG form. */
    steps: z.record(stepId(), workflowStepSchema).optional(),
    /** State-machine form, with its first state (default: the first listed) and an error state. */
    states: z.record(stepId(), workflowStepSchema).optional(),
    initial: stepId().optional(),
    error: stepId().optional(),
    /** The workflow's result: a value whose strings may hold `${CEL}` (default: the last step's output). */
    output: z.unknown().optional(),
    /** What starts runs besides clients: `{ webhook: <name> }` is `POST /hooks/<name>`, `{ schedule: <cron> }`, `{ topic: <pattern> }`. */
    triggers: z.array(triggerSchema).default(() => []),
  })
  .refine((w) => (w.steps === undefined) !== (w.states === undefined), {
    error: 'expected either `steps` (DAG form) or `states` (state-machine form)',
  });

/** A checked workflow definition; `file` is where it was read from, when it was. */
export type WorkflowDefinition = z.output<typeof workflowSchema> & { readonly file?: string };

type Entry = { def: unknown; file?: string };

function readWorkflowFile(file: string): unknown {
  const text = readFileSync(file, 'utf8');
  const ext = extname(file).toLowerCase();
  if (ext === '.json') return JSON.parse(text);
  if (ext === '.yaml' || ext === '.yml') return parseYaml(text, { maxAliasCount: 100 });
  throw new Error('expected a .yaml, .yml or .json file');
}

/** Config `workflows`: inline definitions or file paths (`"flows/support.yaml"` or `{ file }`), every one checked. */
export const workflowsSchema = z
  .array(z.union([z.string().min(1), z.strictObject({ file: z.string().min(1) }), z.looseObject({})]))
  .default(() => [])
  .transform((entries, ctx) => {
    const out: WorkflowDefinition[] = [];
    entries.forEach((e, i) => {
      let entry: Entry = { def: e };
      const file = typeof e === 'string' ? e : typeof e.file === 'string' && Object.keys(e).length === 1 ? e.file : undefined;
      if (file !== undefined) {
        try {
          entry = { def: readWorkflowFile(file), file: resolve(file) };
        } catch (err) {
          const message = `expected a readable workflow file ${file} (${(err as Error).message.split('\n')[0] ?? ''})`;
          ctx.addIssue({ code: 'custom', path: [i], input: file, message });
          return;
        }
      }
      const where = entry.file === undefined ? '' : ` (in ${entry.file})`;
      const parsed = workflowSchema.safeParse(entry.def, { reportInput: true });
      if (!parsed.success) {
        for (const zi of parsed.error.issues)
          for (const d of describeZodIssue(zi))
            ctx.addIssue({
              code: 'custom',
              path: [i, ...(d.path === '' ? [] : d.path.split('.'))],
              input: undefined,
              message: `${d.message}${where}`,
            });
        return;
      }
      const def: WorkflowDefinition = entry.file === undefined ? parsed.data : { ...parsed.data, file: entry.file };
      for (const p of checkWorkflow(def))
        ctx.addIssue({ code: 'custom', path: [i, ...p.path], input: undefined, message: `${p.message}${where}` });
      for (const t of def.triggers) {
        const other = out.find((w) => w.triggers.some((u) => 'webhook' in u && 'webhook' in t && u.webhook === t.webhook));
        if (other !== undefined && 'webhook' in t)
          ctx.addIssue({
            code: 'custom',
            path: [i, 'triggers'],
            input: t.webhook,
            message: `expected a webhook name no other workflow uses ("${t.webhook}" is ${other.name}'s)${where}`,
          });
      }
      const required = Object.entries(def.input).filter(([, t]) => !t.endsWith('?'));
      def.triggers.forEach((t, j) => {
        if ('schedule' in t && required.length > 0)
          ctx.addIssue({
            code: 'custom',
            path: [i, 'triggers', j],
            input: t.schedule,
            message:
              'expected no required input fields with a schedule trigger (its runs start with input {}; ' +
              `required: ${required.map(([k]) => k).join(', ')})${where}`,
          });
      });
      if (out.some((w) => w.name === def.name))
        ctx.addIssue({
          code: 'custom',
          path: [i, 'name'],
          message: `expected a unique workflow name ("${def.name}" is defined twice)${where}`,
        });
      out.push(def);
    });
    return out;
  });

/** What the rest of the config offers a workflow step. */
export interface WorkflowTargets {
  readonly agents: ReadonlySet<string>;
  /** Tool ids served (`clock`, `search_docs`, …); MCP tools are `<server>.<tool>` and checked by server. */
  readonly tools: ReadonlySet<string>;
  readonly mcpServers: ReadonlySet<string>;
}

/** Problems with names a workflow's steps use: unknown agents, tools or workflows, a workflow named like an agent, call cycles. */
export function checkWorkflowTargets(
  workflows: readonly WorkflowDefinition[],
  t: WorkflowTargets,
): { path: (string | number)[]; message: string }[] {
  const names = new Set(workflows.map((w) => w.name));
  const out: { path: (string | number)[]; message: string }[] = [];
  const calls = new Map<string, string[]>();
  workflows.forEach((w, i) => {
    const where = w.file === undefined ? '' : ` (in ${w.file})`;
    if (t.agents.has(w.name)) out.push({ path: [i, 'name'], message: `expected a name no agent has ("${w.name}" is an agent)${where}` });
    const field = w.steps !== undefined ? 'steps' : 'states';
    const called: string[] = [];
    for (const [id, s] of Object.entries(w.steps ?? w.states ?? {})) {
      const at = (k: string) => [i, field, id, k];
      const step = `workflow "${w.name}" step "${id}"${where}`;
      if (s.agent !== undefined && !t.agents.has(s.agent))
        out.push({ path: at('agent'), message: `expected a configured agent, not "${s.agent}" (${step})` });
      if (s.tool !== undefined) {
        const dot = s.tool.indexOf('.');
        const known = dot > 0 ? t.mcpServers.has(s.tool.slice(0, dot)) : t.tools.has(s.tool);
        if (!known)
          out.push({
            path: at('tool'),
            message: `expected a served tool (${[...t.tools].join(', ')} or <mcpServer>.<tool>), not "${s.tool}" (${step})`,
          });
      }
      if (s.workflow !== undefined) {
        if (!names.has(s.workflow))
          out.push({ path: at('workflow'), message: `expected a configured workflow, not "${s.workflow}" (${step})` });
        else called.push(s.workflow);
      }
    }
    calls.set(w.name, called);
  });
  const cycle = findCallCycle(calls);
  if (cycle) out.push({ path: [], message: `expected workflows not to call each other in a cycle: ${cycle.join(' → ')}` });
  return out;
}

function findCallCycle(calls: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === 'done') return undefined;
    if (state.get(n) === 'open') return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 'open');
    stack.push(n);
    for (const m of calls.get(n) ?? []) {
      const c = visit(m);
      if (c) return c;
    }
    stack.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of calls.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}

/** Webhook name → workflow name, for `POST /hooks/<name>`. */
export function workflowWebhooks(workflows: readonly WorkflowDefinition[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const w of workflows) for (const t of w.triggers) if ('webhook' in t) out[t.webhook] = w.name;
  return out;
}
