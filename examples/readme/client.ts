/** README "Talk to it from code": the default agents behind a gateway, and a `/ws` conversation through `troupe/client`. */
import { configSchema } from 'troupe/config';
import { createSystem } from 'troupe/supervisors';
import { MeshNode } from 'troupe/runtime';
import { Catalog, agentKind, threadKind, toolKind } from 'troupe/actors';
import { catalogDeps, startGateway } from 'troupe/gateway';
import { TroupeClient } from 'troupe/client';

const config = configSchema.parse({ gateway: { port: 0 } }); // the demo agents on the offline model
const system = await createSystem({ config });
const mesh = new MeshNode(system);
// The kinds this process serves: config's agents, the tools they call and the owners of their threads (docs/adding-a-kind.md).
const catalog = (await Catalog.create({ system, config, kinds: [agentKind, toolKind, threadKind] })).install(mesh);
await mesh.start();
const gateway = await startGateway(catalogDeps(system, catalog), config.gateway);

const client = await TroupeClient.connect({ url: gateway.url }); // reconnects and resumes by itself
const conversation = await client.start('assistant', 'what is 2*(3+4)^2?');
const outcome = await conversation.result((frame) => {
  if (frame.type === 'run.event' && frame.event === 'tool_call') console.log('tool call', JSON.stringify(frame.data));
});
console.log('answer', outcome.status === 'success' ? outcome.output : outcome.status);

await client.close();
await gateway.close();
mesh.stop(); // placement sweeps
await catalog.close();
await system.shutdown();
