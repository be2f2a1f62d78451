/**
 * A second process on the same lmdb directory (spawned by lmdb.test.ts).
 * argv: <dir> <mode>. `share`: write child keys, then print what the parent wrote.
 * `crash`: write one key and SIGKILL itself the moment the write resolved.
 */
import { LmdbStorage } from '../../runtime/lmdb/index.js';

const [dir, mode] = process.argv.slice(2) as [string, string];
const storage = new LmdbStorage(dir);
const b = storage.bucket('shared');
if (mode === 'crash') {
  await b.put(['crash'], { durable: true, big: 2n ** 70n });
  process.kill(process.pid, 'SIGKILL');
} else {
  await Promise.all(Array.from({ length: 200 }, (_, i) => b.put(['child', String(i).padStart(3, '0')], i)));
  await b.putMany(Array.from({ length: 100 }, (_, i) => ({ key: ['batch', String(i).padStart(3, '0')], value: i })));
  const parent = await b.get(['parent']);
  process.stdout.write(JSON.stringify({ parent, children: (await b.list(['child'])).length }) + '\n');
  await storage.close();
}
