/** Datasets from runs (docs/trainers.md, "Datasets"): select by feedback, tags and time; export redacted. */
export { runFilterSchema, selectRuns, meanScore, MAX_EXPORT_RUNS } from './select.js';
export type { RunFilter, SelectedRun } from './select.js';
export { datasetRedactor } from './redact.js';
export type { Redact } from './redact.js';
export { chatJsonl, preferenceJsonl, evalSuiteYaml, correctionText } from './formats.js';
export type { OpenAIMessage, ExportOptions } from './formats.js';
export { exportDataset, DATASET_FORMATS, exportRequestSchema } from './export.js';
export type { DatasetFormat, ExportRequest, DatasetExport } from './export.js';
