/**
 * Function tools: a tool declared in code with a zod input schema, run by a pool actor at
 * `tool/<name>` under its {@link ToolPolicy} (see runner.ts for the policies).
 */
import { z } from 'zod';
import { EncodeError, ValidationError, formatIssues } from '../../protocols/index.js';
import type { ActorRef, Behavior } from '../../runtime/index.js';
import type { ActorSystem } from '../../runtime/index.js';
import type { ToolSpec } from '../llm/types.js';
import { TOOL_NAME, toolActor, type ToolActorOptions, type ToolImpl } from './runner.js';
import type { FunctionTool, ToolCallResult, ToolContent } from './types.js';

/**
 * Declares a function tool (returns `def` itself, typed). Throws a RangeError when the name
 * is not 1–128 of `[A-Za-z0-9_.-]` (not starting with `.` or `-`), so `tool/<name>` is an address.
 */
export function defineTool<I>(def: FunctionTool<I>): FunctionTool<I> {
  assertToolName(def.name);
  return def;
}

/** Throws unless `name` is usable as a tool name. */
export function assertToolName(name: string): void {
  if (!TOOL_NAME.test(name))
    throw new ValidationError(
      `invalid tool name "${name.slice(0, 80)}": expected 1-128 of [A-Za-z0-9_.-], starting with a letter, digit or _`,
    );
}

/** The address of the actor serving tool `name`. */
export function toolAddress(name: string): string {
  return `tool/${name}`;
}

/**
 * The spec a model sees: name, description and the JSON Schema of the input (zod's input
 * view, so fields with defaults are optional). Throws when the input is not an object schema.
 */
export function toolSpec<I>(tool: FunctionTool<I>): ToolSpec {
  const schema = z.toJSONSchema(tool.input, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete schema['$schema'];
  if (schema['type'] !== 'object')
    throw new ValidationError(
      `tool ${tool.name}: input must be an object schema (z.object), got ${JSON.stringify(schema['type'] ?? 'no type')}`,
    );
  return { name: tool.name, description: tool.description, parameters: schema };
}

/**
 * Turns what `run` returned into a result: a string is one text item; an object is a text
 * item with its JSON plus `structuredContent`; arrays, numbers and booleans are a JSON text
 * item; `undefined`/`null` give no content; a value that already is a result (a `content`
 * array of typed items) is passed through, so tools can return images or set `isError`.
 */
export function toToolResult(value: unknown): ToolCallResult {
  if (typeof value === 'string') return { content: [{ type: 'text', text: value }] };
  if (value === undefined || value === null) return { content: [] };
  if (isToolCallResult(value)) return value;
  const text = JSON.stringify(value);
  if (text === undefined) throw new EncodeError(`tool returned a value JSON cannot represent (${typeof value})`);
  if (typeof value === 'object' && !Array.isArray(value))
    return { content: [{ type: 'text', text }], structuredContent: JSON.parse(text) as Record<string, unknown> };
  return { content: [{ type: 'text', text }] };
}

/** True for a value shaped like a {@link ToolCallResult}. */
export function isToolCallResult(v: unknown): v is ToolCallResult {
  if (typeof v !== 'object' || v === null) return false;
  const content = (v as { content?: unknown }).content;
  return (
    Array.isArray(content) &&
    content.every((c: unknown) => typeof c === 'object' && c !== null && typeof (c as ToolContent).type === 'string')
  );
}

/**
 * A Behavior for a pool actor at `tool/<tool.name>`: TOOL_CALL validates the arguments with
 * the zod input (bad ones give an error result naming the fields), runs the tool under its
 * policy and answers a {@link ToolCallResult}; TOOL_DESCRIBE answers the {@link toolSpec}.
 *
 * ```ts
 * await system.spawn(toolAddress(t.name), toolBehavior(t), { pool: true });
 * ```
 */
export function toolBehavior<I>(tool: FunctionTool<I>, options: ToolActorOptions = {}): Behavior {
  assertToolName(tool.name);
  const spec = toolSpec(tool);
  const impl: ToolImpl<I> = {
    name: tool.name,
    describe: () => spec,
    parse(args) {
      const r = tool.input.safeParse(args);
      return r.success ? { ok: true, input: r.data } : { ok: false, message: formatIssues(r.error.issues) };
    },
    async execute(input, ctx) {
      return toToolResult(await tool.run(input, ctx));
    },
  };
  return toolActor(impl, tool, options) as Behavior;
}

/** Spawns `tool` as a pool actor at `tool/<name>` on this node. */
export function spawnTool<I>(
  system: ActorSystem,
  tool: FunctionTool<I>,
  options: ToolActorOptions & { readonly tenant?: string } = {},
): Promise<ActorRef> {
  const { tenant, ...actorOptions } = options;
  return system.spawn(toolAddress(tool.name), toolBehavior(tool, actorOptions), {
    pool: true,
    ...(tenant === undefined ? {} : { tenant }),
  });
}
