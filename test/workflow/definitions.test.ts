import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  isConfigError,
  loadConfig,
  splitTemplate,
  workflowWebhooks,
  type ConfigError,
  type WorkflowDefinition,
} from '../../config/index.js';
import { SUPPORT_FLOW_YAML } from './fixtures.js';

let dir = '';
let n = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'troupe-wf-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(text: string, ext = '.yaml'): string {
  const f = join(dir, `wf-${n++}${ext}`);
  writeFileSync(f, text);
  return f;
}

function load(workflows: unknown[]): WorkflowDefinition[] {
  return loadConfig({ env: {}, overrides: { workflows } }).workflows;
}

/** Loads, expects a ConfigError, and returns its lines. */
function problems(workflows: unknown[]): string[] {
  try {
    load(workflows);
  } catch (e) {
    expect(isConfigError(e)).toBe(true);
    return (e as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected a ConfigError');
}

const dag = (steps: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ name: 'flow', steps, ...extra });

describe('workflow definitions', () => {
  it('loads the issue example from a YAML file, as written', () => {
    const path = file(SUPPORT_FLOW_YAML);
    const [wf] = load([path]);
    expect(wf?.name).toBe('support-flow');
    expect(wf?.file).toBe(path);
    expect(wf?.input).toEqual({ text: 'string' });
    expect(Object.keys(wf?.steps ?? {})).toEqual(['classify', 'billing', 'tech', 'review', 'stamp']);
    expect(wf?.steps?.review?.needs).toEqual(['billing', 'tech']);
    expect(wf?.steps?.review?.human).toBe('Send this answer?');
    expect(wf?.output).toEqual({
      answer: '${has(steps.billing.output) ? steps.billing.output : steps.tech.output}',
      at: '${steps.stamp.output}',
    });
  });

  it('loads JSON files, { file } entries and inline objects; durations and retry shorthands are normalised', () => {
    const json = file(JSON.stringify(dag({ a: { tool: 'clock', timeout: '1.5s', retry: 2 } })), '.json');
    const [a, b] = load([{ file: json }, { ...dag({ x: { agent: 'triage', retry: { count: 1, backoffMs: 10 } } }), name: 'other' }]);
    expect(a?.steps?.a).toMatchObject({ timeout: 1500, retry: { count: 2, backoffMs: 1000, factor: 2 } });
    expect(b?.steps?.x?.retry).toEqual({ count: 1, backoffMs: 10, factor: 2, maxBackoffMs: 60_000 });
  });

  it('loads the state-machine form with named states, on, next, final and an error state', () => {
    const [wf] = load([
      {
        name: 'review-loop',
        input: { text: 'string', urgent: 'boolean?' },
        error: 'oops',
        states: {
          draft: { agent: 'assistant', input: '${input.text}', next: 'review' },
          review: { human: 'Publish ${steps.draft.output}?', on: { approve: 'publish', reject: 'draft' } },
          publish: { tool: 'clock', final: true },
          oops: { agent: 'assistant', input: 'apologise', retry: { count: 2 }, final: true },
        },
      },
    ]);
    expect(wf?.states?.review?.on).toEqual({ approve: 'publish', reject: 'draft' });
  });

  it('names the file, the step and what was expected', () => {
    const path = file(`name: bad\nsteps:\n  a: { agent: triage, needs: [b] }\n  b: { agent: triage, needs: [a] }\n`);
    const lines = problems([path]);
    expect(lines.some((l) => l.includes('workflows.0.steps.') && l.includes('expected no cycle in needs') && l.includes(path))).toBe(true);
  });

  it('refuses cycles and unknown needs in a definition', () => {
    const lines = problems([
      dag({ a: { agent: 'triage' }, b: { tool: 'clock', needs: ['zz'] } }),
      dag({ a: { agent: 'triage', needs: ['a'] } }, { name: 'flow3' }),
      dag(
        { a: { agent: 'triage', needs: ['c'] }, b: { agent: 'triage', needs: ['a'] }, c: { agent: 'triage', needs: ['b'] } },
        { name: 'flow4' },
      ),
    ]);
    const has = (path: string, text: string) =>
      expect(
        lines.some((l) => l.startsWith(path) && l.includes(text)),
        `${path} ${text}\n${lines.join('\n')}`,
      ).toBe(true);
    has('workflows.0.steps.b.needs.0', 'not "zz"');
    has('workflows.1.steps.a.needs.0', 'not to need itself');
    has('workflows.2.steps.a.needs', 'expected no cycle in needs: a → c → b → a');
    expect(lines.every((l) => !l.includes('received an array'))).toBe(true);
  });

  it('refuses unknown agents, tools and workflows, workflows that call each other, and a workflow named like an agent', () => {
    const lines = problems([
      dag({ a: { agent: 'nobody' }, b: { tool: 'hammer' }, c: { workflow: 'flow2' }, d: { workflow: 'ghost' }, e: { tool: 'fs.read' } }),
      { name: 'flow2', steps: { x: { workflow: 'flow' } } },
      dag({ a: { tool: 'clock' } }, { name: 'triage' }),
    ]);
    const has = (path: string, text: string) =>
      expect(
        lines.some((l) => l.startsWith(path) && l.includes(text)),
        `${path} ${text}\n${lines.join('\n')}`,
      ).toBe(true);
    has('workflows.0.steps.a.agent', 'expected a configured agent, not "nobody" (workflow "flow" step "a")');
    has('workflows.0.steps.b.tool', 'not "hammer"');
    has('workflows.0.steps.d.workflow', 'not "ghost"');
    has('workflows.0.steps.e.tool', 'not "fs.read"');
    has('workflows:', 'cycle: flow → flow2 → flow');
    has('workflows.2.name', '"triage" is an agent');
    const ok = loadConfig({
      env: {},
      overrides: { mcpServers: [{ name: 'fs', command: 'true' }], workflows: [dag({ e: { tool: 'fs.read' } })] },
    });
    expect(ok.workflows[0]?.steps?.e?.tool).toBe('fs.read');
  });

  it('refuses CEL syntax and type errors, naming the step and field', () => {
    const lines = problems([dag({ a: { agent: 'triage', if: 'input.text ==', input: '${1 + "x"}' }, b: { tool: 'clock', if: '1 + 2' } })]);
    expect(lines.some((l) => l.startsWith('workflows.0.steps.a.if') && l.includes('valid CEL condition in step "a"'))).toBe(true);
    expect(lines.some((l) => l.startsWith('workflows.0.steps.a.input') && l.includes('no such overload'))).toBe(true);
    expect(lines.some((l) => l.startsWith('workflows.0.steps.b.if') && l.includes('not a bool'))).toBe(true);
  });

  it('refuses an expression that reads a step that cannot have run before it', () => {
    const lines = problems([
      dag({
        a: { agent: 'triage' },
        b: { agent: 'triage', input: '${steps.c.output}' },
        c: { agent: 'triage', needs: ['a'], if: 'has(steps.nope.output)' },
        d: { agent: 'triage', input: { k: '${steps[input.k].output}' } },
      }),
    ]);
    expect(lines.some((l) => l.startsWith('workflows.0.steps.b.input') && l.includes('steps.c cannot (add it to needs)'))).toBe(true);
    expect(lines.some((l) => l.startsWith('workflows.0.steps.c.if') && l.includes('not steps.nope'))).toBe(true);
    expect(lines.some((l) => l.startsWith('workflows.0.steps.d.input.k') && l.includes('computed key'))).toBe(true);
  });

  it('refuses a read of an input field the input schema does not declare', () => {
    const lines = problems([dag({ a: { agent: 'triage', input: '${input.txt}' } }, { input: { text: 'string' } })]);
    expect(lines.some((l) => l.startsWith('workflows.0.steps.a.input') && l.includes('declared input field (text), not input.txt'))).toBe(
      true,
    );
  });

  it('allows transitive and onError-handler references, and any step in the output', () => {
    const [wf] = load([
      dag(
        {
          a: { agent: 'triage', onError: 'fix' },
          b: { agent: 'triage', needs: ['a'] },
          c: { agent: 'triage', needs: ['b'], input: '${steps.a.output}' },
          fix: { agent: 'tech', input: '${steps.a.error}' },
        },
        { output: '${steps.c.output}' },
      ),
    ]);
    expect(wf?.steps?.fix?.needs).toBeUndefined();
  });

  it('refuses state-machine mistakes: missing targets, dead ends, fields of the other form', () => {
    const lines = problems([
      { name: 'sm', initial: 'start', states: { s: { agent: 'triage', next: 'gone' }, t: { agent: 'triage', needs: ['s'] } } },
      dag({ a: { agent: 'triage', next: 'a', final: true } }, { name: 'd2' }),
      { name: 'both', steps: {}, states: {} },
    ]);
    const has = (path: string, text: string) =>
      expect(
        lines.some((l) => l.startsWith(path) && l.includes(text)),
        `${path} ${text}\n${lines.join('\n')}`,
      ).toBe(true);
    has('workflows.0.initial', 'not "start"');
    has('workflows.0.states.s.next', 'not "gone"');
    has('workflows.0.states.t.needs', 'only in the DAG form');
    has('workflows.0.states.t', 'expected `next`, `on` or `final: true`');
    has('workflows.1.steps.a.next', 'only in the state-machine form');
    has('workflows.2', 'either `steps`');
  });

  it('refuses one step with two kinds or none, and a duplicate name', () => {
    const lines = problems([dag({ a: { agent: 'triage', tool: 'clock' }, b: {} }), dag({ x: { tool: 'clock' } })]);
    expect(lines.some((l) => l.startsWith('workflows.0.steps.a') && l.includes('not agent and tool'))).toBe(true);
    expect(lines.some((l) => l.startsWith('workflows.0.steps.b') && l.includes('expected one of agent, tool, workflow or human'))).toBe(
      true,
    );
    expect(lines.some((l) => l.startsWith('workflows.1.name') && l.includes('defined twice'))).toBe(true);
  });

  it('takes webhook, schedule and topic triggers, refuses a bad cron, a bad topic and a webhook name used twice', () => {
    const [wf] = load([
      dag({ a: { tool: 'clock' } }, { triggers: [{ webhook: 'support' }, { schedule: '*/5 * * * *' }, { topic: 'orders.*' }] }),
    ]);
    expect(workflowWebhooks([wf as WorkflowDefinition])).toEqual({ support: 'flow' });
    // Schedule and topic triggers run for the default tenant unless they name others.
    expect(wf?.triggers).toEqual([
      { webhook: 'support' },
      { schedule: '*/5 * * * *', tenants: ['default'] },
      { topic: 'orders.*', tenants: ['default'] },
    ]);
    const lines = problems([
      dag({ a: { tool: 'clock' } }, { triggers: [{ schedule: 'every five minutes' }, { topic: 'orders..created' }] }),
    ]);
    const has = (path: string, text: string) => lines.some((l) => l.startsWith(path) && l.includes(text));
    expect(has('workflows.0.triggers.0', 'expected a cron expression')).toBe(true);
    expect(has('workflows.0.triggers.1', 'expected a topic pattern')).toBe(true);
    const needsInput = problems([
      dag({ a: { tool: 'clock' } }, { input: { n: 'number', m: 'string?' }, triggers: [{ schedule: '0 * * * *' }] }),
    ]);
    expect(needsInput.some((l) => l.startsWith('workflows.0.triggers.0') && l.includes('required: n)'))).toBe(true);
    expect(lines.every((l) => !l.includes('received an array'))).toBe(true);
    const twice = problems([
      dag({ a: { tool: 'clock' } }, { triggers: [{ webhook: 'x' }] }),
      dag({ a: { tool: 'clock' } }, { name: 'other', triggers: [{ webhook: 'x' }] }),
    ]);
    expect(twice.some((l) => l.startsWith('workflows.1.triggers') && l.includes(`"x" is flow's`))).toBe(true);
  });

  it('takes the tenants a schedule or topic trigger runs for, and refuses bad ones with clear errors', () => {
    const [wf] = load([
      dag(
        { a: { tool: 'clock' } },
        {
          triggers: [
            { topic: 'orders.created', tenant: 'acme' },
            { schedule: '0 * * * *', tenants: ['acme', 'globex'] },
          ],
        },
      ),
    ]);
    expect(wf?.triggers).toEqual([
      { topic: 'orders.created', tenants: ['acme'] },
      { schedule: '0 * * * *', tenants: ['acme', 'globex'] },
    ]);
    const lines = problems([
      dag(
        { a: { tool: 'clock' } },
        {
          triggers: [
            { topic: 'a', tenant: 'acme', tenants: ['globex'] },
            { topic: 'b', tenants: ['acme', 'acme'] },
            { schedule: '0 * * * *', tenants: [] },
            { topic: 'c', tenant: 'not a tenant!' },
            { webhook: 'hook', tenant: 'acme' },
            { tenant: 'acme' },
          ],
        },
      ),
    ]);
    const has = (path: string, text: string) => lines.some((l) => l.startsWith(path) && l.includes(text));
    expect(has('workflows.0.triggers.0.tenants', 'expected either `tenant` or `tenants`, not both')).toBe(true);
    expect(has('workflows.0.triggers.1.tenants', 'expected each tenant once ("acme" is listed twice)')).toBe(true);
    expect(has('workflows.0.triggers.2.tenants', 'expected at least one tenant')).toBe(true);
    expect(has('workflows.0.triggers.3.tenant', 'expected a tenant: 1-64 of [A-Za-z0-9_-], received "not a tenant!"')).toBe(true);
    expect(has('workflows.0.triggers.4.tenant', "expected no tenant on a webhook: it runs in the authenticated caller's tenant")).toBe(
      true,
    );
    expect(has('workflows.0.triggers.5', 'expected a trigger: an object with one of webhook, schedule or topic')).toBe(true);
  });

  it('reports an unreadable or unparsable file', () => {
    expect(problems([join(dir, 'missing.yaml')]).some((l) => l.includes('expected a readable workflow file'))).toBe(true);
    expect(problems([file('name: [unclosed')]).some((l) => l.includes('expected a readable workflow file'))).toBe(true);
    expect(problems([file('{}', '.txt')]).some((l) => l.includes('expected a .yaml, .yml or .json file'))).toBe(true);
  });

  it('splits templates: literal text and ${…} with braces and quotes inside (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc
              .string()
              .filter((s) => !s.includes('$'))
              .map((text) => ({ text })),
            fc.constantFrom('input.text', "{'a': '}'}['a']", 'steps.a.output').map((expr) => ({ expr })),
          ),
        ),
        (parts) => {
          const merged: ({ text: string } | { expr: string })[] = [];
          for (const p of parts) {
            const last = merged.at(-1);
            if ('text' in p && p.text === '') continue;
            if ('text' in p && last && 'text' in last) last.text += p.text;
            else merged.push({ ...p });
          }
          const s = parts.map((p) => ('text' in p ? p.text : `\${${p.expr}}`)).join('');
          expect(splitTemplate(s)).toEqual(merged);
        },
      ),
    );
    expect(() => splitTemplate('a ${input.text')).toThrow(/unclosed/);
  });
});
