/**
 * Subject and key naming for the JetStream mesh. Ids are used as-is when they are plain
 * (`[A-Za-z0-9_-]`); any other id is carried as `=` + base64url, which is valid both as a
 * subject token and as a KV key, reversible, and never equal to a plain id (no `=`).
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '../../protocols/index.js';

const PLAIN = /^[A-Za-z0-9_-]+$/;
/** Address names (and, apart, node inboxes) {@link MeshNames} keeps before it starts over. */
const NAMES_KEPT = 4_096;

/** One NATS-safe token for an address id. */
export function idToken(id: string): string {
  return PLAIN.test(id) ? id : `=${Buffer.from(id, 'utf8').toString('base64url')}`;
}

/** The id an {@link idToken} stands for (inverse of `idToken`). */
export function tokenId(token: string): string {
  return token.startsWith('=') ? Buffer.from(token.slice(1), 'base64url').toString('utf8') : token;
}

/** Stream, subject and bucket names of one mesh (all derived from its prefix). */
export class MeshNames {
  readonly mailboxStream: string;
  readonly topicStream: string;
  readonly deadLetterStream: string;
  readonly directoryBucket: string;
  readonly nodesBucket: string;
  readonly stateBucket: string;
  /** KV bucket of dead-letter redrive marks (keyed by the letter's stream sequence). */
  readonly redriveBucket: string;

  constructor(readonly prefix: string) {
    if (!/^[a-z][a-z0-9_-]{0,31}$/.test(prefix)) throw new ValidationError(`mesh prefix "${prefix}" must match [a-z][a-z0-9_-]{0,31}`);
    const up = prefix.toUpperCase().replace(/-/g, '_');
    this.mailboxStream = `${up}_MAILBOX`;
    this.topicStream = `${up}_TOPICS`;
    this.deadLetterStream = `${up}_DEADLETTERS`;
    this.directoryBucket = `${up}_directory`;
    this.nodesBucket = `${up}_nodes`;
    this.stateBucket = `${up}_state`;
    this.redriveBucket = `${up}_dlq_redriven`;
  }

  /**
   * Address keys and mailbox subjects made lately, by tenant and address: every send names both, and every reply its
   * node's inbox. Made once, a name is one string (flat: NATS' subject check and the directory's lookups read it
   * without joining its parts again). Bounded: they start over past {@link NAMES_KEPT} names.
   */
  private readonly made = new Map<string, Map<string, { key: string; mailbox: string }>>();
  private namesMade = 0;
  private readonly inboxes = new Map<string, string>();

  private names(tenant: string, address: string): { key: string; mailbox: string } {
    let n = this.made.get(tenant)?.get(address);
    if (n === undefined) {
      const slash = address.indexOf('/');
      const key = `${tenant}.${address.slice(0, slash)}.${idToken(address.slice(slash + 1))}`;
      n = { key, mailbox: `${this.prefix}.mbox.${key}` };
      if (++this.namesMade > NAMES_KEPT) {
        this.made.clear();
        this.namesMade = 1;
      }
      let byAddress = this.made.get(tenant);
      if (byAddress === undefined) this.made.set(tenant, (byAddress = new Map()));
      byAddress.set(address, n);
    }
    return n;
  }

  /** `tenant.kind.idtoken`: the address part of subjects and keys. */
  addressKey(tenant: string, address: string): string {
    return this.names(tenant, address).key;
  }

  mailbox(tenant: string, address: string): string {
    return this.names(tenant, address).mailbox;
  }

  get mailboxes(): string {
    return `${this.prefix}.mbox.>`;
  }

  inbox(node: string): string {
    let subject = this.inboxes.get(node);
    if (subject === undefined) {
      subject = `${this.prefix}.inbox.${idToken(node)}`;
      if (this.inboxes.size >= NAMES_KEPT) this.inboxes.clear();
      this.inboxes.set(node, subject);
    }
    return subject;
  }

  topic(tenant: string, topic: string): string {
    return `${this.prefix}.topic.${tenant}.${topic}`;
  }

  get topics(): string {
    return `${this.prefix}.topic.>`;
  }

  deadLetter(tenant: string, reason: string): string {
    return `${this.prefix}.dlq.${tenant}.${reason}`;
  }

  get deadLetters(): string {
    return `${this.prefix}.dlq.>`;
  }

  /** Durable consumer name of an address's mailbox (hashed: names may not hold dots). */
  consumer(tenant: string, address: string, shared: boolean): string {
    const h = createHash('sha256').update(`${tenant}\u0000${address}`).digest('hex').slice(0, 24);
    return `${shared ? 'pool' : 'mbox'}_${h}`;
  }
}
