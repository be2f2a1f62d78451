/**
 * `troupe ingest <collection> <files or globs…>`: reads Markdown, text, HTML and JSON files into a
 * RAG collection of the embedded node (its data dir, so `troupe start` serves them), with a
 * progress bar on stderr and a summary at the end.
 */
import { readFile } from 'node:fs/promises';
import { extname, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index.js';
import { MeshNode, openStorage } from '../runtime/index.js';
import { createSystem } from '../supervisors/index.js';
import {
  OCR_DOCUMENT_EXTENSIONS,
  RAG_INGEST,
  TEXT_DOCUMENT_EXTENSIONS,
  isOcrDocument,
  readDocument,
  type IngestReply,
} from '../actors/index.js';
import { UsageError, type Command } from './command.js';
import { composeCatalog } from './kinds.js';
import { expandFiles } from './glob.js';

const usage = `troupe ingest <collection> <files, directories or globs…> [--tenant T] [--config FILE]
  Ingests .md, .markdown, .txt, .html, .htm and .json files, and images (.png .jpg .webp .gif .tif .avif) and
  PDFs through offline OCR (limits: config media.maxBytes, media.ocr), into the collection (others are skipped),
  in the embedded node's data dir. Re-ingesting a file replaces its chunks. Quote globs: "docs/**/*.md".
  --tenant T      the tenant whose collection it is (default: default)
  --config FILE   the config (default: TROUPE_CONFIG, else the defaults); the collection need not be in it,
                  but agents recall from and serve tools for the collections config.collections names`;

/** File extensions ingest reads. */
export const INGEST_EXTENSIONS = new Set([...TEXT_DOCUMENT_EXTENSIONS, ...OCR_DOCUMENT_EXTENSIONS]);

/** A progress bar on a TTY, one line per file otherwise. */
function progress(total: number): (done: number, label: string) => void {
  const tty = process.stderr.isTTY;
  return (done, label) => {
    if (!tty) return void process.stderr.write(`[${done}/${total}] ${label}\n`);
    const width = 30;
    const filled = Math.round((done / Math.max(1, total)) * width);
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
    process.stderr.write(`\r[${bar}] ${done}/${total} ${label.slice(0, 50).padEnd(50)}${done === total ? '\n' : ''}`);
  };
}

async function ingest(args: string[]): Promise<number> {
  const options = { config: { type: 'string' }, tenant: { type: 'string' } } as const;
  const { values, positionals } = parseArgs({ args, options, allowPositionals: true });
  const [collection, ...patterns] = positionals;
  if (collection === undefined || patterns.length === 0) throw new UsageError('troupe ingest needs a collection and at least one file');
  const all = await expandFiles(patterns);
  const files = all.filter((f) => INGEST_EXTENSIONS.has(extname(f).toLowerCase()));
  const skipped = all.length - files.length;
  if (files.length === 0) {
    console.error(`troupe ingest: no Markdown, text, HTML, JSON, image or PDF files among ${all.length} matched`);
    return 1;
  }
  const base = loadConfig({ file: values.config });
  const known = base.collections.some((c) => c.name === collection);
  const overrides = { collections: [...base.collections, { name: collection }] };
  const config = known ? base : loadConfig({ file: values.config, overrides });
  const started = Date.now();
  const storage = await openStorage(config, { embedded: 'lmdb' });
  const system = await createSystem({ config, storage, warn: (m) => console.error(`troupe: ${m}`) });
  const mesh = new MeshNode(system);
  const catalog = await composeCatalog(config, mesh);
  await mesh.start();
  const tally = { added: 0, replaced: 0, unchanged: 0, chunks: 0, bytes: 0 };
  const failed: string[] = [];
  try {
    const ref = await catalog.ensure(`collection/${collection}`, values.tenant);
    const show = progress(files.length);
    for (const [i, file] of files.entries()) {
      const id = relative(process.cwd(), file).split('\\').join('/');
      try {
        const bytes = await readFile(file);
        tally.bytes += bytes.length;
        const document = await readDocument(id, file, bytes, { maxBytes: config.media.maxBytes, ...config.media.ocr });
        if (isOcrDocument(file) && document.content.trim() === '') throw new Error('no text recognised');
        const reply = await ref.ask<IngestReply>(RAG_INGEST, { documents: [document] }, { timeoutMs: 300_000 });
        for (const d of reply.documents) {
          tally[d.status]++;
          tally.chunks += d.chunks;
        }
      } catch (e) {
        failed.push(`${id}: ${(e as Error).message}`);
      }
      show(i + 1, id);
    }
  } finally {
    mesh.stop();
    await catalog.close();
    await system.shutdown();
  }
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `ingested ${files.length - failed.length} of ${files.length} files into collection "${collection}" ` +
      `(${tally.added} added, ${tally.replaced} replaced, ${tally.unchanged} unchanged; ` +
      `${tally.chunks} chunks, ${(tally.bytes / 1024).toFixed(1)} KiB) in ${secs} s` +
      `${skipped > 0 ? `; skipped ${skipped} files of other types` : ''}` +
      `${storage.kind === 'memory' ? ' — storage is in memory: nothing was kept' : ''}`,
  );
  for (const f of failed) console.error(`  failed: ${f}`);
  if (!known) console.log(`note: add {"name": "${collection}"} to config.collections (and to an agent's recall) so agents use it`);
  return failed.length === 0 ? 0 : 1;
}

/** The `ingest` command. */
export const ingestCommand: Command = { name: 'ingest', usage, run: ingest };
