/**
 * Redriving a dead letter: its original envelope sent again to its address, once. The store's mark is taken
 * first and atomically (DeadLetterStore.markRedriven), so of two redrives of one letter — from two operators,
 * two nodes, or a retried request — only one sends; the envelope keeps its id, so a transport or actor that
 * already saw it (JetStream's `Nats-Msg-Id` window, an actor's dedup window) drops a repeat as well.
 */
import { NotFoundError, type Envelope } from '../protocols/index.js';
import type { ActorSystem } from './actor-system.js';
import type { StoredDeadLetter } from './transport.js';

/** What a redrive did: sent the letter now, or found it redriven before (and sent nothing). */
export interface RedriveResult {
  readonly status: 'redriven' | 'already_redriven';
  readonly letter: StoredDeadLetter;
}

/**
 * The envelope a redrive sends: the original with its id, no deadline (a letter dead of an expired deadline
 * would die again at once) and the next attempt number.
 */
export function redriveEnvelope(letter: StoredDeadLetter): Envelope {
  const { deadline: _deadline, ...rest } = letter.envelope;
  return { ...rest, attempt: Math.min(letter.envelope.attempt + 1, 1_000_000) };
}

/**
 * Sends dead letter `id` again to its address. Rejects with `not_found` for an unknown id, and with the
 * send's error when the address cannot take it (`no_recipient` and `mailbox_full` record a new dead letter,
 * which may be redriven in turn; the old one stays marked).
 */
export async function redriveDeadLetter(system: ActorSystem, id: string): Promise<RedriveResult> {
  const letter = await system.deadLetters.get(id);
  if (letter === undefined) throw new NotFoundError(`no dead letter ${id}`);
  if (letter.redriven !== undefined) return { status: 'already_redriven', letter };
  const mark = { at: system.clock.now(), node: system.node };
  if (!(await system.deadLetters.markRedriven(id, mark))) {
    return { status: 'already_redriven', letter: (await system.deadLetters.get(id)) ?? letter };
  }
  await system.transport.send(redriveEnvelope(letter), { block: true, blockTimeoutMs: system.defaults.blockTimeoutMs });
  return { status: 'redriven', letter: { ...letter, redriven: mark } };
}
