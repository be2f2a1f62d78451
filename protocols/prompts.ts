/**
 * Prompt templates, personas and model parameters as wire contracts (docs/prompts.md): what config
 * files and the `/prompts` HTTP API accept, what storage holds, and what a request's `config` may
 * set for one run. Nothing here renders or stores anything (actors/prompt does).
 */
import { z } from 'zod';
import { outputFormatsSchema } from './content.js';

/** A template, partial, persona or label name. */
export const PROMPT_NAME = /^[a-z][a-z0-9_.-]{0,63}$/;
const promptName = (what: string) =>
  z.string({ error: `expected ${what}` }).regex(PROMPT_NAME, { error: `expected ${what}: [a-z][a-z0-9_.-]{0,63}` });

/** Sampling parameters a model call may carry, by their OpenAI wire names. */
export const modelParamsSchema = z.strictObject({
  temperature: z.number({ error: 'expected a number from 0 to 2' }).min(0).max(2).optional(),
  top_p: z.number({ error: 'expected a number from 0 to 1' }).min(0).max(1).optional(),
  max_tokens: z.int({ error: 'expected an integer >= 1' }).min(1).max(1_000_000).optional(),
  frequency_penalty: z.number({ error: 'expected a number from -2 to 2' }).min(-2).max(2).optional(),
  presence_penalty: z.number({ error: 'expected a number from -2 to 2' }).min(-2).max(2).optional(),
  stop: z
    .union([z.string().min(1).max(200), z.array(z.string().min(1).max(200)).min(1).max(4)], {
      error: 'expected a stop string or up to 4 of them',
    })
    .optional(),
  seed: z.int({ error: 'expected an integer seed' }).optional(),
});
export type ModelParams = z.infer<typeof modelParamsSchema>;

/** The names of {@link modelParamsSchema}'s fields. */
export const MODEL_PARAM_NAMES = Object.keys(modelParamsSchema.shape) as readonly (keyof ModelParams)[];

/** The type of a template variable. */
export const VARIABLE_TYPES = ['string', 'number', 'boolean', 'array', 'object'] as const;
export type VariableType = (typeof VARIABLE_TYPES)[number];

/** One variable of a template: its type, whether a render must supply it, its default. */
export const variableSpecSchema = z.strictObject({
  type: z.enum(VARIABLE_TYPES, { error: `expected a type: ${VARIABLE_TYPES.join(', ')}` }).default('string'),
  required: z.boolean().default(false),
  default: z.unknown().optional(),
  description: z.string().max(1000).optional(),
});
export type VariableSpec = z.infer<typeof variableSpecSchema>;

/** A block of context after the template's body, trimmed to its own budget; the lowest priority is dropped first. */
export const promptSectionSchema = z.strictObject({
  name: promptName('a section name'),
  /** The section's text (a template like the body). */
  template: z.string().max(200_000),
  /** Higher stays longer: when the template's `maxTokens` is exceeded, the lowest priority goes first. */
  priority: z.int().min(0).max(1000).default(0),
  /** The section is cut to this many tokens. */
  maxTokens: z.int().min(1).optional(),
});
export type PromptSection = z.infer<typeof promptSectionSchema>;

/** What a new version of a template says (config entries and `POST /prompts/{name}/versions`). */
export const templateBodySchema = z.strictObject({
  /** The body: a Mustache template (`{{var}}`, `{{#list}}…{{/list}}`, `{{> partial}}`). */
  template: z.string({ error: 'expected the template text' }).max(200_000),
  description: z.string().max(2000).default(''),
  variables: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/), variableSpecSchema).default(() => ({})),
  sections: z
    .array(promptSectionSchema)
    .max(32)
    .default(() => []),
  /** Token budget of body and sections together: sections are dropped, lowest priority first, to fit. */
  maxTokens: z.int().min(1).optional(),
  /** Labels this version gets (e.g. `production`). */
  labels: z
    .array(promptName('a label'))
    .max(16)
    .default(() => []),
});
export type TemplateBody = z.infer<typeof templateBodySchema>;

/** One stored version of a template. */
export const templateVersionSchema = templateBodySchema.omit({ labels: true }).extend({
  name: z.string(),
  version: z.int().min(1),
  created_at: z.string(),
  /** Where it came from: `config` (read-only) or `api`. */
  source: z.enum(['config', 'api']),
});
export type TemplateVersion = z.infer<typeof templateVersionSchema>;

/** A template named in config: one version inline, or several. */
export const templateConfigSchema = z.union([
  templateBodySchema.extend({ name: promptName('a template name') }),
  z.strictObject({ name: promptName('a template name'), versions: z.array(templateBodySchema).min(1).max(1000) }),
]);
export type TemplateConfig = z.infer<typeof templateConfigSchema>;

/** A reusable preset of how an agent speaks; it renders into the system prompt. */
export const personaSchema = z.strictObject({
  name: promptName('a persona name'),
  description: z.string().max(2000).default(''),
  tone: z.string().max(200).optional(),
  style: z.string().max(200).optional(),
  verbosity: z.enum(['terse', 'concise', 'normal', 'detailed']).optional(),
  language: z.string().max(64).optional(),
  /** Free text appended as is. */
  instructions: z.string().max(20_000).optional(),
});
export type Persona = z.infer<typeof personaSchema>;

/** `name`, `name@<label>` or `name@<version>`: which version of a template to render. */
export const promptRefSchema = z
  .string({ error: 'expected a template reference: name, name@label or name@version' })
  .regex(/^[a-z][a-z0-9_.-]{0,63}(@([a-z][a-z0-9_.-]{0,63}|[1-9][0-9]{0,8}))?$/, {
    error: 'expected a template reference: name, name@label or name@version',
  });

/** A parsed {@link promptRefSchema}: a label (default `production`) or a version. */
export type PromptRef = { readonly name: string; readonly label: string } | { readonly name: string; readonly version: number };

/** Parses `name[@label|@version]` (absent: the `production` label). */
export function parsePromptRef(ref: string): PromptRef {
  const at = ref.indexOf('@');
  if (at < 0) return { name: ref, label: 'production' };
  const name = ref.slice(0, at);
  const tail = ref.slice(at + 1);
  return /^[0-9]+$/.test(tail) ? { name, version: Number(tail) } : { name, label: tail };
}

/** Which template version a run rendered (on its record and its first `status` event). */
export const renderedPromptSchema = z.object({
  name: z.string(),
  version: z.int().min(1),
  /** The label it was picked by, when it was. */
  label: z.string().optional(),
  /** Partials it included, by name, with their versions. */
  partials: z.record(z.string(), z.int().min(1)).optional(),
  /** Sections dropped to fit the budget. */
  dropped: z.array(z.string()).optional(),
  /** The experiment that assigned this version to the run (docs/trainers.md). */
  experiment: z.string().optional(),
  /** The model id the experiment's arm sends the run's calls to; null: the agent's configured model. */
  model: z.string().nullable().optional(),
});
export type RenderedPrompt = z.infer<typeof renderedPromptSchema>;

/**
 * What a request's `config` (or `config.configurable`, which wins) may set for one run: model parameters, a
 * persona, a template reference and its variables, the answer's output formats. Other keys of `config` are left alone.
 */
export const runOptionsSchema = modelParamsSchema.extend({
  persona: promptName('a persona name').optional(),
  prompt: promptRefSchema.optional(),
  variables: z.record(z.string(), z.unknown()).optional(),
  /** The formats the answer is delivered in (docs/adr/0046-output-formats.md); absent: text as the model writes it. */
  output_format: outputFormatsSchema.optional(),
});
export type RunOptions = z.infer<typeof runOptionsSchema>;

const RUN_OPTION_KEYS = Object.keys(runOptionsSchema.shape);

/** Picks the run options out of a request's `config` (top level and `configurable`); throws a ZodError on a bad value. */
export function runOptionsFrom(config: Readonly<Record<string, unknown>> | undefined): RunOptions {
  if (config === undefined) return {};
  const configurable = config['configurable'];
  const merged: Record<string, unknown> = {};
  for (const source of [config, typeof configurable === 'object' && configurable !== null ? configurable : {}])
    for (const k of RUN_OPTION_KEYS) {
      const v = (source as Record<string, unknown>)[k];
      if (v !== undefined && v !== null) merged[k] = v;
    }
  return runOptionsSchema.parse(merged);
}
