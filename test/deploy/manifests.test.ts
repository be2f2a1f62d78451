/**
 * The deployment files as their tools would read them, without a daemon or cluster (none is reachable here):
 * every Kubernetes document of deploy/k8s against the Kubernetes schemas (kubernetes-models), deploy/compose.yaml
 * against the Compose specification's JSON schema, the Dockerfile through a Dockerfile parser; and the Troupe
 * configs they carry through the repository's own config loader, so a typo in a manifest fails here.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { isConfigError, loadConfig, type TroupeConfig } from '../../config/index.js';
import {
  ROOT,
  composeErrors,
  dockerfileProblems,
  imageEnv,
  k8sManifests,
  parseCompose,
  parseManifests,
  unknownFields,
  validateManifest,
  type Manifest,
} from './checks.js';

const tmp = mkdtempSync(join(tmpdir(), 'troupe-deploy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const manifests = k8sManifests().map((m) => m.manifest);
const one = <T>(kind: string, name: string): T => {
  const m = manifests.find((x) => x.kind === kind && x.metadata.name === name);
  if (m === undefined) throw new Error(`no ${kind}/${name} under deploy/k8s`);
  return m as unknown as T;
};
const clone = <T>(v: T): T => structuredClone(v);

/** The image's own environment (TROUPE_HOST, TROUPE_PORT, …): under the container's, over the config file. */
const IMAGE_ENV = imageEnv(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));

/** Loads a Troupe config file's text the way a node in the image does (file < image ENV < container environment). */
function loadTroupeConfig(text: string, env: Record<string, string>, name: string): TroupeConfig {
  const file = join(tmp, `${name}.json`);
  writeFileSync(file, text);
  return loadConfig({ file, env: { ...IMAGE_ENV, ...env } });
}

/** What `troupe node --gateway` needs of its config to start on a cluster. */
function expectNodeConfig(config: TroupeConfig): void {
  expect(config.transport.kind).toBe('jetstream');
  expect(config.gateway.enabled).toBe(true);
  const loopback = ['127.0.0.1', 'localhost', '::1'].includes(config.gateway.host);
  // A gateway on a non-loopback address refuses to start without credentials.
  if (!loopback) expect(config.gateway.auth.keys.length > 0 || config.gateway.auth.jwt !== undefined).toBe(true);
}

describe('Kubernetes manifests (deploy/k8s)', () => {
  it('has the objects a mesh needs', () => {
    const kinds = manifests.map((m) => `${m.kind}/${m.metadata.name}`).sort();
    expect(kinds).toEqual(
      expect.arrayContaining([
        'ConfigMap/troupe-config',
        'Deployment/troupe',
        'PodDisruptionBudget/troupe',
        'Service/nats',
        'Service/troupe',
        'StatefulSet/nats',
      ]),
    );
  });

  it.each(manifests.map((m) => [`${m.kind}/${m.metadata.name}`, m] as const))('%s is valid against the Kubernetes schema', async (_, m) => {
    await expect(validateManifest(m)).resolves.toBeUndefined();
  });

  it('catches a broken manifest: wrong types, values outside an enum, missing required fields, unknown kinds', async () => {
    const d = one<IDeployment>('Deployment', 'troupe');
    const broken: ((x: IDeployment) => void)[] = [
      (x) => ((x.spec as unknown as Record<string, unknown>).replicas = 'two'),
      (x) => ((x.spec!.template.spec!.containers[0] as unknown as Record<string, unknown>).imagePullPolicy = 'Sometimes'),
      (x) => delete (x.spec as Partial<NonNullable<IDeployment['spec']>>).selector,
      (x) => ((x.spec!.template.spec!.containers[0]!.readinessProbe!.httpGet as unknown as Record<string, unknown>).port = { n: 7700 }),
    ];
    for (const breakIt of broken) {
      const x = clone(d);
      breakIt(x);
      await expect(validateManifest(x as unknown as Manifest)).rejects.toThrow(/must/);
    }
    await expect(validateManifest({ ...(d as unknown as Manifest), kind: 'Deploymnet' })).rejects.toThrow(/no Deploymnet/);
    expect(() => parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: [unclosed')).toThrow(/document 0/);
  });

  it('has no field that Kubernetes does not know (what kubectl apply --validate=strict refuses)', () => {
    expect(unknownFields(manifests)).toEqual([]);
  });

  it('names a misspelled field at any depth', () => {
    const top = clone(one<IDeployment>('Deployment', 'troupe')) as unknown as { spec: { template: { spec: { containers: object[] } } } };
    const c = top.spec.template.spec.containers[0] as Record<string, unknown>;
    c['livenesProbe'] = c['livenessProbe'];
    const deep = clone(one<IStatefulSet>('StatefulSet', 'nats')) as unknown as { spec: { template: { spec: { containers: object[] } } } };
    const probe = (deep.spec.template.spec.containers[0] as { readinessProbe: { httpGet: Record<string, unknown> } }).readinessProbe;
    probe.httpGet['paht'] = '/healthz';
    const problems = unknownFields([one<Manifest>('Service', 'nats'), top as unknown as Manifest, deep as unknown as Manifest]);
    // TypeScript names the first unknown field of each manifest.
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^Deployment\/troupe: .*'livenesProbe' does not exist/);
    expect(problems[1]).toMatch(/^StatefulSet\/nats: .*'paht' does not exist/);
  });

  it('rejects any non-integer replica count (property)', async () => {
    const d = one<IDeployment>('Deployment', 'troupe');
    // (null is not among them: Kubernetes reads `replicas: ~` as unset.)
    const notInt = fc.oneof(fc.string(), fc.double({ noInteger: true }), fc.boolean(), fc.array(fc.nat()), fc.object());
    await fc.assert(
      fc.asyncProperty(notInt, async (replicas) => {
        const x = clone(d) as unknown as { spec: Record<string, unknown> };
        x.spec.replicas = replicas;
        await expect(validateManifest(x as unknown as Manifest)).rejects.toThrow();
      }),
      { numRuns: 50 },
    );
  });

  it('selectors of workloads, Services and PodDisruptionBudgets match the pods they mean', () => {
    const pods = manifests
      .filter((m) => m.kind === 'Deployment' || m.kind === 'StatefulSet')
      .map((m) => m as unknown as IDeployment | IStatefulSet);
    const matches = (sel: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
      sel !== undefined && Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => labels?.[k] === v);
    for (const w of pods) expect(matches(w.spec!.selector.matchLabels, w.spec!.template.metadata?.labels)).toBe(true);
    for (const m of manifests.filter((x) => x.kind === 'Service' || x.kind === 'PodDisruptionBudget')) {
      const spec = m['spec'] as { selector: Record<string, string> & { matchLabels?: Record<string, string> } };
      const sel = m.kind === 'Service' ? spec.selector : spec.selector.matchLabels;
      const target = pods.filter((w) => matches(sel, w.spec!.template.metadata?.labels));
      expect(target, `${m.kind}/${m.metadata.name} selects a workload`).toHaveLength(1);
      if (m.kind !== 'Service') continue;
      // A named targetPort must be a port of the selected containers.
      const names = target[0]!.spec!.template.spec!.containers.flatMap((c) => (c.ports ?? []).map((p) => p.name));
      for (const p of (m as unknown as IService).spec!.ports!) if (typeof p.targetPort === 'string') expect(names).toContain(p.targetPort);
    }
  });

  it('NATS: a StatefulSet with JetStream storage per server behind a headless Service', () => {
    const sts = one<IStatefulSet>('StatefulSet', 'nats');
    const svc = one<IService>('Service', sts.spec!.serviceName ?? '');
    expect(svc.spec!.clusterIP).toBe('None');
    expect(sts.spec!.replicas).toBe(3);
    const claim = sts.spec!.volumeClaimTemplates?.[0];
    expect(claim?.spec?.resources?.requests?.['storage']).toBeDefined();
    const nats = sts.spec!.template.spec!.containers[0]!;
    expect(nats.args).toContain('-js');
    const store = nats.volumeMounts?.find((v) => v.name === claim?.metadata?.name)?.mountPath;
    const conf = one<IConfigMap>('ConfigMap', 'nats-config').data!['nats.conf']!;
    expect(conf).toContain(`store_dir: ${store}`);
    for (let i = 0; i < 3; i++) expect(conf).toContain(`nats://nats-${i}.${svc.metadata!.name}:6222`);
  });

  describe('the Troupe Deployment', () => {
    const d = one<IDeployment>('Deployment', 'troupe');
    const pod = d.spec!.template.spec!;
    const c = pod.containers.find((x) => x.name === 'troupe') as IContainer;
    const http = c.ports?.find((p) => p.name === 'http')?.containerPort;

    it('probes /readyz for readiness and /healthz for liveness on the gateway port', () => {
      expect(c.readinessProbe?.httpGet).toMatchObject({ path: '/readyz', port: 'http' });
      expect(c.livenessProbe?.httpGet).toMatchObject({ path: '/healthz', port: 'http' });
      expect(c.args).toContain('--gateway');
    });

    it('drains on termination: a preStop hook, then SIGTERM, within the grace period', () => {
      const cmd = c.lifecycle?.preStop?.exec?.command ?? [];
      const seconds = Number(/^sleep$/.test(cmd[0] ?? '') ? cmd[1] : NaN);
      expect(seconds).toBeGreaterThan(0);
      // The drain (finish work, snapshot, hand over) gets at least a minute after the hook.
      expect(pod.terminationGracePeriodSeconds! - seconds).toBeGreaterThanOrEqual(60);
      expect(d.spec!.strategy?.rollingUpdate?.maxUnavailable).toBe(0);
    });

    it('runs as a non-root user; keys come from a Secret, never from literals', () => {
      expect(pod.securityContext?.runAsNonRoot).toBe(true);
      expect(pod.securityContext?.runAsUser).not.toBe(0);
      const env = c.env ?? [];
      for (const name of ['TROUPE_ENCRYPTION_KEY', 'OPENAI_API_KEY', 'ANTHROPIC_API_KEY'])
        expect(env.find((e) => e.name === name)?.valueFrom?.secretKeyRef?.name, name).toBe('troupe-secrets');
      for (const e of env) if (/KEY|TOKEN|SECRET|PASS/.test(e.name)) expect(e.value, e.name).toBeUndefined();
    });

    it("its ConfigMap's config loads with the config schema and reaches the NATS servers", () => {
      const file = c.env!.find((e) => e.name === 'TROUPE_CONFIG')!.value!;
      const mount = c.volumeMounts!.find((v) => file.startsWith(`${v.mountPath}/`))!;
      const volume = pod.volumes!.find((v) => v.name === mount.name)!;
      const cm = one<IConfigMap>('ConfigMap', volume.configMap!.name!);
      const text = cm.data![file.slice(mount.mountPath.length + 1)]!;
      const env = Object.fromEntries((c.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
      const config = loadTroupeConfig(text, { ...env, TROUPE_NODE_ID: 'troupe-0' }, 'k8s');
      expectNodeConfig(config);
      expect(config.gateway.port).toBe(http);
      const sts = one<IStatefulSet>('StatefulSet', 'nats');
      const t = config.transport as Extract<TroupeConfig['transport'], { kind: 'jetstream' }>;
      expect(t.streamReplicas).toBe(sts.spec!.replicas);
      expect(t.servers).toEqual([0, 1, 2].map((i) => `nats://nats-${i}.${sts.spec!.serviceName}:4222`));
      expect(config.dataDir).toBe(c.volumeMounts!.find((v) => v.name === 'data')?.mountPath);
    });

    it('a typo in the ConfigMap config fails to load, naming the field', () => {
      const text = one<IConfigMap>('ConfigMap', 'troupe-config').data!['troupe.json']!;
      for (const [from, to, field] of [
        ['"port": 7700', '"prot": 7700', 'prot'],
        ['"streamReplicas": 3', '"streamReplicas": "3"', 'streamReplicas'],
        ['"roles": ["admin", "user"]', '"roles": ["admin", "superuser"]', 'roles'],
      ] as const) {
        expect(text).toContain(from);
        let error: unknown;
        try {
          loadTroupeConfig(text.replace(from, to), {}, 'typo');
        } catch (e) {
          error = e;
        }
        expect(isConfigError(error)).toBe(true);
        expect(String(error)).toContain(field);
      }
    });
  });
});

describe('compose file (deploy/compose.yaml)', () => {
  const text = readFileSync(join(ROOT, 'deploy/compose.yaml'), 'utf8');
  const doc = parseCompose(text);
  type Service = {
    command?: string[];
    environment?: Record<string, string | null>;
    volumes?: string[];
    ports?: string[];
    healthcheck?: { test: string[] };
    depends_on?: Record<string, { condition: string }>;
    configs?: { source: string; target: string }[];
  };
  const services = doc['services'] as Record<string, Service>;

  it('is valid against the Compose specification schema', () => {
    expect(composeErrors(doc)).toEqual([]);
  });

  it('catches a broken compose file: an unknown key, a wrong type, a bad duration', () => {
    const typo = clone(doc) as { services: Record<string, Record<string, unknown>> };
    typo.services['troupe-1']!['healtcheck'] = typo.services['troupe-1']!['healthcheck'];
    expect(composeErrors(typo).map((e) => e.params)).toContainEqual({ additionalProperty: 'healtcheck' });
    const wrongType = clone(doc) as { services: Record<string, Record<string, unknown>> };
    wrongType.services['nats-1']!['volumes'] = 'nats-1-data:/data';
    expect(composeErrors(wrongType).some((e) => e.instancePath === '/services/nats-1/volumes')).toBe(true);
    const badDuration = clone(doc) as { services: Record<string, { healthcheck: Record<string, unknown> }> };
    badDuration.services['troupe-2']!.healthcheck['interval'] = '10 seconds';
    expect(composeErrors(badDuration).some((e) => e.keyword === 'format' && e.instancePath.endsWith('/interval'))).toBe(true);
  });

  it('three NATS servers with JetStream, routes to each other and a volume each', () => {
    const nats = Object.keys(services).filter((n) => n.startsWith('nats-'));
    expect(nats).toHaveLength(3);
    const volumes = new Set<string>();
    for (const name of nats) {
      const cmd = services[name]!.command ?? [];
      expect(cmd).toContain('-js');
      const routes = cmd[cmd.indexOf('--routes') + 1]?.split(',') ?? [];
      expect(routes.sort()).toEqual(nats.filter((n) => n !== name).map((n) => `nats://${n}:6222`));
      const data = services[name]!.volumes?.find((v) => v.endsWith(':/data'))?.split(':')[0];
      expect(data && data in (doc['volumes'] as object)).toBe(true);
      volumes.add(data!);
    }
    expect(volumes.size).toBe(3);
  });

  it('two Troupe nodes with gateways on their own ports, health checks, and NATS healthy first', () => {
    const nodes = Object.keys(services).filter((n) => n.startsWith('troupe-'));
    expect(nodes).toHaveLength(2);
    const published = nodes.map((n) => services[n]!.ports?.[0]?.split(':')[0]);
    expect(new Set(published).size).toBe(2);
    const ids = new Set<string>();
    for (const name of nodes) {
      const s = services[name]!;
      expect(s.command).toContain('--gateway');
      expect(s.healthcheck?.test.join(' ')).toContain('/healthz');
      for (const n of ['nats-1', 'nats-2', 'nats-3']) expect(s.depends_on?.[n]?.condition).toBe('service_healthy');
      // Keys pass through from where compose runs, never written in the file.
      for (const k of ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'TROUPE_ENCRYPTION_KEY']) expect(s.environment?.[k]).toBeNull();
      const env = Object.fromEntries(Object.entries(s.environment ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'));
      const mounted = s.configs?.find((c) => c.target === env['TROUPE_CONFIG']);
      const source = (doc['configs'] as Record<string, { file: string }>)[mounted!.source]!.file;
      const config = loadTroupeConfig(readFileSync(join(ROOT, 'deploy', source), 'utf8'), env, name);
      expectNodeConfig(config);
      expect(config.gateway.port).toBe(Number(services[name]!.ports?.[0]?.split(':')[1]));
      ids.add(config.node.id);
    }
    expect(ids.size).toBe(2);
  });
});

describe('Dockerfile', () => {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const bin = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: { troupe: string } }).bin.troupe;

  it("is multi-stage, non-root, health-checked, and enters through the package's `troupe node`", () => {
    expect(dockerfileProblems(text, bin)).toEqual([]);
    // Inside a container the gateway must listen beyond loopback, on the port the health check asks.
    expect(IMAGE_ENV).toMatchObject({ TROUPE_HOST: '0.0.0.0', TROUPE_PORT: '7700' });
  });

  it('catches a Dockerfile that runs as root, lacks a health check or enters elsewhere', () => {
    const cases: [string, string, RegExp][] = [
      ['USER 10001:10001', 'USER root', /runs as root/],
      ['USER 10001:10001', '', /no USER/],
      ['HEALTHCHECK', 'HEALTHCHECK NONE\n#', /no HEALTHCHECK CMD/],
      ['ENTRYPOINT ["troupe", "node"]', 'ENTRYPOINT ["node", "dist/cli/main.js"]', /entry point/],
      ['FROM node:20-bookworm-slim AS runtime', '# one stage', /multi-stage/],
      ['ENV ONNXRUNTIME_NODE_INSTALL=skip', '', /ONNXRUNTIME_NODE_INSTALL/],
    ];
    for (const [from, to, problem] of cases) {
      expect(text).toContain(from);
      expect(dockerfileProblems(text.replace(from, to), bin).join('\n')).toMatch(problem);
    }
  });

  it('.dockerignore keeps dependencies, build output and local state out of the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const p of ['node_modules', 'dist', '.git', '.troupe', '.env']) expect(ignored).toContain(p);
  });
});
