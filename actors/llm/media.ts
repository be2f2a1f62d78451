/**
 * Media parts on the way to a model (ADR 0043). Messages reach a provider holding blob references; right before the
 * vendor call, {@link inlineMedia} reads each referenced blob once (through `ModelRequest.blobs`, set by the agent for
 * the run's tenant) and gives the provider inline base64 to put in its own format.
 */
import { ProviderError, type BlobSource, type ChatMessage, type ModelProvider, type ModelRequest } from './types.js';
import { isMediaPart, type ContentPart, type MediaPart } from '../../protocols/index.js';

/** A media part with its bytes inline. */
export type InlineMedia = MediaPart & { readonly data: string };

/** The messages of `request` with every blob reference made inline (messages without one are the same objects). */
export async function inlineMedia(request: ModelRequest, provider: string): Promise<readonly ChatMessage[]> {
  // An assistant's parts are its answer in the formats asked (an audio blob among them): models get its text only.
  const referencing = (m: ChatMessage): boolean =>
    m.role !== 'assistant' && m.parts?.some((p) => isMediaPart(p) && (p.blob !== undefined || p.transcript !== undefined)) === true;
  if (!request.messages.some(referencing)) return request.messages;
  const read = new Map<string, Promise<string>>();
  const data = (blob: string): Promise<string> => {
    let d = read.get(blob);
    if (d === undefined) {
      const source: BlobSource | undefined = request.blobs;
      if (source === undefined)
        return Promise.reject(
          new ProviderError(`${provider}: a message references blob ${blob} but no blob store was given`, {
            retryable: false,
            code: 'bad_request',
          }),
        );
      d = source({ blob }).then((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64'));
      read.set(blob, d);
    }
    return d;
  };
  return Promise.all(
    request.messages.map(async (m) => {
      if (!referencing(m) || m.parts === undefined) return m;
      const parts = await Promise.all(
        m.parts.map(async (p): Promise<ContentPart> => {
          // Transcribed audio reaches the model as what it says (every vendor takes text; not all take audio).
          if (isMediaPart(p) && p.transcript !== undefined) return { type: 'text', text: p.transcript };
          if (!isMediaPart(p) || p.blob === undefined) return p;
          const { blob, sha256: _s, ...rest } = p;
          return { ...rest, data: await data(blob) } as MediaPart;
        }),
      );
      return { ...m, parts };
    }),
  );
}

/** A media part's `data:` URL (the part must be inline). */
export function dataUrl(p: MediaPart): string {
  return `data:${p.mime};base64,${p.data ?? ''}`;
}

/** A provider whose requests read blob references from `source` (the run's tenant's blob store). */
export function withBlobSource(provider: ModelProvider, source: BlobSource): ModelProvider {
  return { name: provider.name, stream: (request) => provider.stream({ ...request, blobs: source }) };
}

/** A part no model of this provider can take (audio to a vision-only vendor). */
export function unsupportedPart(provider: string, p: MediaPart): ProviderError {
  return new ProviderError(`${provider}: ${p.type} parts (${p.mime}) are not supported by this provider`, {
    retryable: false,
    code: 'unprocessable',
  });
}
