/** `/billing`: per-tenant invoices of blueprint usage, JSON or CSV (docs/blueprints.md). */
export { billingRoute, priceRuns, invoiceCsv, meteredRuns } from './route.js';
export type { Invoice, InvoiceLine, MeteredRun } from './route.js';
