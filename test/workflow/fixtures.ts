// The example workflow, exactly as written (docs/workflows.md), shared by the workflow tests.

/** The DAG example of docs/workflows.md, as YAML. */
export const SUPPORT_FLOW_YAML = `name: support-flow
input: { text: string }
steps:
  classify: { agent: triage, input: "\${input.text}" }
  billing:  { agent: billing, needs: [classify], if: "steps.classify.output.contains('bill')", input: "\${input.text}" }
  tech:     { agent: tech, needs: [classify], if: "!steps.classify.output.contains('bill')", input: "\${input.text}" }
  review:   { human: "Send this answer?", needs: [billing, tech] }
  stamp:    { tool: clock, needs: [review] }
output: { answer: "\${has(steps.billing.output) ? steps.billing.output : steps.tech.output}", at: "\${steps.stamp.output}" }
`;

/** The events of the example up to its human step, for a bill ("billing" runs, "tech" is skipped). */
export const SUPPORT_FLOW_TO_REVIEW = [
  'workflow.started',
  'step.started',
  'step.completed',
  'step.skipped',
  'step.started',
  'step.completed',
  'step.started',
  'step.waiting',
];
