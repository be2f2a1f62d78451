/** README "Using the kernel": a supervised counter actor, ask/tell, publish/subscribe. */
import { createSystem } from 'troupe/supervisors';

const system = await createSystem(); // embedded: memory transport, root supervisor
const counter = await system.spawn(
  'counter/a',
  {
    init: () => ({ n: 0 }),
    receive(msg, ctx) {
      if (msg.type === 'counter.add') ctx.state.n += Number(msg.payload);
      return ctx.state.n; // the reply to an ask
    },
  },
  { restart: 'permanent' },
);

await counter.tell('counter.add', 2); // resolves once the mailbox accepted it
const n = await counter.ask<number>('counter.get'); // deadline: ask.defaultTimeoutMs
const heard = new Promise((resolve) => system.subscribe('news.>', (env) => resolve(env.payload)));
await system.publish('news.sport', { score: '2-1' });
console.log('counter', n, 'news', JSON.stringify(await heard));
await system.shutdown();
