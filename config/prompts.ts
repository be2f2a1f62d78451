// Prompt templates and personas as config (`prompts`, `personas`; docs/prompts.md). A template is inline
// (`template`), several versions (`versions`), or read from a file (`file`, relative to the working
// directory). Every template and section is parsed at load: a syntax error names the file or field, the
// line and the column; a variable the template uses but does not declare, and partials that include
// each other in a cycle, are config errors too.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  PROMPT_NAME,
  TemplateSyntaxError,
  parseTemplate,
  personaSchema,
  templateBodySchema,
  type TemplateBody,
} from '../protocols/index.js';

/** Variables every render has without declaring them (docs/prompts.md). */
export const BUILTIN_VARIABLES: ReadonlySet<string> = new Set(['agent', 'persona', 'metadata', 'now', 'context']);

const fileEntrySchema = templateBodySchema
  .omit({ template: true })
  .extend({ name: z.string().regex(PROMPT_NAME, { error: 'expected a template name: [a-z][a-z0-9_.-]{0,63}' }), file: z.string().min(1) });

const entrySchema = z.union([
  templateBodySchema.extend({ name: z.string().regex(PROMPT_NAME, { error: 'expected a template name: [a-z][a-z0-9_.-]{0,63}' }) }),
  z.strictObject({
    name: z.string().regex(PROMPT_NAME, { error: 'expected a template name: [a-z][a-z0-9_.-]{0,63}' }),
    versions: z.array(templateBodySchema).min(1).max(1000),
  }),
  fileEntrySchema,
]);

/** A template as config holds it: its versions in order (version n = `versions[n-1]`). */
export interface ConfiguredTemplate {
  readonly name: string;
  readonly versions: readonly TemplateBody[];
  /** The file the template was read from, when it was. */
  readonly file?: string;
}

type Ctx = z.RefinementCtx;

/** Checks one version: syntax of body and sections, declared variables. Returns the partials it names. */
function checkBody(b: TemplateBody, path: (string | number)[], ctx: Ctx, file?: string): string[] {
  const partials: string[] = [];
  const declared = new Set(Object.keys(b.variables));
  const parts: [string, (string | number)[]][] = [[b.template, [...path, 'template']]];
  b.sections.forEach((s, i) => parts.push([s.template, [...path, 'sections', i, 'template']]));
  for (const [text, where] of parts) {
    try {
      const shape = parseTemplate(text);
      partials.push(...shape.partials);
      for (const v of shape.variables)
        if (!declared.has(v) && !BUILTIN_VARIABLES.has(v))
          ctx.addIssue({
            code: 'custom',
            path: where,
            input: v,
            message: `expected the template's variables to declare "${v}" (it is used in the template)`,
          });
    } catch (e) {
      if (!(e instanceof TemplateSyntaxError)) throw e;
      const inFile = file === undefined || where.at(-2) === 'sections' ? '' : `${file} `;
      ctx.addIssue({
        code: 'custom',
        path: where,
        input: undefined,
        message: `expected a valid template: ${inFile}line ${e.line}, column ${e.column}: ${e.reason}`,
      });
    }
  }
  for (const [name, spec] of Object.entries(b.variables))
    if (spec.default !== undefined && !matchesType(spec.default, spec.type))
      ctx.addIssue({
        code: 'custom',
        path: [...path, 'variables', name, 'default'],
        input: spec.default,
        message: `expected a default of type ${spec.type}`,
      });
  return partials;
}

/** True when `value` is of the variable type `type`. */
export function matchesType(value: unknown, type: string): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    default:
      return typeof value === 'object' && value !== null && !Array.isArray(value);
  }
}

/** The names of a cycle in `edges` (name → partial names), or undefined. */
export function findCycle(edges: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === 2) return undefined;
    if (state.get(n) === 1) return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 1);
    stack.push(n);
    for (const m of edges.get(n) ?? []) {
      const c = visit(m);
      if (c !== undefined) return c;
    }
    stack.pop();
    state.set(n, 2);
    return undefined;
  };
  for (const n of edges.keys()) {
    const c = visit(n);
    if (c !== undefined) return c;
  }
  return undefined;
}

/** The `prompts` section: templates by name, files read, every version checked. */
export const promptsSchema = z
  .array(entrySchema)
  .default(() => [])
  .transform((entries, ctx): ConfiguredTemplate[] => {
    const out: ConfiguredTemplate[] = [];
    const edges = new Map<string, string[]>();
    entries.forEach((e, i) => {
      if (out.some((t) => t.name === e.name)) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'name'],
          input: e.name,
          message: `expected a unique template name ("${e.name}" is used twice)`,
        });
        return;
      }
      let versions: TemplateBody[];
      let file: string | undefined;
      if ('versions' in e) versions = e.versions;
      else if ('file' in e) {
        file = e.file;
        let text: string;
        try {
          text = readFileSync(e.file, 'utf8');
        } catch (err) {
          ctx.addIssue({
            code: 'custom',
            path: [i, 'file'],
            input: e.file,
            message: `expected a readable file (${(err as Error).message})`,
          });
          return;
        }
        const { name: _n, file: _f, ...rest } = e;
        versions = [{ ...rest, template: text }];
      } else {
        const { name: _n, ...rest } = e;
        versions = [rest];
      }
      const partials = versions.flatMap((v, j) => checkBody(v, 'versions' in e ? [i, 'versions', j] : [i], ctx, file));
      edges.set(
        e.name,
        partials.map((p) => p.split('@')[0] as string),
      );
      out.push({ name: e.name, versions, ...(file === undefined ? {} : { file }) });
    });
    const cycle = findCycle(edges);
    if (cycle !== undefined)
      ctx.addIssue({ code: 'custom', path: [], input: undefined, message: `expected partials without a cycle (${cycle.join(' → ')})` });
    return out;
  });

/** The `personas` section: names unique. */
export const personasSchema = z
  .array(personaSchema)
  .default(() => [])
  .superRefine((ps, ctx) => {
    const seen = new Set<string>();
    ps.forEach((p, i) => {
      if (seen.has(p.name))
        ctx.addIssue({
          code: 'custom',
          path: [i, 'name'],
          input: p.name,
          message: `expected a unique persona name ("${p.name}" is used twice)`,
        });
      seen.add(p.name);
    });
  });
