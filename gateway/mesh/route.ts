/**
 * `/mesh` (admins; docs/gateway-operations.md, “Mesh view”): `GET /mesh` is a snapshot of every node and the actors on
 * it, `GET /mesh/events` a server-sent event stream of the changes from then on (resumable with `Last-Event-ID`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ValidationError } from '../../protocols/index.js';
import { SseStream } from '../acp/index.js';
import { requirePermission } from '../auth/index.js';
import { clockOf } from '../clock.js';
import { gatewayError, methodNotAllowedError, sendJson } from '../http.js';
import type { GatewayDeps, HttpRoute, Principal } from '../types.js';
import type { MeshEvent } from './events.js';
import { MeshView, type MeshViewOptions } from './view.js';

/** The `/mesh` route and the view behind it (the gateway tells the view its URL once it listens). */
export interface MeshRoute extends HttpRoute {
  readonly view: MeshView;
}

function frame(e: MeshEvent): { event: string; data: unknown; id: string } {
  return { event: e.type, data: { id: e.id, type: e.type, at: e.at, ...e.data }, id: e.id };
}

/** The `Last-Event-ID` a client resumes from (the header, or `last_event_id` in the query for clients that cannot set it). */
function lastEventId(req: IncomingMessage): string | undefined {
  const header = req.headers['last-event-id'];
  const q = new URL(req.url ?? '/', 'http://gateway.invalid').searchParams.get('last_event_id');
  const v = (Array.isArray(header) ? header[0] : header) ?? q ?? undefined;
  if (v === undefined || v === '') return undefined;
  if (v.length > 64) throw new ValidationError('Last-Event-ID: at most 64 characters');
  return v;
}

/** `/mesh` over `deps.system`. */
export function meshRoute(deps: GatewayDeps, options: MeshViewOptions & { sendBufferBytes?: number } = {}): MeshRoute {
  const clock = clockOf(deps);
  const view = new MeshView(deps.system, clock, options);

  function events(req: IncomingMessage, res: ServerResponse): void {
    const resume = lastEventId(req);
    const stream = new SseStream(res, {}, options.sendBufferBytes, clock);
    const unwatch = view.watch();
    // Replay and live events are joined in one tick: nothing falls between them.
    const missed = resume === undefined ? [] : view.events.since(resume);
    const stop = view.events.listen((e) => stream.send([frame(e)]));
    res.on('close', () => {
      stop();
      unwatch();
    });
    if (missed === undefined)
      stream.send([{ event: 'reset', data: { reason: `cannot resume after ${resume ?? ''}: read GET /mesh again` } }]);
    else stream.send(missed.map(frame));
    const last = view.events.lastId;
    stream.send([
      { event: 'ready', data: { node: deps.system.node, event_id: last ?? null }, ...(last === undefined ? {} : { id: last }) },
    ]);
  }

  return {
    prefix: '/mesh',
    view,
    async handle(req: IncomingMessage, res: ServerResponse, principal: Principal, path: string): Promise<void> {
      requirePermission(principal, 'mesh:read', 'the mesh view');
      if (path === '' || path === '/') {
        if (req.method !== 'GET') throw methodNotAllowedError('GET /mesh');
        // A snapshot is usually followed by the event stream: the system events are subscribed from now on.
        view.watch()();
        sendJson(res, 200, await view.snapshot());
        return;
      }
      if (path === '/events') {
        if (req.method !== 'GET') throw methodNotAllowedError('GET /mesh/events');
        events(req, res);
        return;
      }
      throw gatewayError('not_found', `no such mesh endpoint: ${path}`);
    },
  };
}
