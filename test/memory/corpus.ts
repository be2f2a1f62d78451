/** Loads the retrieval-quality corpus in test/fixtures/corpus (articles + questions with known answers). */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RagDocument } from '../../actors/memory/rag/index.js';

/** A question, the article that answers it and a phrase a relevant chunk contains. */
export interface Question {
  readonly q: string;
  readonly doc: string;
  readonly answer: string;
}

const DIR = join(import.meta.dirname, '..', 'fixtures', 'corpus');

/** The articles as Markdown documents (id = file name without `.md`). */
export async function corpusDocuments(): Promise<RagDocument[]> {
  const files = (await readdir(join(DIR, 'articles'))).filter((f) => f.endsWith('.md')).sort();
  return Promise.all(
    files.map(async (f) => ({
      id: f.slice(0, -3),
      content: await readFile(join(DIR, 'articles', f), 'utf8'),
      format: 'markdown' as const,
      metadata: { file: f },
    })),
  );
}

/** The questions. */
export async function corpusQuestions(): Promise<Question[]> {
  return JSON.parse(await readFile(join(DIR, 'questions.json'), 'utf8')) as Question[];
}
