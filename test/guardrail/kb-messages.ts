/** The 1 KB messages the guardrail speed drivers time: every fixture text, in file order, cut into 1,024-character windows. */
import { fixtureTextsByFile } from './fixture-sample.js';

/** Every text of the guardrail fixtures (`*.jsonl`, sorted by file name). */
export function fixtureTexts(): string[] {
  return fixtureTextsByFile().flatMap((f) => f.texts);
}

/** `count` messages of 1 KB, each starting one fixture text later than the one before. */
export function kbMessages(count = 64): string[] {
  const texts = fixtureTexts();
  const kb: string[] = [];
  for (let i = 0; kb.length < count; i++) {
    let m = '';
    for (let j = i; m.length < 1024; j++) m += `${texts[j % texts.length] ?? ''}\n`;
    kb.push(m.slice(0, 1024));
  }
  return kb;
}
