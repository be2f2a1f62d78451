// Whole-definition checks of one workflow (docs/workflows.md, "Checked at load"): one step kind per step, `needs`
// that exist and form no cycle, state transitions that exist, CEL that parses and type-checks, and expressions that
// read only steps that can have run before the one reading them.
import { compileWorkflowExpr, stepReferences, templateExpressions } from './workflow-expr.js';
import type { WorkflowDefinition, WorkflowStep } from './workflows.js';

/** A problem found in a definition: where (relative to the definition) and what was expected. */
export interface WorkflowProblem {
  readonly path: (string | number)[];
  readonly message: string;
}

const KINDS = ['agent', 'tool', 'workflow', 'human'] as const;

/** Which of agent/tool/workflow/human a step runs (undefined for a final state that runs nothing). */
export function stepKind(s: WorkflowStep): (typeof KINDS)[number] | undefined {
  return KINDS.find((k) => s[k] !== undefined);
}

/** The steps a DAG step waits for, transitively (its handlers' sources included), in no particular order. */
function dagAncestors(steps: Record<string, WorkflowStep>): Map<string, Set<string>> {
  const memo = new Map<string, Set<string>>();
  const sources = handlerSources(steps);
  const visit = (id: string, path: Set<string>): Set<string> => {
    const hit = memo.get(id);
    if (hit) return hit;
    if (path.has(id)) return new Set();
    path.add(id);
    const out = new Set<string>();
    const direct = [...(steps[id]?.needs ?? []), ...(sources.get(id) ?? [])];
    for (const d of direct) {
      if (!(d in steps)) continue;
      out.add(d);
      for (const a of visit(d, path)) out.add(a);
    }
    path.delete(id);
    memo.set(id, out);
    return out;
  };
  for (const id of Object.keys(steps)) visit(id, new Set());
  return memo;
}

/** Handler step id → the steps whose `onError` goes to it. */
export function handlerSources(steps: Record<string, WorkflowStep>): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const [id, s] of Object.entries(steps))
    if (s.onError !== undefined && s.onError !== 'fail') m.set(s.onError, [...(m.get(s.onError) ?? []), id]);
  return m;
}

/** A cycle in `needs` as a path (`a → b → a`), if there is one. */
function needsCycle(steps: Record<string, WorkflowStep>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done' || !(id in steps)) return undefined;
    if (state.get(id) === 'open') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'open');
    stack.push(id);
    for (const d of steps[id]?.needs ?? []) {
      const c = visit(d);
      if (c) return c;
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of Object.keys(steps)) {
    const c = visit(id);
    if (c) return c;
  }
  return undefined;
}

/** The states each state can be entered after (transitively), for the state-machine form. */
function statePredecessors(def: WorkflowDefinition, states: Record<string, WorkflowStep>): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const [id, s] of Object.entries(states)) {
    const to = new Set<string>([...(s.next ? [s.next] : []), ...Object.values(s.on ?? {})]);
    if (s.onError !== undefined && s.onError !== 'fail') to.add(s.onError);
    if (def.error !== undefined && def.error !== id) to.add(def.error);
    edges.set(id, to);
  }
  const preds = new Map<string, Set<string>>();
  for (const start of Object.keys(states)) {
    const seen = new Set<string>();
    const queue = [...(edges.get(start) ?? [])];
    while (queue.length > 0) {
      const n = queue.pop() as string;
      if (seen.has(n)) continue;
      seen.add(n);
      queue.push(...(edges.get(n) ?? []));
    }
    for (const n of seen) preds.set(n, (preds.get(n) ?? new Set()).add(start));
  }
  return preds;
}

/** Checks one parsed definition; returns every problem found (empty when it is sound). */
export function checkWorkflow(def: WorkflowDefinition): WorkflowProblem[] {
  const out: WorkflowProblem[] = [];
  const dag = def.steps !== undefined;
  const field = dag ? 'steps' : 'states';
  const steps = def.steps ?? def.states ?? {};
  const ids = Object.keys(steps);
  if (ids.length === 0) out.push({ path: [field], message: `expected at least one ${dag ? 'step' : 'state'}` });
  const has = (id: string) => Object.hasOwn(steps, id);
  const mustExist = (id: string, path: (string | number)[], what: string) => {
    if (!has(id)) out.push({ path, message: `expected ${what} to name a ${dag ? 'step' : 'state'} of "${def.name}", not "${id}"` });
  };
  const declared = Object.keys(def.input);
  const ctx: ExprContext = { has, out, inputs: declared.length === 0 ? undefined : new Set(declared) };
  let allowed: Map<string, Set<string>>;
  if (dag) {
    if (def.initial !== undefined) out.push({ path: ['initial'], message: 'expected `initial` only in the state-machine form (`states`)' });
    if (def.error !== undefined)
      out.push({ path: ['error'], message: "expected `error` only in the state-machine form (`states`); use a step's `onError`" });
    for (const [id, s] of Object.entries(steps)) {
      for (const k of ['next', 'on', 'final'] as const)
        if (s[k] !== undefined)
          out.push({ path: [field, id, k], message: `expected \`${k}\` only in the state-machine form (\`states\`)` });
      (s.needs ?? []).forEach((d, j) => {
        if (d === id) out.push({ path: [field, id, 'needs', j], message: `expected step "${id}" not to need itself` });
        else mustExist(d, [field, id, 'needs', j], 'needs');
      });
    }
    const cycle = needsCycle(steps);
    if (cycle) out.push({ path: [field, cycle[0] ?? '', 'needs'], message: `expected no cycle in needs: ${cycle.join(' → ')}` });
    for (const [h] of handlerSources(steps))
      if (has(h) && (steps[h]?.needs?.length ?? 0) > 0)
        out.push({ path: [field, h, 'needs'], message: `expected no needs on "${h}": it is an onError step, run only when gone to` });
    allowed = cycle ? new Map() : dagAncestors(steps);
  } else {
    const initial = def.initial ?? ids[0];
    if (def.initial !== undefined) mustExist(def.initial, ['initial'], 'initial');
    if (def.error !== undefined) mustExist(def.error, ['error'], 'error');
    for (const [id, s] of Object.entries(steps)) {
      if (s.needs !== undefined)
        out.push({ path: [field, id, 'needs'], message: 'expected `needs` only in the DAG form (`steps`); use `next`' });
      if (s.next !== undefined) mustExist(s.next, [field, id, 'next'], 'next');
      for (const [k, to] of Object.entries(s.on ?? {})) mustExist(to, [field, id, 'on', k], `on.${k}`);
      if (s.final === undefined && s.next === undefined && s.on === undefined && id !== def.error)
        out.push({ path: [field, id], message: `expected \`next\`, \`on\` or \`final: true\` on state "${id}"` });
    }
    allowed = statePredecessors(def, steps);
    if (initial !== undefined) allowed.set(initial, allowed.get(initial) ?? new Set());
  }
  for (const [id, s] of Object.entries(steps)) {
    const kinds = ['agent', 'tool', 'workflow', 'human'].filter((k) => s[k as keyof WorkflowStep] !== undefined);
    if (kinds.length > 1)
      out.push({ path: [field, id], message: `expected one of agent, tool, workflow or human, not ${kinds.join(' and ')}` });
    if (kinds.length === 0 && s.final === undefined)
      out.push({ path: [field, id], message: 'expected one of agent, tool, workflow or human' });
    if (s.onError !== undefined && s.onError !== 'fail') {
      if (s.onError === id)
        out.push({ path: [field, id, 'onError'], message: `expected onError to go to another ${dag ? 'step' : 'state'}` });
      else mustExist(s.onError, [field, id, 'onError'], 'onError');
    }
    const before = allowed.get(id) ?? new Set<string>();
    const exprs = [
      ...(s.if !== undefined ? [{ expr: s.if, path: ['if'] as (string | number)[], bool: true }] : []),
      ...templateExpressionsSafe(s.input, ['input'], out, [field, id]).map((e) => ({ ...e, bool: false })),
      ...templateExpressionsSafe(s.human, ['human'], out, [field, id]).map((e) => ({ ...e, bool: false })),
    ];
    for (const e of exprs) checkExpr(e.expr, e.bool, [field, id, ...e.path], before, `step "${id}"`, ctx);
  }
  const every = new Set(ids);
  for (const e of templateExpressionsSafe(def.output, ['output'], out, [])) checkExpr(e.expr, false, e.path, every, 'the output', ctx);
  return out;
}

function templateExpressionsSafe(v: unknown, at: (string | number)[], out: WorkflowProblem[], base: (string | number)[]) {
  try {
    return templateExpressions(v, at);
  } catch (e) {
    out.push({ path: [...base, ...at], message: `expected a template whose \${…} are closed: ${(e as Error).message}` });
    return [];
  }
}

/** What an expression is checked against: the steps that exist, the declared input fields (none declared: any). */
interface ExprContext {
  readonly has: (id: string) => boolean;
  readonly out: WorkflowProblem[];
  readonly inputs: ReadonlySet<string> | undefined;
}

function checkExpr(
  expr: string,
  bool: boolean,
  path: (string | number)[],
  before: ReadonlySet<string>,
  who: string,
  ctx: ExprContext,
): void {
  const { has, out, inputs } = ctx;
  let refs: ReturnType<typeof stepReferences>;
  try {
    refs = stepReferences(compileWorkflowExpr(expr, bool ? 'bool' : undefined).ast);
  } catch (e) {
    out.push({ path, message: `expected a valid CEL ${bool ? 'condition' : 'expression'} in ${who}: ${(e as Error).message}` });
    return;
  }
  if (refs.dynamic) out.push({ path, message: `expected ${who} to read steps by name (steps.<id>), not by a computed key or whole` });
  for (const r of refs.ids) {
    if (!has(r)) out.push({ path, message: `expected ${who} to read a step that exists, not steps.${r}` });
    else if (!before.has(r))
      out.push({ path, message: `expected ${who} to read only steps that can have run before it: steps.${r} cannot (add it to needs)` });
  }
  for (const f of refs.inputs)
    if (inputs !== undefined && !inputs.has(f))
      out.push({ path, message: `expected ${who} to read a declared input field (${[...inputs].join(', ')}), not input.${f}` });
}
