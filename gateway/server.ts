/**
 * The gateway's one HTTP server: mounts the parts ({@link HttpRoute}s such as /acp, /mcp, /a2a)
 * by prefix, takes `/ws` upgrades, answers `/healthz`, `/readyz` and `/metrics`, and does auth, rate and
 * body limits, CORS and error framing for all of them. Refuses to listen on a non-loopback
 * address without credentials configured (ADR 0008).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TroupeConfig } from '../config/index.js';
import { ConflictError, isTroupeError, TooLargeError, ValidationError } from '../protocols/index.js';
import { runReads, ThreadOwners, type RunReads } from '../actors/index.js';
import { NOOP_SPAN, startSpan, tracingEnabled, type Clock, type Logger, type TraceSpan } from '../runtime/index.js';
import { clockOf } from './clock.js';
import { ANONYMOUS_ADMIN, Authenticator, ConnectionLimiter, RateLimiter, can, requirePermission, type AuthOptions } from './auth/index.js';
import {
  applyCors,
  assertJsonContentType,
  bearerToken,
  bucketKey,
  gatewayError,
  hasBody,
  hostNameAllowed,
  isLoopbackHost,
  originAllowed,
  pathOf,
  rateLimitedError,
  sendError,
  sendJson,
  setBodyLimit,
} from './http.js';
import { GatewayMetrics, HealthMonitor, Readiness, type ReadinessOptions } from './ops/index.js';
import { logPath, scrubbingLog } from './scrub.js';
import { headerTraceparent, setRequestTraceparent } from './trace.js';
import type { GatewayDeps, HttpRoute, Principal } from './types.js';
import { DEFAULT_WS_LIMITS, WsGateway, type WsLimits } from './ws/index.js';

/** Every limit the gateway enforces (config `gateway.limits`). */
export interface GatewayLimits extends WsLimits {
  /** Largest HTTP request body. */
  readonly bodyBytes: number;
  /** Open WebSocket connections on this node. */
  readonly connections: number;
  /** Open WebSocket connections per API key / token subject. */
  readonly connectionsPerKey: number;
  /** Token bucket per key: sustained requests and frames per second, and the burst. */
  readonly ratePerSec: number;
  readonly burst: number;
}

/** Defaults of {@link GatewayLimits} (the config defaults). */
export const DEFAULT_LIMITS: GatewayLimits = {
  ...DEFAULT_WS_LIMITS,
  bodyBytes: 1024 * 1024,
  connections: 20_000,
  connectionsPerKey: 2_000,
  ratePerSec: 200,
  burst: 400,
};

/** Options of {@link Gateway.start}. */
export interface GatewayOptions {
  readonly deps: GatewayDeps;
  /** Parts mounted by prefix (/acp, /mcp, /a2a, …). */
  readonly routes?: readonly HttpRoute[];
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 7700; 0 picks a free port. */
  readonly port?: number;
  /** Credentials; none = auth off (loopback only). */
  readonly auth?: AuthOptions;
  readonly limits?: Partial<GatewayLimits>;
  /** Browser origins allowed besides loopback ones (`*`: any). */
  readonly allowedOrigins?: readonly string[];
  /** `Host` names accepted while auth is off, besides loopback names (DNS-rebinding defence). */
  readonly allowedHosts?: readonly string[];
  /** Where run events are read back for `resume`; default a read model over `deps.system.storage`. */
  readonly store?: RunReads;
  readonly warn?: (message: string) => void;
  /**
   * Time and timers of the server, its auth (JWT expiry), rate limits and WebSockets; default
   * `deps.clock`, else the system clock. Routes built on `deps` use `deps.clock` (gateway/clock.ts).
   */
  readonly clock?: Clock;
  /** How `/readyz` judges readiness (data directory and its free-space threshold, probe timeout, evaluation interval). */
  readonly readiness?: ReadinessOptions;
}

/** Gateway options from config's `gateway` section (deps and routes come from the caller). */
export function gatewayOptionsFromConfig(gw: TroupeConfig['gateway']): Omit<GatewayOptions, 'deps' | 'routes'> {
  return {
    host: gw.host,
    port: gw.port,
    auth: { keys: gw.auth.keys, ...(gw.auth.jwt === undefined ? {} : { jwt: gw.auth.jwt }) },
    limits: gw.limits,
    allowedOrigins: gw.allowedOrigins,
    allowedHosts: gw.allowedHosts,
    readiness: gw.readiness,
  };
}

/** Who calls a public path without credentials while auth is on. */
/** Probes and scrapes: no span (they would drown the traces that matter). */
const UNTRACED: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

const PUBLIC: Principal = Object.freeze({ tenant: 'default', roles: Object.freeze([]), subject: 'public' });

/** A running gateway. */
export class Gateway {
  readonly metrics: GatewayMetrics;
  readonly health: HealthMonitor;
  /** `/readyz`, and the `sys.health.changed` events of its flips. */
  readonly readiness: Readiness;
  readonly ws: WsGateway;
  readonly auth: Authenticator;
  readonly limits: GatewayLimits;
  private readonly rate: RateLimiter;
  private readonly routes: HttpRoute[];
  private readonly server: Server;
  private readonly allowedOrigins: readonly string[];
  private readonly allowedHosts: readonly string[];
  private readonly warn: (message: string) => void;
  private readonly log: Logger;
  private bound: AddressInfo | undefined;

  private constructor(options: GatewayOptions) {
    const { deps } = options;
    const clock = options.clock ?? clockOf(deps);
    const now = (): number => clock.now();
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.auth = new Authenticator(options.auth, now);
    this.rate = new RateLimiter({ ratePerSec: this.limits.ratePerSec, burst: this.limits.burst }, now);
    this.health = new HealthMonitor(deps);
    this.metrics = new GatewayMetrics(deps.system, () => this.health.report().nats);
    this.metrics.attach();
    this.readiness = new Readiness(deps, this.health, options.readiness);
    this.warn = scrubbingLog(options.warn ?? deps.system.warn);
    this.log = deps.system.log;
    this.allowedOrigins = options.allowedOrigins ?? [];
    this.allowedHosts = options.allowedHosts ?? [];
    this.routes = [...(options.routes ?? [])].sort((a, b) => b.prefix.length - a.prefix.length);
    const store = options.store ?? runReads(deps.system.storage);
    this.ws = new WsGateway(
      {
        deps,
        auth: this.auth,
        rate: this.rate,
        connections: new ConnectionLimiter(this.limits.connections, this.limits.connectionsPerKey),
        store,
        threads: new ThreadOwners(deps.system, (address, tenant) => deps.ensure(address, tenant)),
        metrics: this.metrics,
        limits: this.limits,
        warn: this.warn,
        clock,
      },
      this.allowedOrigins,
      (req) => this.hostAllowed(req),
    );
    this.server = createServer({ keepAliveTimeout: 5_000 }, (req, res) => void this.onRequest(req, res));
    this.server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => void this.ws.handleUpgrade(req, socket, head));
    this.server.on('clientError', (_e, socket) => socket.destroy());
    // Sockets past this are dropped by Node; WebSocket upgrades are refused (503) well before it.
    this.server.maxConnections = this.limits.connections + 1_024;
  }

  /** Starts listening; rejects for a non-loopback host without credentials, or when the port is taken. */
  static async start(options: GatewayOptions): Promise<Gateway> {
    const host = options.host ?? '127.0.0.1';
    const g = new Gateway(options);
    if (!g.auth.enabled && !isLoopbackHost(host)) {
      g.metrics.close();
      await g.ws.close();
      throw new ValidationError(
        `refusing to serve ${host} without auth: configure gateway.auth.keys or gateway.auth.jwt, or bind a loopback address (127.0.0.1)`,
      );
    }
    await new Promise<void>((resolve, reject) => {
      g.server.once('error', reject);
      // A burst of connections (a thousand clients reconnecting after a deploy) queues in the kernel rather than being
      // refused while the event loop is busy: a larger accept backlog than Node's default 511 (capped by somaxconn).
      g.server.listen({ port: options.port ?? 7700, host, backlog: 4096 }, () => {
        g.server.off('error', reject);
        resolve();
      });
    }).catch(async (e: unknown) => {
      g.metrics.close();
      await g.ws.close();
      const code = (e as { code?: string }).code;
      if (code === 'EADDRINUSE' || code === 'EACCES') {
        throw new ConflictError(
          `cannot listen on ${host}:${options.port ?? 7700}: ${code === 'EADDRINUSE' ? 'address in use' : 'permission denied'} ` +
            '(set TROUPE_PORT or gateway.port; 0 picks a free port)',
          { cause: e },
        );
      }
      throw e;
    });
    g.bound = g.server.address() as AddressInfo;
    g.readiness.start();
    return g;
  }

  /** The port listened on. */
  get port(): number {
    return this.bound?.port ?? 0;
  }

  /** The base URL, e.g. `http://127.0.0.1:7700`. */
  get url(): string {
    const a = this.bound;
    if (a === undefined) return '';
    return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  }

  /** The startup line: where to connect and whether auth is on. */
  banner(): string {
    const ws = this.url.replace(/^http/, 'ws');
    const routes = this.routes.map((r) => (r.prefix === '/' ? ', / (console)' : `, ${r.prefix}`)).join('');
    const parts = `${this.url} — ws ${ws}/ws${routes}, /healthz, /readyz, /metrics`;
    return this.auth.enabled
      ? `troupe: gateway on ${parts}; auth on`
      : `troupe: gateway on ${parts}; auth OFF (loopback only): every caller is tenant "default" with role admin`;
  }

  /** Stops taking connections, closes WebSockets (1001) and open HTTP connections. */
  async close(): Promise<void> {
    this.readiness.close();
    this.metrics.close();
    await this.ws.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ---- requests -----------------------------------------------------------------------------

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    let route = 'none';
    let caller: Principal | undefined;
    // Tracing on: one server span per request (probes and scrapes aside), a child of a valid `traceparent` header;
    // the runs the request starts continue it, and its log line carries its trace id.
    const header = headerTraceparent(req);
    const span = tracingEnabled() && !UNTRACED.has(req.url ?? '') ? this.requestSpan(req, header) : NOOP_SPAN;
    const traceparent = span.traceparent ?? header;
    setRequestTraceparent(req, traceparent);
    res.on('finish', () => {
      if (span.recording) {
        span.rename(`${req.method ?? 'GET'} ${route}`);
        span.set({ 'http.route': route, 'http.response.status_code': res.statusCode });
        if (res.statusCode >= 500) span.fail(`HTTP ${res.statusCode}`, String(res.statusCode));
        span.end();
      }
      const ms = performance.now() - started;
      this.metrics.httpRequests.inc({ route, status: String(res.statusCode) });
      this.metrics.httpDuration.observe(ms / 1000);
      this.log.info(
        {
          event: 'http.request',
          method: req.method,
          route,
          path: logPath(req.url),
          status: res.statusCode,
          duration_ms: Math.round(ms * 10) / 10,
          ...(caller === undefined || caller === PUBLIC ? {} : { tenant: caller.tenant, key_id: caller.subject }),
          trace_id: traceparent?.slice(3, 35),
        },
        `${req.method ?? ''} ${route} ${res.statusCode}`,
      );
    });
    try {
      const path = pathOf(req);
      if (path === '/healthz') {
        // Probes send neither a browser Origin nor our host name: health stays reachable.
        route = '/healthz';
        const report = this.health.report();
        sendJson(res, report.status === 'ok' ? 200 : 503, report);
        return;
      }
      if (path === '/readyz') {
        // A probe, like /healthz: no Origin or Host check; only admins see what each check found.
        route = '/readyz';
        const report = await this.readiness.evaluate();
        sendJson(res, report.status === 'ready' ? 200 : 503, (await this.seesHealthDetails(req)) ? report : { status: report.status });
        return;
      }
      const mounted = this.routes.find((r) => path === r.prefix || path.startsWith(r.prefix.endsWith('/') ? r.prefix : `${r.prefix}/`));
      this.checkBrowser(req, mounted?.checksOrigin !== true);
      if (applyCors(req, res, this.allowedOrigins)) return;
      setBodyLimit(req, this.limits.bodyBytes);
      if (path === '/metrics') {
        route = '/metrics';
        const p = await this.auth.authenticate(bearerToken(req));
        requirePermission(p, 'metrics:read', 'GET /metrics');
        const text = await this.metrics.render();
        res.writeHead(200, { 'content-type': this.metrics.contentType, 'content-length': Buffer.byteLength(text) });
        res.end(text);
        return;
      }
      if (path === '/ws') throw gatewayError('upgrade_required', 'GET /ws with an Upgrade: websocket header');
      if (mounted === undefined) throw gatewayError('not_found', `no route for ${req.method ?? 'GET'} ${path}`);
      route = mounted.prefix;
      const sub = path.slice(mounted.prefix.length);
      const token = bearerToken(req);
      const principal =
        mounted.public?.(sub) === true && token === undefined
          ? this.auth.enabled
            ? PUBLIC
            : ANONYMOUS_ADMIN
          : await this.auth.authenticate(token);
      caller = principal;
      this.limit(principal, req);
      const declared = Number(req.headers['content-length']);
      const bodyLimit = mounted.rawBodyBytes ?? this.limits.bodyBytes;
      if (Number.isFinite(declared) && declared > bodyLimit)
        throw new TooLargeError(`request body of ${declared} bytes exceeds the ${bodyLimit}-byte limit`);
      if (mounted.rawBodyBytes !== undefined) setBodyLimit(req, mounted.rawBodyBytes);
      else if (hasBody(req)) assertJsonContentType(req);
      await mounted.handle(req, res, principal, sub);
    } catch (e) {
      if (!isTroupeError(e)) this.warn(`gateway: ${req.method ?? ''} ${logPath(req.url)}: ${(e as Error)?.stack ?? String(e)}`);
      if (isTroupeError(e, 'rate_limited')) this.metrics.rateLimited.inc();
      sendError(res, e);
    }
  }

  /** The server span of an HTTP request (renamed `{method} {route}` once routed). */
  private requestSpan(req: IncomingMessage, parent: string | undefined): TraceSpan {
    return startSpan(req.method ?? 'GET', {
      parent,
      kind: 'server',
      attributes: { 'http.request.method': req.method ?? 'GET', 'url.path': logPath(req.url), 'server.port': this.port },
    });
  }

  /** True when the caller may see readiness details: everyone while auth is off; else valid credentials with `health:details`. */
  private async seesHealthDetails(req: IncomingMessage): Promise<boolean> {
    if (!this.auth.enabled) return true;
    const token = bearerToken(req);
    if (token === undefined) return false;
    try {
      return can(await this.auth.authenticate(token), 'health:details');
    } catch {
      return false;
    }
  }

  /** Rate limit per tenant and principal; per client address for public calls while auth is on; none while auth is off. */
  private limit(p: Principal, req: IncomingMessage): void {
    if (p === ANONYMOUS_ADMIN) return;
    const wait = this.rate.take(p === PUBLIC ? `ip:${req.socket.remoteAddress ?? '?'}` : bucketKey(p));
    if (wait > 0) throw rateLimitedError(wait);
  }

  /**
   * Browsers may only drive the node from allowed origins (loopback or configured), and while
   * auth is off only under a loopback or configured host name (a page that rebinds its own DNS
   * name to 127.0.0.1 still sends its own name as `Host`). 403 otherwise.
   */
  private checkBrowser(req: IncomingMessage, origin: boolean): void {
    if (origin && !originAllowed(req, this.allowedOrigins))
      throw gatewayError('forbidden', `origin ${JSON.stringify(String(req.headers.origin)).slice(0, 120)} is not allowed`);
    if (!this.hostAllowed(req))
      throw gatewayError(
        'forbidden',
        `host ${JSON.stringify(String(req.headers.host ?? '')).slice(0, 120)} is not allowed while auth is off`,
      );
  }

  /** True when `Host` is acceptable: any with auth on; loopback or configured names with auth off. */
  hostAllowed(req: IncomingMessage): boolean {
    return this.auth.enabled || hostNameAllowed(req.headers.host, this.allowedHosts);
  }
}
