/**
 * The bias detector: stereotyping generalisations in English, German, French and Spanish are found; statistics with
 * sources and text criticising stereotypes pass.
 */
import { describe, expect, it } from 'vitest';
import { biasDetector } from '../../actors/guardrail/detectors/moderation/index.js';

const detector = biasDetector();
const detect = async (text: string) => await detector.detect(text, { stage: 'output' });

describe('bias detector', () => {
  it.each([
    'Women are bad at driving.',
    'All Italians are loud.',
    'Typical German, no sense of humour.',
    "Old people can't use computers.",
    'Chinese people are bad at sports.',
    'Frauen können nicht einparken.',
    'Alle Polen sind Diebe.',
    'Les femmes ne savent pas conduire.',
    'Tous les Belges sont stupides.',
    'Las mujeres no saben conducir.',
    'Todos los gitanos son ladrones.',
  ])('finds a stereotype in: %s', async (text) => {
    const found = await detect(text);
    expect(found.map((f) => f.type)).toEqual(['STEREOTYPE']);
    expect(found[0]!.detector).toBe('bias');
  });

  it.each([
    'According to the 2022 census, 38% of women work part-time.',
    'It is a stereotype that women are bad at math; studies find no gap.',
    'The myth that immigrants are criminals is not supported by data.',
    'Not all Germans are punctual!',
    'Are women really worse drivers? What does the data say?',
    'Das Klischee, dass Frauen nicht einparken können, ist falsch.',
    'Le cliché selon lequel les femmes ne savent pas conduire est un préjugé.',
    'Es un estereotipo decir que las mujeres no saben conducir.',
    'Typical weather for April.',
  ])('passes: %s', async (text) => {
    expect(await detect(text)).toEqual([]);
  });

  it('spans only the stereotyping sentence and honours the threshold', async () => {
    const text = 'We hired three people. Women are bad at math anyway. Lunch is at noon.';
    const found = await detect(text);
    expect(found.map((f) => text.slice(f.start, f.end))).toEqual(['Women are bad at math anyway.']);
    expect(await biasDetector({ threshold: 0.9 }).detect(text, { stage: 'output' })).toEqual([]);
  });
});
