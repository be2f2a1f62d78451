/** README "LangGraph clients": the LangGraph SDK against the gateway's `/acp` — a run, and the store searched by meaning. */
import { Client } from '@langchain/langgraph-sdk';
import { configSchema } from 'troupe/config';
import { createSystem } from 'troupe/supervisors';
import { MeshNode } from 'troupe/runtime';
import { Catalog, agentKind, storeKind, threadKind, toolKind } from 'troupe/actors';
import { catalogDeps, startGateway } from 'troupe/gateway';

const config = configSchema.parse({ gateway: { port: 0 }, memory: { embedThreads: 0 } });
const system = await createSystem({ config });
const mesh = new MeshNode(system);
// Agents, their tools, and the long-term store `memory/store`: every namespace of it is indexed by
// default (whole value, offline USE-lite; the catalog makes the embedder and closes it).
const catalog = (await Catalog.create({ system, config, kinds: [agentKind, toolKind, storeKind, threadKind] })).install(mesh);
await mesh.start();
const gateway = await startGateway(catalogDeps(system, catalog), config.gateway);

const client = new Client({ apiUrl: `${gateway.url}/acp` });
const thread = await client.threads.create();
const done = (await client.runs.wait(thread.thread_id, 'triage', {
  input: { messages: [{ role: 'user', content: 'I was charged twice on my invoice' }] },
})) as {
  messages: { type: string; content: string }[];
};
console.log('triage said', done.messages.at(-1)?.content);

for (const [key, text] of [
  ['hike', 'I love hiking in the mountains'],
  ['food', 'My favourite dish is spicy ramen'],
  ['job', 'I work night shifts as a nurse'],
]) {
  await client.store.putItem(['memories', 'u42'], key as string, { text });
}
const { items } = await client.store.searchItems(['memories'], { query: 'outdoor activities I enjoy', limit: 3 });
console.log('store best', items[0]?.key);

await gateway.close();
mesh.stop(); // placement sweeps
await catalog.close();
await system.shutdown();
