/** Small vector helpers shared by embedders, indexes and retrieval. */

/** Scales `v` to unit length in place (a zero vector stays zero) and returns it. */
export function normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] as number) * (v[i] as number);
  const n = Math.sqrt(s);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / n;
  return v;
}

/** Dot product (the cosine similarity of unit vectors). */
export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

/** Cosine similarity of two vectors of any length (0 when either is zero). */
export function cosine(a: Float32Array, b: Float32Array): number {
  const d = dot(a, b);
  const n = Math.sqrt(dot(a, a) * dot(b, b));
  return n === 0 ? 0 : d / n;
}

/** Rejects with the signal's reason when it is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw signal.reason instanceof Error ? signal.reason : new DOMException('embedding aborted', 'AbortError');
}

/** Runs `fn` over consecutive slices of at most `size` texts and concatenates the results. */
export async function inBatches(
  texts: readonly string[],
  size: number,
  fn: (batch: readonly string[]) => Promise<Float32Array[]>,
  signal?: AbortSignal,
): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let i = 0; i < texts.length; i += size) {
    throwIfAborted(signal);
    out.push(...(await fn(texts.slice(i, i + size))));
  }
  return out;
}
