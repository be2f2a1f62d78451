/** The three streams of a mesh: mailboxes (work queue, capped per address), topics and dead letters. */
import { DiscardPolicy, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { isStreamExists } from './errors.js';
import { ns } from './intake.js';
import type { MeshNames } from './subjects.js';

/** Settings of the mesh's streams. */
export interface StreamSettings {
  readonly replicas: number;
  /** Messages one address's mailbox holds (further publishes are refused: `mailbox_full`). */
  readonly capacity: number;
  readonly topicMaxAgeMs?: number;
  readonly deadLetterMaxAgeMs?: number;
}

const HOUR = 3_600_000;
const WEEK = 7 * 86_400_000;

/** Creates the mesh's streams, or opens them when another node created them first. */
export async function ensureStreams(jsm: JetStreamManager, names: MeshNames, o: StreamSettings): Promise<void> {
  const base: Partial<StreamConfig> = { storage: StorageType.File, num_replicas: o.replicas, duplicate_window: ns(120_000) };
  const streams: (Partial<StreamConfig> & { name: string })[] = [
    {
      ...base,
      name: names.mailboxStream,
      subjects: [names.mailboxes],
      retention: RetentionPolicy.Workqueue,
      max_msgs_per_subject: o.capacity,
      discard: DiscardPolicy.New,
      discard_new_per_subject: true,
    },
    { ...base, name: names.topicStream, subjects: [names.topics], retention: RetentionPolicy.Limits, max_age: ns(o.topicMaxAgeMs ?? HOUR) },
    {
      ...base,
      name: names.deadLetterStream,
      subjects: [names.deadLetters],
      retention: RetentionPolicy.Limits,
      max_age: ns(o.deadLetterMaxAgeMs ?? WEEK),
    },
  ];
  for (const cfg of streams) {
    try {
      await jsm.streams.add(cfg);
    } catch (e) {
      if (!isStreamExists(e)) throw e;
      await jsm.streams.info(cfg.name);
    }
  }
}
