/**
 * The sending side of the JetStream transport: a mailbox publish deduplicated by envelope id,
 * retried with the same id through outages and leader elections, refused as `mailbox_full`
 * when the address's subject is at capacity (after blocking, if the sender asked to).
 */
import {
  MailboxFullError,
  NoRecipientError,
  SystemStoppedError,
  TroupeError,
  backoffDelay,
  toWireError,
  type Codec,
  type DeadLetterReason,
  type Envelope,
} from '../../protocols/index.js';
import type { Clock } from '../clock.js';
import type { DeadLetterStore, SendOptions } from '../transport.js';
import type { Directory } from './directory.js';
import { isPerSubjectLimit, isTransient } from './errors.js';
import type { MeshNames } from './subjects.js';
import type { StreamPublisher } from './publisher.js';

/** What the sender needs from its transport. */
export interface SenderContext {
  /** Mailbox publishes and their acknowledgements. */
  readonly publisher: Pick<StreamPublisher, 'publish'>;
  readonly names: MeshNames;
  readonly codec: Codec;
  readonly clock: Clock;
  readonly directory: Directory;
  readonly deadLetters: Pick<DeadLetterStore, 'record'>;
  readonly node: string;
  /** How long a publish keeps retrying (same msg id) through an outage. */
  readonly publishRetryMs: number;
  /** Activates a passivated address (ADR 0036). */
  readonly wake?: (tenant: string, address: string) => Promise<void>;
  closed(): boolean;
}

/** Pauses between publish retries: 5 ms doubling to 250 ms. */
const RETRY = { initialMs: 5, maxMs: 250 } as const;

const sleep = (clock: Clock, n: number): Promise<void> => new Promise((r) => clock.setTimer(n, r));

/** Publishes `envelope` into its address's mailbox; `no_recipient`, `mailbox_full` and `unavailable` are dead-lettered or thrown. */
export async function sendToMailbox(c: SenderContext, envelope: Envelope, options: SendOptions): Promise<void> {
  const key = c.names.addressKey(envelope.tenant, envelope.to);
  if (!c.directory.mirrored(key) && !(await c.directory.hosted(key))) {
    return refuse(c, envelope, 'no_recipient', new NoRecipientError(`no actor at ${envelope.to} (tenant ${envelope.tenant})`));
  }
  const data = c.codec.encode(envelope);
  const subject = c.names.mailbox(envelope.tenant, envelope.to);
  const start = c.clock.now();
  const deadline = envelope.deadline ?? Number.POSITIVE_INFINITY;
  const fullUntil = Math.min(start + options.blockTimeoutMs, deadline);
  const retryUntil = Math.min(start + c.publishRetryMs, deadline);
  for (let retry = 1; ; retry++) {
    try {
      // Each attempt is bounded by the client's request timeout (short): one sent just before its server died is retried soon.
      await c.publisher.publish(subject, data, envelope.id);
      // Stored in the sleeping address's mailbox: wake it (the stream keeps the order; the waker does not wait).
      if (c.directory.leaseOf(key)?.passivated === true) wakeAddress(c, envelope.tenant, envelope.to);
      return;
    } catch (e) {
      if (c.closed()) throw new SystemStoppedError('transport is closed');
      const now = c.clock.now();
      if (isPerSubjectLimit(e)) {
        if (!options.block || now >= fullUntil) {
          return refuse(c, envelope, 'mailbox_full', new MailboxFullError(`mailbox of ${envelope.to} is full`));
        }
      } else if (!isTransient(e) || now >= retryUntil) {
        throw new TroupeError('unavailable', `could not publish to ${envelope.to}: ${(e as Error).message}`, { cause: e });
      }
      await sleep(c.clock, backoffDelay(retry, RETRY));
    }
  }
}

/**
 * Asks placement to activate a passivated address. A failed wake loses nothing (the message waits in the stream),
 * but the address sleeps until the next message wakes it, so it is reported.
 */
export function wakeAddress(c: Pick<SenderContext, 'wake' | 'node'>, tenant: string, address: string): void {
  c.wake?.(tenant, address).catch((e: unknown) =>
    process.emitWarning(`waking ${address} (tenant ${tenant}) from node ${c.node}: ${(e as Error).message}`, 'TroupeWarning'),
  );
}

/** Records the refused envelope as a dead letter, then throws `error`. */
async function refuse(c: SenderContext, envelope: Envelope, reason: DeadLetterReason, error: TroupeError): Promise<never> {
  await c.deadLetters
    .record({ envelope, reason, error: toWireError(error), deliveries: 0, node: c.node, at: c.clock.now() })
    .catch(() => undefined);
  throw error;
}
