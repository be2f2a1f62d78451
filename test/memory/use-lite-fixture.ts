/** The USE-lite vector fixture (test/fixtures/use-lite-vectors.json): texts and the vectors TensorFlow.js gave them. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const fixture = JSON.parse(await readFile(join(import.meta.dirname, '..', 'fixtures', 'use-lite-vectors.json'), 'utf8')) as {
  texts: string[];
  vectors: string[];
};

/** The fixture's vectors, in the order of its texts. */
export const expected = fixture.vectors.map((b64) => {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
});
