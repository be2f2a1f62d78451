/** Recognises JetStream's compare-and-set refusal (a KV create/update whose expected revision is stale). */
export function isWrongLastSequence(e: unknown): boolean {
  const msg = String((e as Error)?.message ?? '');
  return /wrong last sequence|10071|10164|key exists/i.test(msg) || (e as { code?: number })?.code === 10071;
}
