/**
 * Content parts over `/ws` (ADR 0043): a `run.start` whose message carries an inline image is admitted like on `/acp`
 * and `/a2a` — the bytes checked against their declared type and stored once as the tenant's blob, the run log holding
 * the reference only — and a part whose bytes are not what it declares is refused with an error frame, the
 * connection still serving.
 */
import { describe, expect, it } from 'vitest';
import { RunStore } from '../../actors/agent/index.js';
import { startFrame, startNode, wsCleanup, type TestNode } from '../gateway/ws-fixture.js';
import { jpeg, png } from './images.js';

let node: TestNode | undefined;
const connect = wsCleanup(
  () => node,
  () => (node = undefined),
);

const imageFrame = (id: string, mime: string, data: string): Record<string, unknown> => ({
  ...startFrame(id, 'assistant', 'what is this?'),
  input: {
    messages: [
      {
        role: 'user',
        content: 'what is this?',
        parts: [
          { type: 'text', text: 'what is this?' },
          { type: 'image', mime, data },
        ],
      },
    ],
  },
});

describe('/ws content parts', () => {
  it('stores an inline image as a blob, describes it, and refuses a part whose bytes are another type', async () => {
    node = await startNode();
    const c = await connect(node);
    await c.type('welcome');
    const image = png(40, 30).toString('base64');
    c.send(imageFrame('a', 'image/png', image));
    const created = await c.next((f) => f['id'] === 'a');
    expect(created).toMatchObject({ type: 'run.created' });
    const runId = created['run_id'] as string;
    const frames = await c.run(runId);
    expect(frames.at(-1)).toMatchObject({ type: 'run.completed' });
    expect(JSON.stringify(frames)).toMatch(/you sent: image \(image\/png, \d+ bytes, 40x30\)/);
    const events = await new RunStore(node.system.storage).events('default', runId);
    expect(events.length).toBeGreaterThan(0);
    expect(JSON.stringify(events)).not.toContain(image.slice(0, 120));

    c.send(imageFrame('b', 'image/png', jpeg().toString('base64')));
    const refused = await c.next((f) => f['id'] === 'b');
    expect(refused).toMatchObject({ type: 'error' });
    expect(String(refused['message'])).toMatch(/image\/jpeg/);
    c.send({ type: 'ping', id: 'still' });
    expect(await c.next((f) => f['id'] === 'still')).toMatchObject({ type: 'pong' });
  }, 60_000);
});
