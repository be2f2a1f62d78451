/** README "Semantic memory and RAG": a collection ingests Markdown and answers a question with citations. */
import { configSchema } from 'troupe/config';
import { createSystem } from 'troupe/supervisors';
import { embedderFromConfig, spawnCollection, RAG_INGEST, RAG_SEARCH, type SearchReply } from 'troupe/actors';

const config = configSchema.parse({});
const system = await createSystem({ config });
const embedder = await embedderFromConfig(config.memory); // USE-lite in a worker by default, offline
const kb = await spawnCollection(system, 'kb', { embedder, hnsw: config.memory.hnsw, chunking: config.memory.chunking });
await kb.ask(
  RAG_INGEST,
  {
    documents: [
      {
        id: 'mars',
        content: '# Mars\n\nMars is red because of iron oxide on its surface.',
        format: 'markdown',
        metadata: { topic: 'planets' },
      },
      {
        id: 'venus',
        content: '# Venus\n\nVenus is the hottest planet, under thick clouds.',
        format: 'markdown',
        metadata: { topic: 'planets' },
      },
    ],
  },
  { timeoutMs: 60_000 },
);
const { hits } = await kb.ask<SearchReply>(
  RAG_SEARCH,
  { query: 'why is Mars red', k: 1, filter: { topic: 'planets' } },
  { timeoutMs: 60_000 },
);
console.log('best', hits[0]?.citation.documentId, hits[0]?.text);
await system.shutdown();
await embedder.close();
