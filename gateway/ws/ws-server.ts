/**
 * `/ws`: takes HTTP upgrades (credentials in the `Authorization` header, never the query string;
 * Origin checked; rate and connection limits applied before the upgrade), makes a Session per
 * connection and drops dead peers with a ws ping heartbeat.
 */
import { headerTraceparent } from '../trace.js';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { ANONYMOUS_ADMIN } from '../auth/index.js';
import { bearerToken, bucketKey, originAllowed, retryAfterSeconds, statusOf, rateLimitedError } from '../http.js';
import type { Principal } from '../types.js';
import { every, type Repeating } from '../clock.js';
import type { WsContext } from './context.js';
import { CLOSE } from './frames.js';
import { Session } from './session.js';

const QUERY_CREDENTIALS = ['token', 'access_token', 'api_key', 'apikey', 'key', 'authorization'];

/** The WebSocket side of the gateway. */
export class WsGateway {
  readonly sessions = new Set<Session>();
  private readonly wss: WebSocketServer;
  private readonly heartbeat: Repeating;
  private anonymous = 0;
  /** Set while `close` waits for the sessions to end. */
  private drained: (() => void) | undefined;

  constructor(
    private readonly ctx: WsContext,
    private readonly allowedOrigins: readonly string[] = [],
    /** Host check (DNS-rebinding defence while auth is off); default: any host. */
    private readonly hostAllowed: (req: IncomingMessage) => boolean = () => true,
  ) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: ctx.limits.frameBytes, perMessageDeflate: false, clientTracking: false });
    this.heartbeat = every(ctx.clock, ctx.limits.heartbeatMs, () => this.beat(), { unref: true });
  }

  /** Handles an HTTP upgrade request for `/ws`. */
  async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://gateway.invalid');
    } catch {
      return refuse(socket, 400, 'malformed request target');
    }
    if (url.pathname !== '/ws') return refuse(socket, 404, 'not found');
    if (QUERY_CREDENTIALS.some((k) => url.searchParams.has(k)))
      return refuse(socket, 400, 'credentials in the query string are refused: use the Authorization header or a hello frame');
    if (!originAllowed(req, this.allowedOrigins))
      return refuse(socket, 403, `origin ${String(req.headers.origin).slice(0, 120)} is not allowed`);
    if (!this.hostAllowed(req))
      return refuse(socket, 403, `host ${String(req.headers.host ?? '').slice(0, 120)} is not allowed while auth is off`);
    const token = bearerToken(req);
    let principal: Principal | undefined;
    try {
      if (token !== undefined || !this.ctx.auth.enabled) principal = await this.ctx.auth.authenticate(token);
    } catch (e) {
      return refuse(socket, statusOf(e), (e as Error).message);
    }
    // Auth off: one anonymous principal for all, so limits apply per connection; before hello: per address.
    const slot =
      principal === undefined
        ? `ip:${req.socket.remoteAddress ?? '?'}`
        : principal === ANONYMOUS_ADMIN
          ? `anon:${++this.anonymous}`
          : bucketKey(principal);
    if (principal !== undefined && principal !== ANONYMOUS_ADMIN) {
      const wait = this.ctx.rate.take(bucketKey(principal));
      if (wait > 0) {
        this.ctx.metrics.rateLimited.inc();
        const err = rateLimitedError(wait);
        return refuse(socket, statusOf(err), err.message, { 'retry-after': String(retryAfterSeconds(err)) });
      }
    }
    const refused = this.ctx.connections.acquire(slot);
    if (refused === 'global') return refuse(socket, 503, 'connection limit of this node reached');
    if (refused === 'per_key') return refuse(socket, 429, 'too many connections for this key', { 'retry-after': '1' });
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const session = new Session(
        ws,
        this.ctx,
        principal,
        slot,
        (s) => {
          this.sessions.delete(s);
          this.ctx.metrics.wsConnections.set(this.sessions.size);
          if (this.sessions.size === 0) this.drained?.();
        },
        headerTraceparent(req),
      );
      this.sessions.add(session);
      this.ctx.metrics.wsConnections.set(this.sessions.size);
    });
  }

  private beat(): void {
    for (const s of this.sessions) {
      if (!s.alive) s.terminate();
      else {
        s.alive = false;
        s.ping();
      }
    }
  }

  /** Closes every connection with 1001 and stops the heartbeat. */
  async close(): Promise<void> {
    this.heartbeat.stop();
    const all = [...this.sessions];
    for (const s of all) s.close(CLOSE.GOING_AWAY, 'server shutting down');
    // Up to 2 s for the close handshakes; sessions that have not ended by then are cut.
    if (this.sessions.size > 0)
      await new Promise<void>((resolve) => {
        const timer = this.ctx.clock.setTimer(2_000, resolve);
        this.drained = () => {
          this.ctx.clock.clearTimer(timer);
          resolve();
        };
      });
    for (const s of this.sessions) s.terminate();
    this.wss.close();
  }
}

/** Answers an upgrade request with an HTTP error and drops the socket. */
function refuse(socket: Duplex, status: number, detail: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ detail });
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nconnection: close\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`,
  );
}
