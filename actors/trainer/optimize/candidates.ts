/**
 * Candidate prompt versions of an optimisation, as exact data (ADR 0032). A rewrite replaces the template's body;
 * demonstrations go in a section whose text is a variable's default rendered unescaped (`{{{opt_demos}}}`), and a
 * rewrite that is not a valid template for the base's variables is kept the same way (`{{{opt_instructions}}}`) —
 * so no text a teacher or a user wrote is ever read as Mustache: saving, loading and rendering a candidate gives back
 * its exact strings.
 */
import type { TemplateBody, TemplateVersion } from '../../../protocols/index.js';
import { compileTemplate } from '../../prompt/index.js';
import type { EvalCase } from '../eval/index.js';
import { seedOf, seeded } from '../experiments/bandit.js';

/** One demonstration: a user's input and the answer wanted. */
export interface Demo {
  readonly input: string;
  readonly output: string;
  /** Where it came from: a feedback correction, a well-scored run, or a train case a candidate got right. */
  readonly source: 'correction' | 'feedback' | 'bootstrap';
}

/** The variable a candidate's demonstrations are kept in. */
export const DEMOS_VARIABLE = 'opt_demos';
/** The variable a literal rewrite is kept in. */
export const INSTRUCTIONS_VARIABLE = 'opt_instructions';

/** The demonstrations as prompt text. */
export function demosText(demos: readonly Demo[]): string {
  return ['Examples:', ...demos.map((d) => `Input: ${d.input}\nOutput: ${d.output}`)].join('\n\n');
}

/** The body of a stored version, as a new version would be created from it (no labels). */
export function bodyOf(v: TemplateVersion): TemplateBody {
  return {
    template: v.template,
    description: v.description,
    variables: v.variables,
    sections: v.sections,
    ...(v.maxTokens === undefined ? {} : { maxTokens: v.maxTokens }),
    labels: [],
  };
}

/**
 * `base` with its body replaced by `instructions`: as a template when it parses and uses only the tags base's body
 * uses (its placeholders kept by the teacher), else literally.
 */
export function withInstructions(base: TemplateBody, name: string, instructions: string): TemplateBody {
  const asTemplate: TemplateBody = { ...base, template: instructions };
  const compile = (b: TemplateBody) => compileTemplate({ ...b, name, version: 1, created_at: '', source: 'api' }).shape;
  try {
    const had = compile(base);
    const shape = compile(asTemplate);
    const same =
      [...shape.variables, ...shape.scoped].every((v) => had.variables.has(v) || had.scoped.has(v)) &&
      shape.partials.every((p) => had.partials.includes(p));
    if (!same) throw new Error('tags base does not use');
    return asTemplate;
  } catch {
    return {
      ...base,
      template: `{{{${INSTRUCTIONS_VARIABLE}}}}`,
      variables: { ...base.variables, [INSTRUCTIONS_VARIABLE]: { type: 'string', required: false, default: instructions } },
    };
  }
}

/** `base` with `demos` appended as the section `demonstrations` (replacing one from an earlier optimisation). */
export function withDemos(base: TemplateBody, demos: readonly Demo[]): TemplateBody {
  return {
    ...base,
    sections: [
      ...base.sections.filter((s) => s.name !== 'demonstrations'),
      { name: 'demonstrations', template: `{{{${DEMOS_VARIABLE}}}}`, priority: 0 },
    ],
    variables: { ...base.variables, [DEMOS_VARIABLE]: { type: 'string', required: false, default: demosText(demos) } },
  };
}

/** Splits cases into train and held-out (a seeded shuffle; at least one case on each side). */
export function splitCases(cases: readonly EvalCase[], holdout: number, seed: string): { train: EvalCase[]; heldout: EvalCase[] } {
  const r = seeded(seedOf(seed));
  const shuffled = [...cases];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j] as EvalCase, shuffled[i] as EvalCase];
  }
  const held = Math.min(shuffled.length - 1, Math.max(1, Math.round(shuffled.length * holdout)));
  return { heldout: shuffled.slice(0, held), train: shuffled.slice(held) };
}

/** Demonstrations to try: from feedback first (people said so), then bootstrapped ones, one per input, at most `max`. */
export function pickDemos(corrections: readonly Demo[], bootstrapped: readonly Demo[], max: number): Demo[] {
  const seen = new Set<string>();
  const out: Demo[] = [];
  for (const d of [...corrections, ...bootstrapped]) {
    if (out.length >= max) break;
    if (seen.has(d.input)) continue;
    seen.add(d.input);
    out.push(d);
  }
  return out;
}
