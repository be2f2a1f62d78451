/**
 * Rendering one template version: variables checked against its schema (a missing required one or a
 * value of the wrong type fails with the variable's name, never renders as an empty string), the body
 * and partials rendered with Mustache (no HTML escaping: `{{var}}` writes the value, an object or array
 * as JSON), then the context sections, each cut to its own token budget, dropped lowest priority first
 * while the whole exceeds the template's `maxTokens`.
 */
import Mustache from 'mustache';
import {
  ValidationError,
  parseTemplate,
  type PromptSection,
  type TemplateShape,
  type TemplateVersion,
  type VariableSpec,
} from '../../protocols/index.js';
import { BUILTIN_VARIABLES, matchesType } from '../../config/index.js';
import { countTokens, cutTokens } from './tokens.js';

/** A version parsed once: its body's and sections' shapes. */
export interface CompiledTemplate {
  readonly version: TemplateVersion;
  readonly shape: TemplateShape;
  readonly sections: readonly { readonly spec: PromptSection; readonly shape: TemplateShape }[];
}

/** Parses a version (throws TemplateSyntaxError) and checks that it declares every variable it uses. */
export function compileTemplate(version: TemplateVersion): CompiledTemplate {
  const shape = parseTemplate(version.template);
  const sections = version.sections.map((spec) => ({ spec, shape: parseTemplate(spec.template) }));
  for (const s of [shape, ...sections.map((x) => x.shape)])
    for (const v of s.variables)
      if (version.variables[v] === undefined && !BUILTIN_VARIABLES.has(v))
        throw new ValidationError(`template ${version.name}: variable "${v}" is used but not declared in its variables`);
  for (const [name, spec] of Object.entries(version.variables))
    if (spec.default !== undefined && !matchesType(spec.default, spec.type))
      throw new ValidationError(`template ${version.name}: the default of variable "${name}" is not of type ${spec.type}`);
  return { version, shape, sections };
}

/** A variable that is missing or of the wrong type. */
export class PromptVariableError extends ValidationError {
  constructor(
    readonly template: string,
    readonly variable: string,
    message: string,
  ) {
    super(`template ${template}: ${message}`, { details: { template, variable } });
    this.name = 'PromptVariableError';
  }
}

const typeName = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Checks `supplied` against `specs` and adds defaults; the error names the template and variable. */
export function bindVariables(
  id: string,
  specs: Readonly<Record<string, VariableSpec>>,
  supplied: Readonly<Record<string, unknown>>,
  into: Record<string, unknown> = {},
): Record<string, unknown> {
  for (const [name, spec] of Object.entries(specs)) {
    const value = supplied[name] ?? into[name] ?? spec.default;
    if (value === undefined) {
      if (spec.required) throw new PromptVariableError(id, name, `variable "${name}" (${spec.type}) is required but missing`);
      continue;
    }
    if (!matchesType(value, spec.type))
      throw new PromptVariableError(id, name, `variable "${name}" must be of type ${spec.type}, got ${typeName(value)}`);
    into[name] = value;
  }
  return into;
}

/** How `{{var}}` writes a value: strings as they are, objects and arrays as JSON. */
const write = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));
const OPTIONS = { escape: write };

/** What a render produced. */
export interface Rendered {
  readonly text: string;
  /** Sections dropped to fit `maxTokens`, lowest priority first. */
  readonly dropped: readonly string[];
  /** Tokens of the text when the template has a budget (counted to enforce it). */
  readonly tokens?: number;
}

/**
 * Renders `t` with `variables` (checked) and `builtins` (`agent`, `persona`, …); `partials` maps each
 * partial reference the template graph uses to its compiled version (resolved and checked for cycles by
 * the caller).
 */
export function renderCompiled(
  t: CompiledTemplate,
  variables: Readonly<Record<string, unknown>>,
  builtins: Readonly<Record<string, unknown>>,
  partials: ReadonlyMap<string, CompiledTemplate> = new Map(),
): Rendered {
  const id = `${t.version.name}@${t.version.version}`;
  const view: Record<string, unknown> = { ...builtins };
  bindVariables(id, t.version.variables, variables, view);
  const texts: Record<string, string> = {};
  for (const [ref, p] of partials) {
    bindVariables(`${p.version.name}@${p.version.version}`, p.version.variables, variables, view);
    texts[ref] = p.version.template;
  }
  const body = Mustache.render(t.version.template, view, texts, OPTIONS);
  if (t.sections.length === 0 && t.version.maxTokens === undefined) return { text: body, dropped: [] };
  const sections = t.sections.map((s, i) => {
    const rendered = Mustache.render(s.spec.template, view, texts, OPTIONS).trim();
    const cut = s.spec.maxTokens === undefined ? { text: rendered } : cutTokens(rendered, s.spec.maxTokens);
    return { name: s.spec.name, priority: s.spec.priority, index: i, text: cut.text, tokens: cut.tokens };
  });
  const dropped: string[] = [];
  let tokens: number | undefined;
  const max = t.version.maxTokens;
  // A token is at least one byte: a text whose UTF-8 length fits the budget needs no counting.
  const bytes = Buffer.byteLength(body) + sections.reduce((n, s) => n + Buffer.byteLength(s.text) + 2, 0);
  if (max !== undefined && bytes > max) {
    const counts = new Map(sections.map((s) => [s, s.tokens ?? countTokens(s.text)]));
    tokens = countTokens(body) + [...counts.values()].reduce((a, b) => a + b, 0);
    // Lowest priority first; among equals, the later section first.
    const order = [...sections].sort((a, b) => a.priority - b.priority || b.index - a.index);
    for (const s of order) {
      if (tokens <= max) break;
      tokens -= counts.get(s) ?? 0;
      dropped.push(s.name);
    }
  }
  const kept = sections.filter((s) => s.text !== '' && !dropped.includes(s.name)).map((s) => s.text);
  const text = [body.trimEnd(), ...kept].filter((x) => x !== '').join('\n\n');
  return { text, dropped, ...(tokens === undefined ? {} : { tokens }) };
}
