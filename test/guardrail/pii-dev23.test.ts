/**
 * The third round of PII work (issue 13), after holdout set 7 was opened: development set 23 (written for the classes
 * holdout 7 missed: places in fields, signatures and living/birth/moving phrases, "City, Region" spans, card groupings,
 * dates of birth in ISO, numeric and table forms, false names from greetings and family words), holdout 7 itself (no
 * longer blind, so development data now), and one case per rule class.
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../protocols/index.js';
import { piiDetector } from '../../actors/guardrail/detectors/pii/index.js';
import { belowGoal, fixture, scoreDetector } from './pii-fixture.js';

const detector = piiDetector();
const found = (text: string): string[] =>
  (detector.detect(text, { stage: 'input' }) as readonly Finding[]).map((f) => `${f.type}:${text.slice(f.start, f.end)}`);

describe('pii detector: development set 23 and holdout 7', () => {
  const dev = fixture('pii-dev23');

  it('dev23 covers four languages, every format and hard negatives', () => {
    expect(new Set(dev.map((l) => l.lang))).toEqual(new Set(['en', 'de', 'fr', 'es']));
    for (const f of ['chat', 'email', 'log', 'json', 'csv', 'code', 'tool']) expect(dev.some((l) => l.format === f)).toBe(true);
    expect(dev.filter((l) => l.entities.length === 0).length).toBeGreaterThanOrEqual(10);
  });

  it('dev23: precision and recall ≥ 0.95 for every type', async () => {
    expect(belowGoal(await scoreDetector(detector, dev), 0.95)).toEqual([]);
  });

  it('holdout 7: recall ≥ 0.95 for every type, precision too but for private IPs its writer left unmarked', async () => {
    const scores = await scoreDetector(detector, fixture('pii-holdout7'));
    // 10.x and 192.168.x are IP addresses all the same: the detector keeps finding them (issue 13's lead decided so).
    const { IP_ADDRESS: ip, ...rest } = scores.byType;
    expect(belowGoal({ ...scores, byType: rest }, 0.95)).toEqual([]);
    expect(ip?.recall).toBeGreaterThanOrEqual(0.95);
    expect(scores.all.precision).toBeGreaterThanOrEqual(0.95);
    expect(scores.all.recall).toBeGreaterThanOrEqual(0.95);
  });
});

describe('pii detector: rules of the third round', () => {
  it.each([
    ['txn,amount,card\nTX-1,12.00,5530366233369977', 'CREDIT_CARD:5530366233369977'],
    ['Amex 3746 249440 19194 please', 'CREDIT_CARD:3746 249440 19194'],
    ['Diners 3056 930902 5904 ok', 'CREDIT_CARD:3056 930902 5904'],
    ['card number is 4988 2884 4130 7607 961', 'CREDIT_CARD:4988 2884 4130 7607 961'],
    ['employee,dob\nLaura Bennett,1990-08-22', 'DATE_OF_BIRTH:1990-08-22'],
    ['nom;date_naissance\nLuc Petit;22/07/1986', 'DATE_OF_BIRTH:22/07/1986'],
    ['birth_date: 19850307', 'DATE_OF_BIRTH:19850307'],
    ['He was born in March 1985.', 'DATE_OF_BIRTH:March 1985'],
    ['{"country":"China","plan":"free"}', 'LOCATION:China'],
    ['name,country\nSven Berg,Switzerland', 'LOCATION:Switzerland'],
    ['{"standort":"Zürich"}', 'LOCATION:Zürich'],
    ['office Las Vegas, Nevada', 'LOCATION:Las Vegas, Nevada'],
    ['this is Kwame from Accra, Ghana.', 'LOCATION:Accra, Ghana'],
    ['Please call (Berkeley, CA).', 'LOCATION:Berkeley, CA'],
    ['Vielen Dank, Claudia Wenzel, Hannover, Tel. 0511 7623390', 'LOCATION:Hannover'],
    ['she lives in Esch-sur-Alzette now', 'LOCATION:Esch-sur-Alzette'],
    ['Ich wohne in Bad Kreuznach, bin aber in Polen aufgewachsen.', 'LOCATION:Polen'],
    ['nacida el 30/01/1938 en Villanueva de la Serena, solicita', 'LOCATION:Villanueva de la Serena'],
    ['vit maintenant à Québec, au Canada.', 'LOCATION:Canada'],
    ['my husband is from Kenya', 'LOCATION:Kenya'],
    ["I'm moving to Portugal next month", 'LOCATION:Portugal'],
    ['Indirizzo: Via Roma 45, 20121 Milano', 'LOCATION:Via Roma 45, 20121 Milano'],
    ['Dirección de entrega: C/ Gran Vía 28, 3º izq., 28013 Madrid', 'LOCATION:C/ Gran Vía 28, 3º izq., 28013 Madrid'],
    ['{"first": "Miguel", "last": "Álvarez"}', 'PERSON:Álvarez'],
    ['Signed, J. R. Hartley', 'PERSON:J. R. Hartley'],
    ['El señor Villalobos llamó', 'PERSON:señor Villalobos'],
    ['Festnetz 030 / 901 820 0', 'PHONE:030 / 901 820 0'],
    ['<a href="tel:+4930901820">', 'PHONE:+4930901820'],
    ["INSERT INTO t (name, city, dob) VALUES ('Ana Ruiz', 'Lugo', '1981-11-03')", 'DATE_OF_BIRTH:1981-11-03'],
    ['CONTACT_CITY="Porto"', 'LOCATION:Porto'],
  ])('%s', (text, expected) => {
    expect(found(text)).toContain(expected);
  });

  it.each([
    ['Vielen Dank, Claudia Wenzel', 'PERSON:Vielen Dank'],
    ['Meine Mutter, Helga Braun, braucht einen Termin', 'PERSON:Meine Mutter'],
    ['4711-03;Wasserkocher WK 12;29,99 €', 'PERSON:W'],
    ['My SSN for the W-9 is on file', 'PERSON:W'],
    ['Er lebt in Armut und wohnt im Erdgeschoss.', 'LOCATION:Armut'],
    ['Die Geburtstagsfeier ist am 14.06.2025 im Garten', 'DATE_OF_BIRTH:14.06.2025'],
    ['Sie ist im Mai 1990 geboren, die Feier ist am 12.05.2026.', 'DATE_OF_BIRTH:12.05.2026'],
    ['The new Mobile app is available in Mobile and Desktop versions.', 'LOCATION:Mobile'],
    ['The shipment is moving to Germany by truck.', 'LOCATION:Germany'],
    ['This wine is from France.', 'LOCATION:France'],
    ['{"location":"Remote"}', 'LOCATION:Remote'],
    ['id,city\n1,Tulsa,Oklahoma', 'LOCATION:Tulsa,Oklahoma'],
    ['the card 4497 0041 3970 6144 keeps failing', 'CREDIT_CARD:4497 0041 3970 6144'],
    ['rows 2024 / 2025 / 2026 are final', 'PHONE:2024 / 2025'],
    ['{"name": "Hudson Street Backpack"}', 'PERSON:Hudson'],
    ['{"weather_location":"cloudy"}', 'LOCATION:cloudy'],
  ])('not in %s', (text, unexpected) => {
    expect(found(text)).not.toContain(unexpected);
  });
});
