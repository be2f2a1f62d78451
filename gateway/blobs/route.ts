/**
 * `/blobs` (ADR 0043, docs/content-parts.md): `POST /blobs` stores the body (its `Content-Type` the declared MIME type,
 * checked against the bytes) as a blob of the caller's tenant and answers its reference `{blob, mime, size, sha256}`;
 * `GET /blobs/{sha256}` reads it back; `DELETE /blobs/{sha256}` removes it. Another tenant's blob is a 404.
 * `POST /blobs/prune` (admins) deletes the tenant's blobs older than some days, except those named to keep.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { NotFoundError, TroupeError, blobIdSchema, formatIssues } from '../../protocols/index.js';
import { BlobStore, DEFAULT_MEDIA_POLICY, admitParts, inspectMedia, type MediaPolicy } from '../../runtime/index.js';
import type { ChatMessage } from '../../protocols/index.js';
import { transcribe, type SpeechConfig } from '../../actors/index.js';
import { requirePermission } from '../auth/index.js';
import { gatewayError, readBody, readJson, sendJson } from '../http.js';
import type { GatewayDeps, HttpRoute, Principal } from '../types.js';

/** The media policy of `deps` (config `media`, else the defaults). */
export function mediaPolicy(deps: Pick<GatewayDeps, 'media'>): MediaPolicy {
  return deps.media ?? DEFAULT_MEDIA_POLICY;
}

/** The blob store of the gateway's node. */
export function blobStoreOf(deps: GatewayDeps): BlobStore {
  return new BlobStore(deps.system.storage, { maxBytes: mediaPolicy(deps).maxBlobBytes });
}

/**
 * Input messages as they may enter the mesh: their media parts checked and stored as blobs of `tenant` (inline bytes
 * stored once), so the envelope, the run log and thread state carry references only.
 */
export async function admitMessages<M extends Pick<ChatMessage, 'parts'>>(
  deps: GatewayDeps,
  tenant: string,
  messages: readonly M[],
): Promise<M[]> {
  if (!messages.some((m) => m.parts !== undefined)) return [...messages];
  const blobs = blobStoreOf(deps);
  const policy = mediaPolicy(deps);
  const admitted = await Promise.all(
    messages.map(async (m) => (m.parts === undefined ? m : { ...m, parts: await admitParts(tenant, m.parts, blobs, policy) })),
  );
  const speech = deps.speech;
  if (speech === undefined || speech.stt.kind === 'none') return admitted;
  return Promise.all(admitted.map((m) => transcribed(m, tenant, blobs, speech)));
}

/**
 * `m` with each audio part's transcript set and the transcripts appended to its text (guardrails, caches and the
 * thread's text see what was said). A failed transcription is the request's error (4xx for bad audio, 503 for the provider).
 */
async function transcribed<M extends Pick<ChatMessage, 'parts'> & { content?: string }>(
  m: M,
  tenant: string,
  blobs: BlobStore,
  speech: SpeechConfig,
): Promise<M> {
  if (m.parts === undefined || !m.parts.some((p) => p.type === 'audio')) return m;
  const said: string[] = [];
  const parts = await Promise.all(
    m.parts.map(async (p) => {
      if (p.type !== 'audio' || p.blob === undefined) return p;
      const bytes = await blobs.bytesOf(tenant, { blob: p.blob });
      const { text } = await transcribe(bytes, p.mime, speech, { maxBytes: blobs.maxBytes });
      said.push(text);
      return { ...p, transcript: text };
    }),
  );
  const content = [m.content ?? '', ...said].filter((t) => t.trim() !== '').join('\n');
  return { ...m, parts, ...(m.content === undefined && said.length === 0 ? {} : { content }) };
}

const ID = /^\/([0-9a-f]{64})$/;

const pruneBody = z.strictObject({
  /** Blobs first stored more than this many days ago go (0: all of them). */
  older_than_days: z.number().min(0).max(36_500),
  /** Blob ids to keep whatever their age (those the caller knows are referenced). */
  keep: z.array(blobIdSchema).max(100_000).optional(),
});

/** The `/blobs` route. */
export function blobsRoute(deps: GatewayDeps): HttpRoute {
  const policy = mediaPolicy(deps);
  const blobs = blobStoreOf(deps);
  return {
    prefix: '/blobs',
    rawBodyBytes: policy.maxBlobBytes,
    async handle(req: IncomingMessage, res: ServerResponse, principal: Principal, path: string): Promise<void> {
      const method = req.method ?? 'GET';
      if ((path === '' || path === '/') && method === 'POST') return upload(req, res, principal);
      if (path === '/prune' && method === 'POST') return prune(req, res, principal);
      const m = ID.exec(path);
      if (m === null) throw new NotFoundError(`no blob route ${method} /blobs${path.slice(0, 80)}`);
      const id = m[1] as string;
      if (method === 'GET' || method === 'HEAD') return download(res, principal, id, method === 'HEAD');
      if (method === 'DELETE') {
        requirePermission(principal, 'runs:create', 'DELETE /blobs');
        if (!(await blobs.delete(principal.tenant, id))) throw new NotFoundError(`blob ${id} not found`);
        res.writeHead(204).end();
        return;
      }
      throw gatewayError('method_not_allowed', `${method} /blobs/{id} is not allowed (GET, HEAD, DELETE)`);
    },
  };

  async function upload(req: IncomingMessage, res: ServerResponse, principal: Principal): Promise<void> {
    requirePermission(principal, 'runs:create', 'POST /blobs');
    const ct = req.headers['content-type'];
    if (typeof ct !== 'string' || ct === '')
      throw new TroupeError('unsupported_media_type', 'POST /blobs needs a Content-Type naming the MIME type');
    const body = await readBody(req, policy.maxBlobBytes);
    if (body.length === 0) throw gatewayError('bad_request', 'POST /blobs: the body is empty');
    const facts = await inspectMedia(body, ct, policy);
    const dims = facts.width === undefined ? {} : { width: facts.width, height: facts.height as number };
    const ref = await blobs.put(principal.tenant, body, facts.mime, dims);
    sendJson(res, 201, { ...ref, ...dims }, { location: `/blobs/${ref.blob}` });
  }

  /** `POST /blobs/prune {older_than_days, keep?}`: an admin deletes the tenant's blobs first stored before then. */
  async function prune(req: IncomingMessage, res: ServerResponse, principal: Principal): Promise<void> {
    if (!principal.roles.includes('admin')) throw gatewayError('forbidden', 'POST /blobs/prune is for admins of the tenant');
    const body = pruneBody.safeParse(await readJson(req));
    if (!body.success) throw gatewayError('bad_request', `POST /blobs/prune: ${formatIssues(body.error.issues)}`);
    const before = Date.now() - body.data.older_than_days * 86_400_000;
    const deleted = await blobs.prune(principal.tenant, before, new Set(body.data.keep ?? []));
    sendJson(res, 200, { deleted });
  }

  async function download(res: ServerResponse, principal: Principal, id: string, head: boolean): Promise<void> {
    requirePermission(principal, 'threads:read:own', 'GET /blobs');
    const got = await blobs.get(principal.tenant, id);
    if (got === undefined) throw new NotFoundError(`blob ${id} not found`);
    res.writeHead(200, {
      'content-type': got.meta.mime,
      'content-length': got.meta.size,
      etag: `"${id}"`,
      'cache-control': 'private, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
      'content-disposition': 'attachment',
    });
    res.end(head ? undefined : got.bytes);
  }
}
