/** The mesh view's event log: what a `Last-Event-ID` resume gets, for any capacity, history and resume point. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MeshEventLog } from '../../gateway/index.js';

describe('MeshEventLog', () => {
  it('resumes with exactly the events after the id while they are kept, else says it cannot', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 60 }), fc.nat(70), (capacity, pushed, from) => {
        const log = new MeshEventLog(capacity);
        const live: string[] = [];
        log.listen((e) => live.push(e.id));
        const ids = Array.from({ length: pushed }, (_, i) => log.push('node.joined', i, { node: `n${i}` }).id);
        expect(live).toEqual(ids);
        expect(log.lastId).toBe(ids.at(-1));
        if (from >= pushed) return;
        const got = log.since(ids[from] as string);
        const wanted = ids.slice(from + 1);
        // Resumable when every event after the id is still kept (the oldest kept is at most the one right after it).
        if (pushed - capacity <= from + 1) expect(got?.map((e) => e.id)).toEqual(wanted);
        else expect(got).toBeUndefined();
      }),
    );
  });

  it('cannot resume from an id of another log (another epoch), a future one, or garbage', () => {
    const a = new MeshEventLog();
    const b = new MeshEventLog();
    const id = a.push('node.dead', 1, {}).id;
    b.push('node.dead', 1, {});
    expect(b.since(id)).toBeUndefined();
    expect(a.since(id)).toEqual([]);
    expect(a.since(`${id.split('-')[0] as string}-99`)).toBeUndefined();
    for (const bad of ['', 'x', '1-2-3', `${id}x`]) expect(a.since(bad)).toBeUndefined();
  });
});
