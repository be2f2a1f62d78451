/**
 * `troupe blueprint init | validate | pack | install | list | remove | upgrade` (docs/blueprints.md). Every action that
 * changes a node goes through the gateway's `/blueprints` API: of a running mesh with `--url` and an admin key, or of
 * an embedded node over the config's data dir (started in this process, as `troupe deadletters` does), so both do
 * the same checks. Knowledge packs are ingested document by document with a progress bar; `upgrade` stages the new
 * version as `<name>@next/…`, runs its eval suites against it, and switches only when every case passes.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  BlueprintError,
  MAX_BUNDLE_BYTES,
  MAX_BUNDLE_FILES,
  checkBlueprint,
  parseManifest,
  type BundleFiles,
  type CheckedBlueprint,
} from '../config/index.js';
import { UsageError, type Command } from './command.js';
import { adminCall } from './admin-call.js';
import { SESSION_OPTIONS, SESSION_USAGE, openSession, type Session } from './session.js';

const usage = `troupe blueprint init <dir> [--name NAME]
troupe blueprint validate <dir|file.tgz>
troupe blueprint pack <dir> [--out FILE.tgz]
troupe blueprint install <dir|file.tgz> [--tenant T|*] [--url URL --key KEY] [--config FILE]
troupe blueprint list [--tenant T] [--json]
troupe blueprint remove <name> [--tenant T|*]
troupe blueprint upgrade <dir|file.tgz> [--tenant T|*] [--concurrency N]
troupe blueprint eval <dir|file.tgz> [--concurrency N]     run its eval suites against the installed version
  Blueprints bundle agents, prompt templates, workflows, guardrails, eval suites, knowledge packs and tool modules
  behind a manifest (blueprint.yaml). Installed agents run as <blueprint>/<agent> (troupe run support-desk/triage …).
  --tenant T      the tenant to install for; * for every tenant (default: the key's tenant; embedded: every tenant)
  --json          print JSON
${SESSION_USAGE}
Exit codes: 0 done, 1 refused (invalid bundle, missing requirements, failed evals), 2 usage.`;

/** `every tenant` or `tenant T`. */
const whom = (t: string): string => (t === '*' ? 'every tenant' : `tenant ${t}`);

/** Files never packed. */
const SKIP = new Set(['node_modules', '.git', '.DS_Store']);

/** Reads a bundle directory into its file map (text files; dot files and node_modules skipped). */
export function readBundleDir(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  let bytes = 0;
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      if (SKIP.has(name) || name.startsWith('.')) continue;
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else {
        const text = readFileSync(p, 'utf8');
        bytes += Buffer.byteLength(text);
        files[relative(dir, p).split('\\').join('/')] = text;
        if (bytes > MAX_BUNDLE_BYTES || Object.keys(files).length > MAX_BUNDLE_FILES)
          throw new UsageError(`${dir}: a bundle holds at most ${MAX_BUNDLE_FILES} files and ${MAX_BUNDLE_BYTES} bytes`);
      }
    }
  };
  walk(dir);
  return files;
}

/** Reads a bundle: a directory, or a `.tgz` written by `pack` (unpacked in a temporary directory, no links). */
export async function readBundle(path: string): Promise<Record<string, string>> {
  if (!existsSync(path)) throw new UsageError(`${path}: no such file or directory`);
  if (statSync(path).isDirectory()) return readBundleDir(path);
  const tar = await import('tar');
  const dir = mkdtempSync(join(tmpdir(), 'troupe-bp-'));
  try {
    await tar.x({
      file: path,
      cwd: dir,
      strict: true,
      // Only files and directories: links could point outside the bundle.
      filter: (_p: string, entry: unknown) => ['File', 'Directory'].includes(String((entry as { type?: unknown }).type)),
    });
    return readBundleDir(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Checks a bundle, printing every issue (file: field: message); undefined when invalid. */
function checked(files: BundleFiles, where: string): CheckedBlueprint | undefined {
  try {
    return checkBlueprint(files);
  } catch (e) {
    if (!(e instanceof BlueprintError)) throw e;
    console.error(`troupe blueprint: ${where} is not a valid blueprint:`);
    for (const i of e.issues) console.error(`  ${i.file}: ${i.path === '' ? '' : `${i.path}: `}${i.message}`);
    return undefined;
  }
}

/** A progress bar on a TTY, one line per step otherwise (stderr). */
function progress(total: number, what: string): (done: number, label: string) => void {
  const tty = process.stderr.isTTY;
  return (done, label) => {
    if (!tty) return void process.stderr.write(`[${what} ${done}/${total}] ${label}\n`);
    const filled = Math.round((done / Math.max(1, total)) * 30);
    process.stderr.write(
      `\r${what} [${'#'.repeat(filled)}${'.'.repeat(30 - filled)}] ${done}/${total} ` +
        `${label.slice(0, 40).padEnd(40)}${done === total ? '\n' : ''}`,
    );
  };
}

interface Summary {
  name: string;
  version: string;
  tenant: string;
  description: string;
  category: string;
  agents: string[];
  workflows: string[];
  knowledge: { name: string; collection: string; documents: number }[];
  tools: { name: string; sha256: string }[];
  pricing: { perRun: number; per1kTokens: number; perToolCall: number; currency: string };
  status?: string;
  previous?: string;
}

/** Ingests every pack document through the gateway, one request per document, with a progress bar. */
async function ingestKnowledge(s: Session, bp: CheckedBlueprint, tenant: string | undefined): Promise<number> {
  const docs = bp.knowledge.flatMap((k) => k.documents.map((d) => ({ pack: k.name, doc: d })));
  if (docs.length === 0) return 0;
  const show = progress(docs.length, 'knowledge');
  let chunks = 0;
  for (const [i, { pack, doc }] of docs.entries()) {
    const r = await adminCall<{ documents: { chunks: number }[] }>(
      s,
      'POST',
      `/blueprints/${encodeURIComponent(bp.manifest.name)}/knowledge`,
      {
        pack,
        documents: [doc],
        ...(tenant === undefined ? {} : { tenant }),
      },
    );
    chunks += r.documents.reduce((n, d) => n + d.chunks, 0);
    show(i + 1, `${pack}: ${doc.id}`);
  }
  return chunks;
}

function line(b: Summary): string {
  const p = b.pricing;
  return (
    `${b.name}@${b.version}  tenant ${b.tenant}  ${b.category}  agents: ${b.agents.join(', ') || '-'}` +
    `${b.workflows.length > 0 ? `  workflows: ${b.workflows.join(', ')}` : ''}` +
    `  pricing: ${p.perRun}/run ${p.per1kTokens}/1k tokens ${p.perToolCall}/tool call ${p.currency}`
  );
}

/**
 * Runs the bundle's eval suites against its staged agents (`<name>@next/<agent>`, their tool modules
 * `<name>.<tool>.next`) or, `staged` false, its installed ones; true when every case passed.
 */
async function evaluate(s: Session, bp: CheckedBlueprint, concurrency: number, staged = true): Promise<boolean> {
  const { expandCases, parseSuite, runCases, formatTable } = await import('../actors/index.js');
  const { TroupeClient } = await import('../gateway/client/index.js');
  const { runCaseVia } = await import('./eval-case.js');
  const client = await TroupeClient.connect({ url: s.url, ...(s.key === undefined ? {} : { key: s.key }) });
  const name = bp.manifest.name;
  const local = new Set(bp.agents.map((a) => a.name.slice(name.length + 1)));
  const ns = staged ? `${name}@next` : name;
  const agentOf = (agent: string): string =>
    local.has(agent) ? `${ns}/${agent}` : agent.startsWith(`${name}/`) ? `${ns}/${agent.slice(name.length + 1)}` : agent;
  // A staged version's tool modules are `<tool>.next`: the cases' turns and tool-used assertions name them so.
  const tools = staged ? bp.tools.map((t) => t.name) : [];
  const toolOf = (text: string): string =>
    tools.reduce((out, t) => out.replace(new RegExp(`${t.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}(?![\\w.-])`, 'g'), `${t}.next`), text);
  let ok = true;
  try {
    for (const e of bp.evals) {
      const suite = parseSuite(e.text, e.file);
      const cases = expandCases(suite, e.file).map((c) => ({
        ...c,
        agent: agentOf(c.agent),
        turns: c.turns.map(toolOf),
        assert: c.assert.map((a) => (a.type === 'tool-used' && typeof a.value === 'string' ? { ...a, value: toolOf(a.value) } : a)),
      }));
      const result = await runCases(suite.description ?? e.file, cases, {
        concurrency: suite.concurrency ?? concurrency,
        runCase: (c) => runCaseVia(client, c),
        async judge() {
          return { pass: false, score: 0, reason: 'llm-rubric assertions are not run by upgrade' };
        },
      });
      console.log(formatTable(result));
      if (result.cases.some((c) => !c.pass)) ok = false;
    }
  } finally {
    await client.close();
  }
  return ok;
}

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      ...SESSION_OPTIONS,
      tenant: { type: 'string' },
      json: { type: 'boolean' },
      out: { type: 'string' },
      name: { type: 'string' },
      concurrency: { type: 'string' },
    },
    allowPositionals: true,
  });
  const [action, target] = positionals;
  const tenant = values.tenant;
  const tenantQuery = (sep: string): string => (tenant === undefined ? '' : `${sep}tenant=${encodeURIComponent(tenant)}`);
  const needs = (what: string): string => {
    if (target === undefined) throw new UsageError(`blueprint ${action ?? ''} needs ${what}`);
    return target;
  };
  switch (action) {
    case 'init':
      return init(needs('a directory'), values.name);
    case 'validate': {
      const path = needs('a directory or .tgz');
      const bp = checked(await readBundle(path), path);
      if (bp === undefined) return 1;
      const m = bp.manifest;
      console.log(
        `${m.name}@${m.version} is valid: ${bp.agents.length} agents, ${bp.prompts.length} templates, ${bp.workflows.length} workflows, ` +
          `${bp.evals.length} eval suites, ${bp.knowledge.length} knowledge packs, ${bp.tools.length} tool modules (sha256 checked)`,
      );
      return 0;
    }
    case 'pack':
      return pack(needs('a directory'), values.out);
    case 'install':
    case 'upgrade': {
      const path = needs('a directory or .tgz');
      const files = await readBundle(path);
      const bp = checked(files, path);
      if (bp === undefined) return 1;
      const session = await openSession(values);
      try {
        const body = { files, ...(tenant === undefined ? {} : { tenant }) };
        if (action === 'upgrade') {
          const staged = await adminCall<Summary>(session, 'POST', '/blueprints', { ...body, stage: true });
          console.log(`staged ${staged.name}@${staged.version} as ${staged.name}@next: running ${bp.evals.length} eval suite(s)`);
          const concurrency = values.concurrency === undefined ? 4 : Number(values.concurrency);
          const pass = await evaluate(session, bp, concurrency).catch(async (e: unknown) => {
            console.error(`troupe blueprint: the evals could not run: ${(e as Error).message}`);
            return false;
          });
          if (!pass) {
            await adminCall(session, 'DELETE', `/blueprints/${encodeURIComponent(bp.manifest.name)}?staged=1${tenantQuery('&')}`);
            console.error(`troupe blueprint: ${bp.manifest.name}@${bp.manifest.version} failed its evals; the installed version is kept`);
            return 1;
          }
        }
        const r = await adminCall<Summary>(session, 'POST', '/blueprints', { ...body, ...(action === 'upgrade' ? { upgrade: true } : {}) });
        const chunks = await ingestKnowledge(session, bp, tenant);
        if (values.json === true) console.log(JSON.stringify(r, null, 2));
        else {
          console.log(
            `${r.status === 'upgraded' ? `upgraded ${r.name} ${r.previous ?? ''} → ${r.version}` : `installed ${r.name}@${r.version}`} ` +
              `for ${whom(r.tenant)}`,
          );
          console.log(`  agents: ${r.agents.join(', ') || '-'}`);
          if (r.workflows.length > 0) console.log(`  workflows: ${r.workflows.join(', ')}`);
          if (r.tools.length > 0) console.log(`  tools: ${r.tools.map((t) => t.name).join(', ')}`);
          for (const k of r.knowledge)
            console.log(`  knowledge: ${k.collection} (${k.documents} documents${chunks > 0 ? `, ${chunks} chunks in all` : ''})`);
        }
        return 0;
      } finally {
        await session.close();
      }
    }
    case 'eval': {
      // The bundle's eval suites against the installed blueprint (CI: pack, install, eval).
      const path = needs('a directory or .tgz');
      const bp = checked(await readBundle(path), path);
      if (bp === undefined) return 1;
      const session = await openSession(values);
      try {
        const concurrency = values.concurrency === undefined ? 4 : Number(values.concurrency);
        const pass = await evaluate(session, bp, concurrency, false);
        console.log(`${bp.manifest.name}@${bp.manifest.version}: ${pass ? 'every eval case passed' : 'some eval cases failed'}`);
        return pass ? 0 : 1;
      } finally {
        await session.close();
      }
    }
    case 'list': {
      const session = await openSession(values);
      try {
        const r = await adminCall<{ items: Summary[] }>(session, 'GET', `/blueprints${tenantQuery('?')}`);
        if (values.json === true) console.log(JSON.stringify(r.items, null, 2));
        else if (r.items.length === 0) console.log('no blueprints installed');
        else for (const b of r.items) console.log(line(b));
        return 0;
      } finally {
        await session.close();
      }
    }
    case 'remove': {
      const name = needs('a blueprint name');
      const session = await openSession(values);
      try {
        const r = await adminCall<{ version: string; tenant: string; deleted: unknown[] }>(
          session,
          'DELETE',
          `/blueprints/${encodeURIComponent(name)}${tenantQuery('?')}`,
        );
        console.log(`removed ${name}@${r.version} from ${whom(r.tenant)} (${r.deleted.length} storage entries)`);
        return 0;
      } finally {
        await session.close();
      }
    }
    default:
      throw new UsageError('expected init, validate, pack, install, list, remove, upgrade or eval');
  }
}

/** Writes a starter blueprint: a manifest, one agent, one template, one eval suite, one knowledge document. */
function init(
  dir: string,
  name = basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/^[^a-z]+/, '') || 'my-blueprint',
): number {
  if (existsSync(join(dir, 'blueprint.yaml'))) {
    console.error(`troupe blueprint: ${join(dir, 'blueprint.yaml')} exists; not overwritten`);
    return 1;
  }
  for (const d of ['agents', 'prompts', 'evals', 'knowledge']) mkdirSync(join(dir, d), { recursive: true });
  const put = (f: string, text: string): void => writeFileSync(join(dir, f), text);
  put(
    'blueprint.yaml',
    `name: ${name}
version: 0.1.0
description: A starter blueprint
author: you
license: Apache-2.0
category: general
pricing: { perRun: 0, per1kTokens: 0, perToolCall: 0, currency: USD }
requires: { troupe: ">=0.1.0", env: [], secrets: [] }
agents: [agents/helper.yaml]
prompts: [prompts/helper.yaml]
evals: [evals/smoke.yaml]
knowledge:
  - name: docs
    documents: [knowledge/]
`,
  );
  put('agents/helper.yaml', 'name: helper\ndescription: Answers questions\nprompt: helper\ntools: [search_docs, calculator]\n');
  put('prompts/helper.yaml', 'name: helper\ntemplate: "You are {{agent}}, a helpful assistant. Use search_docs for product questions."\n');
  put(
    'evals/smoke.yaml',
    'description: smoke\nprompts: ["{{q}}"]\nproviders: [helper]\ntests:\n' +
      '  - vars: { q: "/tool calculator {\\"expression\\": \\"2+3\\"}" }\n' +
      '    assert:\n      - type: contains\n        value: "5"\n',
  );
  put('knowledge/readme.md', `# ${name}\n\nPut the documents your agents search here.\n`);
  console.log(`wrote a starter blueprint in ${dir}: edit blueprint.yaml, then \`troupe blueprint validate ${dir}\``);
  return 0;
}

/** Packs a checked directory as `<name>-<version>.tgz` (portable: no owners, times fixed), printing its sha256. */
async function pack(dir: string, out?: string): Promise<number> {
  const files = readBundleDir(dir);
  const bp = checked(files, dir);
  if (bp === undefined) return 1;
  const file = out ?? `${bp.manifest.name}-${bp.manifest.version}.tgz`;
  const tar = await import('tar');
  await tar.c({ gzip: true, cwd: dir, file, portable: true, noMtime: true }, Object.keys(files).sort());
  const digest = createHash('sha256').update(readFileSync(file)).digest('hex');
  console.log(`packed ${bp.manifest.name}@${bp.manifest.version} (${Object.keys(files).length} files) → ${file}\nsha256 ${digest}`);
  return 0;
}

/** The manifest of a bundle path (for scripts: name and version), or a usage error. */
export async function manifestOf(path: string): Promise<ReturnType<typeof parseManifest>> {
  return parseManifest(await readBundle(path));
}

/** The `blueprint` command. */
export const blueprintCommand: Command = { name: 'blueprint', usage, run };
