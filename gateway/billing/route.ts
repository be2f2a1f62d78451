/**
 * `GET /billing?from&to[&tenant][&format=csv]` (docs/blueprints.md, “Billing”): a tenant's invoice for the days
 * `from`..`to` (UTC, inclusive): the metered usage rows of its runs (ADR 0027: one row per run, bucket `usage`) of
 * blueprint agents (`<blueprint>/<agent>`), priced with each blueprint's manifest `pricing` — per run, per 1k tokens
 * (input + output) and per tool call. Like `/usage`, a price applies when the invoice is read (the installed version's
 * prices) and another tenant than the caller's needs `usage:read:all`. Runs of agents from no installed blueprint
 * are counted as unbilled; runs of a staged upgrade (`<name>@next/…`, its evals) are not billed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ALL_TENANTS,
  STAGED,
  USAGE_BUCKET,
  registryOf,
  usageDays,
  usageDay,
  type BlueprintRegistry,
  type UsageRow,
} from '../../actors/index.js';
import type { BlueprintManifest } from '../../config/index.js';
import { ValidationError } from '../../protocols/index.js';
import { gatewayError, methodNotAllowedError, sendJson } from '../http.js';
import type { GatewayDeps, HttpRoute, Principal } from '../types.js';
import { usageParam, usageTenantOf } from '../usage/index.js';

type Pricing = BlueprintManifest['pricing'];

/** One invoice line: a blueprint's metered usage and what it costs. */
export interface InvoiceLine {
  readonly blueprint: string;
  readonly version: string | null;
  readonly currency: string;
  readonly runs: number;
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly tool_calls: number;
  readonly prices: Pricing | null;
  readonly amounts: { readonly runs: number; readonly tokens: number; readonly tool_calls: number };
  readonly total: number;
}

/** An invoice: lines by blueprint, totals by currency. */
export interface Invoice {
  readonly tenant: string;
  readonly from: string;
  readonly to: string;
  readonly lines: readonly InvoiceLine[];
  readonly totals: Readonly<Record<string, number>>;
  readonly unbilled_runs: number;
}

/** A usage row with the run it belongs to. */
export interface MeteredRun extends UsageRow {
  readonly run_id: string;
  readonly day: string;
}

/** Amounts are kept to 1e-6 of a currency unit (a line's total is the sum of its rounded parts). */
const round = (n: number): number => Math.round(n * 1e6) / 1e6;

/** Prices `runs` with `priceOf(blueprint)` (undefined: no longer installed, billed nothing but listed). */
export function priceRuns(
  tenant: string,
  from: string,
  to: string,
  runs: readonly MeteredRun[],
  priceOf: (blueprint: string) => { pricing: Pricing; version: string } | undefined,
): Invoice {
  const sums = new Map<string, { runs: number; input: number; output: number; tools: number }>();
  let unbilled = 0;
  for (const r of runs) {
    const slash = r.agent.indexOf('/');
    const bp = slash < 0 ? undefined : r.agent.slice(0, slash);
    if (bp === undefined || bp.endsWith(STAGED)) {
      unbilled++;
      continue;
    }
    const s = sums.get(bp) ?? { runs: 0, input: 0, output: 0, tools: 0 };
    s.runs++;
    s.input += r.input_tokens;
    s.output += r.output_tokens;
    s.tools += r.tool_calls ?? 0;
    sums.set(bp, s);
  }
  const lines: InvoiceLine[] = [];
  const totals: Record<string, number> = {};
  for (const [bp, s] of [...sums.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const p = priceOf(bp);
    const amounts =
      p === undefined
        ? { runs: 0, tokens: 0, tool_calls: 0 }
        : {
            runs: round(s.runs * p.pricing.perRun),
            tokens: round(((s.input + s.output) / 1000) * p.pricing.per1kTokens),
            tool_calls: round(s.tools * p.pricing.perToolCall),
          };
    const total = round(amounts.runs + amounts.tokens + amounts.tool_calls);
    const currency = p?.pricing.currency ?? 'USD';
    totals[currency] = round((totals[currency] ?? 0) + total);
    lines.push({
      blueprint: bp,
      version: p?.version ?? null,
      currency,
      runs: s.runs,
      input_tokens: s.input,
      output_tokens: s.output,
      tool_calls: s.tools,
      prices: p?.pricing ?? null,
      amounts,
      total,
    });
  }
  return { tenant, from, to, lines, totals, unbilled_runs: unbilled };
}

/** The invoice as CSV: one row per line, then one total row per currency. */
export function invoiceCsv(inv: Invoice): string {
  const head =
    'tenant,from,to,blueprint,version,currency,runs,input_tokens,output_tokens,tool_calls,' +
    'amount_runs,amount_tokens,amount_tool_calls,total';
  const cell = (v: unknown): string => {
    const s = v === null || v === undefined ? '' : String(v);
    // Cells a spreadsheet would run as a formula are quoted with a leading apostrophe.
    const safe = /^[=+\-@\t\r]/.test(s) && !/^-?\d/.test(s) ? `'${s}` : s;
    return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  const rows = inv.lines.map((l) =>
    [
      inv.tenant,
      inv.from,
      inv.to,
      l.blueprint,
      l.version,
      l.currency,
      l.runs,
      l.input_tokens,
      l.output_tokens,
      l.tool_calls,
      l.amounts.runs,
      l.amounts.tokens,
      l.amounts.tool_calls,
      l.total,
    ]
      .map(cell)
      .join(','),
  );
  const totals = Object.entries(inv.totals).map(([c, t]) =>
    [inv.tenant, inv.from, inv.to, 'TOTAL', '', c, '', '', '', '', '', '', '', t].map(cell).join(','),
  );
  return `${[head, ...rows, ...totals].join('\r\n')}\r\n`;
}

const PARAMS = new Set(['from', 'to', 'tenant', 'format']);

const param = usageParam;
/** The tenant a caller may bill: its own, or any with `usage:read:all` (admins), as `/usage`. */
const tenantOf = (q: URLSearchParams, principal: Principal): string => usageTenantOf(q, principal, 'GET /billing');

/** Every metered run of `tenant` on the days `from`..`to`. */
export async function meteredRuns(deps: GatewayDeps, tenant: string, from: string, to: string): Promise<MeteredRun[]> {
  const bucket = deps.system.storage.bucket(USAGE_BUCKET);
  const out: MeteredRun[] = [];
  for (const day of usageDays(from, to))
    for (const e of await bucket.list<UsageRow>([tenant, day])) out.push({ ...e.value, run_id: e.key[2] as string, day });
  return out;
}

/** The `/billing` route over `deps`. */
export function billingRoute(deps: GatewayDeps): HttpRoute {
  let registry: Promise<BlueprintRegistry> | undefined;
  const reg = (): Promise<BlueprintRegistry> => (registry ??= registryOf(deps.system.storage, (m) => deps.system.warn(m)));
  return {
    prefix: '/billing',
    async handle(req: IncomingMessage, res: ServerResponse, principal: Principal, path: string): Promise<void> {
      if (path !== '' && path !== '/') throw gatewayError('not_found', 'invoices are read at GET /billing');
      if (req.method !== 'GET') throw methodNotAllowedError('GET /billing');
      const q = new URL(req.url ?? '/', 'http://x').searchParams;
      for (const k of q.keys())
        if (!PARAMS.has(k))
          throw new ValidationError(`unknown query parameter ${JSON.stringify(k).slice(0, 60)} (from, to, tenant, format)`);
      const tenant = tenantOf(q, principal);
      const format = param(q, 'format') ?? 'json';
      if (format !== 'json' && format !== 'csv') throw new ValidationError('format: expected json or csv');
      const today = usageDay((deps.clock ?? deps.system.clock).now());
      const from = param(q, 'from') ?? `${today.slice(0, 8)}01`;
      const to = param(q, 'to') ?? (from > today ? from : today);
      const runs = await meteredRuns(deps, tenant, from, to);
      const r = await reg();
      const prices = new Map<string, { pricing: Pricing; version: string } | undefined>();
      for (const bp of new Set(runs.map((x) => x.agent.split('/')[0] as string))) {
        const rec = (await r.get(tenant, bp)) ?? (await r.get(ALL_TENANTS, bp));
        prices.set(bp, rec === undefined ? undefined : { pricing: rec.manifest.pricing, version: rec.version });
      }
      const invoice = priceRuns(tenant, from, to, runs, (bp) => prices.get(bp));
      if (format === 'json') return sendJson(res, 200, invoice);
      const csv = invoiceCsv(invoice);
      res.writeHead(200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-length': Buffer.byteLength(csv),
        'content-disposition': `attachment; filename="invoice-${tenant}-${from}-${to}.csv"`,
      });
      res.end(csv);
    },
  };
}
