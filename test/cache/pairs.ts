/** The cache fixtures: paraphrase pairs (should share an answer) and negation/opposite/number/entity pairs (must not). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = join(process.cwd(), 'test', 'fixtures', 'cache');

/** `[a, b]` paraphrases. */
export function paraphrasePairs(): [string, string][] {
  return lines('paraphrases.tsv').map((l) => l.split('\t') as [string, string]);
}

/** `{ kind, a, b }`: pairs that ask different things (kind: negation, antonym, number, entity). */
export function negationPairs(): { kind: string; a: string; b: string }[] {
  return lines('negations.tsv').map((l) => {
    const [kind, a, b] = l.split('\t') as [string, string, string];
    return { kind, a, b };
  });
}

function lines(file: string): string[] {
  return readFileSync(join(DIR, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
}
