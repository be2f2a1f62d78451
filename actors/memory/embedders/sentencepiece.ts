/**
 * USE-lite's tokenizer: the unigram SentencePiece segmentation of `@energetic-ai/embeddings`
 * (NFKC, `▁` for spaces, best-scoring pieces by dynamic programming, runs of unknown symbols
 * merged), ported so that it gives the same ids, including its ties and its unknown-symbol rules.
 * The port differs in cost only: the package copies the rest of the text at every position (time
 * quadratic in the length: tens of milliseconds for a few thousand characters), this walks the trie
 * from the position.
 */

/** One vocabulary entry: piece and log-probability score. */
export type VocabEntry = readonly [piece: string, score: number];

interface TrieNode {
  readonly children: Map<string, TrieNode>;
  /** Length of the piece in code points, its score and id, when a piece ends here. */
  end?: { readonly length: number; score: number; id: number };
}

const SEPARATOR = '\u2581';
/** Ids below this are control symbols (unknown, `<s>`, `</s>`, …), never matched in text. */
const RESERVED = 6;

/** Unigram SentencePiece over a vocabulary whose entry 0 is the unknown symbol. */
export class SentencePieceTokenizer {
  private readonly root: TrieNode = { children: new Map() };
  /** UTF-16 length of each piece: the package walks back from the end by these. */
  private readonly lengths: number[];

  constructor(vocabulary: readonly VocabEntry[]) {
    this.lengths = vocabulary.map(([piece]) => piece.length);
    for (let id = RESERVED; id < vocabulary.length; id++) {
      const [piece, score] = vocabulary[id] as VocabEntry;
      const symbols = [...piece];
      let node = this.root;
      for (const s of symbols) {
        let next = node.children.get(s);
        if (next === undefined) node.children.set(s, (next = { children: new Map() }));
        node = next;
      }
      if (symbols.length > 0) node.end = { length: symbols.length, score, id };
    }
  }

  /** Piece ids of `text`. */
  encode(text: string): number[] {
    const normalized = text.normalize('NFKC');
    const symbols = normalized.length > 0 ? [...(SEPARATOR + normalized.replace(/ /g, SEPARATOR))] : [];
    const n = symbols.length;
    // Pieces ending at each position in increasing order of start (filled so), the order the package visits them in: it
    // keys them by start in an object, which iterates integer keys in increasing order.
    const ending: { start: number; length: number; score: number; id: number }[][] = Array.from({ length: n + 1 }, () => []);
    for (let i = 0; i < n; i++) {
      let node = this.root.children.get(symbols[i] as string);
      let matched = false;
      for (let j = i; j < n && node !== undefined; j++) {
        if (node.end !== undefined) {
          ending[i + node.end.length]?.push({ start: i, ...node.end });
          matched = true;
        }
        node = j + 1 < n ? node.children.get(symbols[j + 1] as string) : undefined;
      }
      if (!matched) ending[i + 1]?.push({ start: i, length: 1, score: 0, id: 0 });
    }
    const best = new Array<number>(n + 1).fill(0);
    const words = new Array<number>(n + 1).fill(0);
    for (let end = 0; end <= n; end++) {
      for (const p of ending[end] as (typeof ending)[number]) {
        const score = p.score + (best[end - p.length] as number);
        if (best[end] === 0 || score >= (best[end] as number)) {
          best[end] = score;
          words[end] = p.id;
        }
      }
    }
    const ids: number[] = [];
    for (let at = n; at > 0; at -= this.lengths[words[at] as number] as number) ids.push(words[at] as number);
    ids.reverse();
    // Consecutive unknown symbols become one.
    return ids.filter((id, i) => !(id === 0 && i > 0 && ids[i - 1] === 0));
  }
}
