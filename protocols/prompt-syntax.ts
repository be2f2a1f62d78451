/**
 * The syntax of prompt templates: Mustache (`{{var}}`, `{{{raw}}}`, `{{#section}}…{{/section}}`,
 * `{{^inverted}}`, `{{> partial}}`, `{{! comment}}`), parsed with the `mustache` library. A syntax
 * error names its line and column; so does a tag whose name is no variable name (Mustache reads
 * `{{name}` up to the next `}}` as one odd name instead of failing). Pure: config validation and
 * the renderer (actors/prompt) both use it.
 */
import Mustache from 'mustache';
import { ValidationError } from './errors.js';

/** A template that does not parse: where and why. */
export class TemplateSyntaxError extends ValidationError {
  override name = 'TemplateSyntaxError';
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`template syntax error at line ${line}, column ${column}: ${reason}`, { details: { line, column } });
  }
}

/** What a template refers to: variables (top-level names), and partials by reference. */
export interface TemplateShape {
  /** Parsed tokens (Mustache's own form), cached by the renderer. */
  readonly tokens: readonly unknown[];
  /** First segment of every name used outside a section's own scope (`user.name` → `user`). */
  readonly variables: ReadonlySet<string>;
  /** Names used inside sections (they may resolve against the section's item). */
  readonly scoped: ReadonlySet<string>;
  /** Partials named with `{{> …}}`. */
  readonly partials: readonly string[];
}

const NAME = /^([A-Za-z_][A-Za-z0-9_]*)(\.[A-Za-z_0-9]+)*$|^\.$/;
const PARTIAL = /^[a-z][a-z0-9_.-]{0,63}(@([a-z][a-z0-9_.-]{0,63}|[1-9][0-9]{0,8}))?$/;

/** Line and column (from 1) of character `index` of `text`. */
export function lineColumn(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < index && i < text.length; i++)
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  return { line, column: index - start + 1 };
}

type Token = [type: string, value: string, start: number, end: number, children?: Token[]];

/** Parses `text`; throws {@link TemplateSyntaxError} with line and column. */
export function parseTemplate(text: string): TemplateShape {
  let tokens: Token[];
  try {
    tokens = Mustache.parse(text) as unknown as Token[];
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const at = /^(.*) at (\d+)$/.exec(msg);
    let index = at === null ? 0 : Number(at[2]);
    // Mustache reports an unclosed section at the end of the text: point at the tag that opened it.
    const unclosed = /^Unclosed section "(.*)"/.exec(msg);
    if (unclosed !== null) {
      const name = (unclosed[1] as string).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const opens = [...text.slice(0, index).matchAll(new RegExp(`\\{\\{\\s*[#^]\\s*${name}\\s*\\}\\}`, 'g'))];
      if (opens.length > 0) index = (opens.at(-1) as RegExpExecArray).index;
    } else if (msg.startsWith('Unclosed tag')) {
      index = Math.max(0, text.lastIndexOf('{{', index));
    }
    const { line, column } = lineColumn(text, index);
    throw new TemplateSyntaxError(at === null ? msg : (at[1] as string), line, column);
  }
  const variables = new Set<string>();
  const scoped = new Set<string>();
  const partials: string[] = [];
  const walk = (list: readonly Token[], depth: number): void => {
    for (const t of list) {
      const [type, value, start] = t;
      if (type === 'text' || type === '!' || type === '=') continue;
      if (type === '>') {
        if (!PARTIAL.test(value))
          throw at(text, start, `bad partial name ${JSON.stringify(value)} (expected name, name@label or name@version)`);
        partials.push(value);
        continue;
      }
      if (!NAME.test(value)) throw at(text, start, `bad tag ${JSON.stringify(`{{${value}}}`)} (expected a variable name)`);
      const head = value.split('.')[0] as string;
      if (value !== '.') (depth === 0 ? variables : scoped).add(head);
      if ((type === '#' || type === '^') && t[4] !== undefined) walk(t[4], depth + (type === '#' ? 1 : 0));
    }
  };
  walk(tokens, 0);
  return { tokens, variables, scoped, partials };
}

function at(text: string, index: number, reason: string): TemplateSyntaxError {
  const { line, column } = lineColumn(text, index);
  return new TemplateSyntaxError(reason, line, column);
}
