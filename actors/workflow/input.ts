// A workflow run's input (docs/workflows.md, "Input"): taken from what a client sends and checked against the
// definition's `input` fields before anything runs — a missing required field or a wrong type is the caller's error.
import { ValidationError, parseWireJson } from '../../protocols/index.js';
import type { WorkflowDefinition } from '../../config/index.js';

function typeOk(type: string, v: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'integer':
      return Number.isSafeInteger(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    case 'array':
      return Array.isArray(v);
    default:
      return true;
  }
}

/** Throws a ValidationError naming the field when `input` does not match the definition's input fields. */
export function checkInput(def: WorkflowDefinition, input: unknown): void {
  const fields = Object.entries(def.input);
  if (fields.length === 0) return;
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    throw new ValidationError(`workflow ${def.name}: expected an input object with ${fields.map(([k]) => k).join(', ')}`);
  const o = input as Record<string, unknown>;
  for (const [name, t] of fields) {
    const optional = t.endsWith('?');
    const type = t.replace(/\?$/, '');
    if (o[name] === undefined) {
      if (!optional) throw new ValidationError(`workflow ${def.name}: input.${name} is required (a ${type})`);
      continue;
    }
    if (!typeOk(type, o[name])) throw new ValidationError(`workflow ${def.name}: input.${name}: expected a ${type}`);
  }
}

/**
 * The input of a run started by a chat message: a JSON object as it is; otherwise, when the workflow declares one
 * required string field (like `text`), the message fills it; with no declared fields, the text itself.
 */
export function inputFromText(def: WorkflowDefinition, text: string): unknown {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let v: unknown;
    try {
      v = parseWireJson(trimmed, 'the workflow input');
    } catch (e) {
      // Not JSON: taken as text below. JSON past the client limits is refused.
      if (!(e instanceof Error) || !e.message.includes('not valid JSON')) throw e;
    }
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v;
  }
  const fields = Object.entries(def.input);
  if (fields.length === 0) return text;
  const required = fields.filter(([, t]) => !t.endsWith('?'));
  const [only] = required;
  if (required.length === 1 && only !== undefined && (only[1] === 'string' || only[1] === 'any')) return { [only[0]]: text };
  return text;
}
