// The example workflow, exactly as written (docs/workflows.md), shared by the workflow tests and the bench.
import { readFileSync } from 'node:fs';

/** The DAG example of docs/workflows.md, as YAML (examples/workflows/support-flow.yaml). */
export const SUPPORT_FLOW_YAML = readFileSync(new URL('../../examples/workflows/support-flow.yaml', import.meta.url), 'utf8');
