/**
 * The system prompt of one run: the agent's template (when it names one, or the request picks one)
 * rendered with its variables, then its `instructions`, then its persona (the request's `config.persona`, else its
 * `metadata.persona`, else the agent's) — unless the template places
 * the persona itself with `{{persona}}`. Variables come, lowest first, from each variable's default, the
 * agent's config `variables`, the request's metadata (for names the template declares) and the
 * request's `config.variables`.
 */
import {
  PROMPT_NAME,
  ValidationError,
  type ModelParams,
  type Persona,
  type RenderedPrompt,
  type RunOptions,
} from '../../protocols/index.js';
import type { PromptLibrary } from './library.js';

/** What an agent's config says about its prompt. */
export interface AgentPromptSpec {
  readonly name: string;
  readonly instructions: string;
  readonly prompt?: string;
  readonly variables?: Readonly<Record<string, unknown>>;
  readonly persona?: string | Persona;
}

/** The request a run starts from. */
export interface PromptRequest {
  readonly tenant: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly options: RunOptions;
  /** Epoch ms (the `now` variable). */
  readonly now: number;
}

/** A run's system prompt and which template version made it. */
export interface SystemPrompt {
  readonly text: string;
  readonly prompt?: RenderedPrompt;
}

const VERBOSITY: Record<NonNullable<Persona['verbosity']>, string> = {
  terse: 'as few words as possible',
  concise: 'short answers, no filler',
  normal: 'as long as the question needs',
  detailed: 'thorough answers with explanations and examples',
};

/** A persona as system-prompt text. */
export function personaText(p: Persona): string {
  const lines = [`Persona: ${p.name}${p.description === '' ? '' : ` — ${p.description}`}.`];
  if (p.tone !== undefined) lines.push(`Tone: ${p.tone}.`);
  if (p.style !== undefined) lines.push(`Style: ${p.style}.`);
  if (p.verbosity !== undefined) lines.push(`Verbosity: ${p.verbosity} (${VERBOSITY[p.verbosity]}).`);
  if (p.language !== undefined) lines.push(`Always answer in ${p.language}.`);
  if (p.instructions !== undefined && p.instructions.trim() !== '') lines.push(p.instructions.trim());
  return lines.join('\n');
}

/** Renders the system prompt of a run of `agent` for `req`. */
export async function systemPrompt(lib: PromptLibrary, agent: AgentPromptSpec, req: PromptRequest): Promise<SystemPrompt> {
  const fromMetadata = req.metadata['persona'];
  if (fromMetadata !== undefined && (typeof fromMetadata !== 'string' || !PROMPT_NAME.test(fromMetadata)))
    throw new ValidationError('metadata.persona: expected a persona name');
  const personaRef = req.options.persona ?? fromMetadata ?? agent.persona;
  const persona =
    personaRef === undefined ? undefined : typeof personaRef === 'string' ? await lib.persona(req.tenant, personaRef) : personaRef;
  const shown = persona === undefined ? '' : personaText(persona);
  const ref = req.options.prompt ?? agent.prompt;
  const parts: string[] = [];
  let prompt: RenderedPrompt | undefined;
  let placed = false;
  if (ref !== undefined) {
    const { template } = await lib.resolve(req.tenant, ref);
    const fromMetadata = Object.fromEntries(
      Object.keys(template.version.variables).flatMap((k) => (req.metadata[k] === undefined ? [] : [[k, req.metadata[k]]])),
    );
    const variables = { ...(agent.variables ?? {}), ...fromMetadata, ...(req.options.variables ?? {}) };
    const builtins = { agent: agent.name, persona: shown, metadata: req.metadata, now: new Date(req.now).toISOString(), context: {} };
    const out = await lib.render(req.tenant, ref, variables, builtins);
    placed = out.template.shape.variables.has('persona');
    if (out.text.trim() !== '') parts.push(out.text.trim());
    prompt = out.prompt;
  }
  if (agent.instructions.trim() !== '') parts.push(agent.instructions);
  if (!placed && shown !== '') parts.push(shown);
  return { text: parts.join('\n\n'), ...(prompt === undefined ? {} : { prompt }) };
}

/** The model parameters of a call: the agent's, overridden field by field by the request's. */
export function mergeParams(agent: ModelParams | undefined, options: RunOptions): ModelParams {
  const out: Record<string, unknown> = { ...(agent ?? {}) };
  for (const k of ['temperature', 'top_p', 'max_tokens', 'frequency_penalty', 'presence_penalty', 'stop', 'seed'] as const)
    if (options[k] !== undefined) out[k] = options[k];
  return out as ModelParams;
}
