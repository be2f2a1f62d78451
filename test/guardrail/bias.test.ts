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

  // the rules find nothing in these (written blind, holdout9's style); the bias n-gram model does
  it.each([
    "Re: candidate shortlist\n\nI'd skip the older applicants. People over 50 can't pick up new tools and they're always off " +
      'sick. Hire someone young.',
    'Stellt bloß keine Frauen für die Schichtleitung ein, die sind viel zu emotional für schwierige Entscheidungen.',
    'los mayores de 60 ya no sirven para trabajar con ordenadores, no aprenden nada y solo dan problemas',
  ])('the learned layer finds a stereotype the rules miss: %s', async (text) => {
    expect(await biasDetector({ ngram: false }).detect(text, { stage: 'output' })).toEqual([]);
    const found = await detect(text);
    expect(found.map((f) => f.type)).toEqual(['STEREOTYPE']);
    expect(found[0]!.score).toBeGreaterThanOrEqual(0.5);
  });

  it.each([
    'Our team lead keeps saying older staff cannot learn new tools. How do I raise this with HR without it backfiring?',
    'We reviewed our hiring data: applicants over 50 were shortlisted half as often, so we are changing the process.',
    'Please send the updated shift plan for the warehouse team by Friday.',
  ])('the learned layer passes: %s', async (text) => {
    expect(await detect(text)).toEqual([]);
  });

  it('spans only the stereotyping sentence and honours the threshold', async () => {
    const text = 'We hired three people. Women are bad at math anyway. Lunch is at noon.';
    const found = await detect(text);
    expect(found.map((f) => text.slice(f.start, f.end))).toEqual(['Women are bad at math anyway.']);
    expect(await biasDetector({ threshold: 0.9 }).detect(text, { stage: 'output' })).toEqual([]);
  });
});
