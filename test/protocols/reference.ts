/**
 * What the codec's fast paths are compared against in the property tests: the general decode (msgpackr restores the
 * whole value, then `isEnvelope`, then the schema) and a call's outcome, value or error.
 */
import { DecodeError, envelopeSchema, type Codec, type Envelope } from '../../protocols/index.js';
import { isEnvelope } from '../../protocols/envelope.js';

/** The envelope decode every message went through before the fast paths. */
export function referenceDecode(codec: Codec, bytes: Uint8Array): Envelope {
  const value = codec.decodeValue(bytes);
  if (isEnvelope(value)) return value;
  const checked = envelopeSchema.safeParse(value);
  if (!checked.success) throw new DecodeError('not an envelope');
  return checked.data;
}

/** A call's value, or the error it threw. */
export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Runs `f` and returns its {@link Outcome}. */
export const outcome = (f: () => unknown): Outcome => {
  try {
    return { ok: true, value: f() };
  } catch (error) {
    return { ok: false, error };
  }
};
