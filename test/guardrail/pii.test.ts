import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../protocols/index.js';
import type { DetectContext } from '../../actors/guardrail/detector.js';
import { piiDetector, PII_TYPES } from '../../actors/guardrail/detectors/pii/index.js';
import { belowGoal, fixture, scoreDetector } from './pii-fixture.js';
import { scoreEntities } from './score.js';

const detector = piiDetector();
const pii = { detect: (text: string, ctx: DetectContext): readonly Finding[] => detector.detect(text, ctx) as readonly Finding[] };
const found = (text: string): string[] =>
  pii.detect(text, { stage: 'input' }).map((f) => `${f.type}:${text.slice(f.start, f.end)}`) as string[];
const types = (text: string): string[] => found(text).map((f) => f.split(':')[0] as string);

describe('pii detector: positives per type', () => {
  it.each([
    ['write to anna.schmidt+news@example.co.uk today', 'EMAIL:anna.schmidt+news@example.co.uk'],
    ['call me on +49 89 1234567 tomorrow', 'PHONE:+49 89 1234567'],
    ['US office (212) 555-0147', 'PHONE:(212) 555-0147'],
    ['mon portable : 06 98 76 54 32', 'PHONE:06 98 76 54 32'],
    ['mi teléfono es 91 234 56 78', 'PHONE:91 234 56 78'],
    ['card 4242-4242-4242-4242 exp 01/29', 'CREDIT_CARD:4242-4242-4242-4242'],
    ['amex 371449635398431', 'CREDIT_CARD:371449635398431'],
    ['IBAN GB29 NWBK 6016 1331 9268 19.', 'IBAN:GB29 NWBK 6016 1331 9268 19'],
    ['iban=ES9121000418450200051332', 'IBAN:ES9121000418450200051332'],
    // mod-97 holds, the Spanish and French national check digits do not: still an IBAN to a reader
    ['cuenta ES64 2100 0418 4502 0005 1333, gracias', 'IBAN:ES64 2100 0418 4502 0005 1333'],
    ['RIB : FR84 2004 1010 0505 0001 3M02 607', 'IBAN:FR84 2004 1010 0505 0001 3M02 607'],
    ['iban: DE89-3704-0044-0532-0130-00.', 'IBAN:DE89-3704-0044-0532-0130-00'],
    ['IBAN DE89\u00a03704\u00a00044\u00a00532\u00a00130\u00a000 BIC COBADEFF', 'IBAN:DE89\u00a03704\u00a00044\u00a00532\u00a00130\u00a000'],
    ['SSN: 219-09-9999', 'US_SSN:219-09-9999'],
    ['social security number 536 22 1234', 'US_SSN:536 22 1234'],
    ['from 203.0.113.7:443', 'IP_ADDRESS:203.0.113.7'],
    ['peer [2001:db8::42]:8443 closed', 'IP_ADDRESS:2001:db8::42'],
    ['Regards,\nWilliam Turner', 'PERSON:William Turner'],
    ['Sehr geehrter Herr Zimmermann, danke.', 'PERSON:Herr Zimmermann'],
    ['je m’appelle Océane Petit', 'PERSON:Océane Petit'],
    ['{"full_name": "Ngozi Adeyemi"}', 'PERSON:Ngozi Adeyemi'],
    ['ship to 10 Downing Street, London SW1A 2AA', 'LOCATION:10 Downing Street, London SW1A 2AA'],
    ['Adresse: Kastanienallee 12, 10435 Berlin', 'LOCATION:Kastanienallee 12, 10435 Berlin'],
    ['au 5 avenue des Champs-Élysées, 75008 Paris', 'LOCATION:5 avenue des Champs-Élysées, 75008 Paris'],
    ['en Calle Gran Vía 28, 28013 Madrid', 'LOCATION:Calle Gran Vía 28, 28013 Madrid'],
    // where a person travels or works, and districts, moves and cities before a full stop
    ['Reisekostenabrechnung\nZiel: Wien\nZeitraum: 10.–12.11.', 'LOCATION:Wien'],
    ['Déplacement : Bruxelles\nMontant : 642,30 €', 'LOCATION:Bruxelles'],
    ['{"nom":"Aurélie Blanc","site":"Lyon"}', 'LOCATION:Lyon'],
    ['je travaille depuis Liège désormais', 'LOCATION:Liège'],
    ['Diego Fernández se muda a Valencia en marzo.', 'LOCATION:Valencia'],
    ['Abholung in Hamburg-Altona organisieren', 'LOCATION:Hamburg-Altona'],
    ['la perdió en Ciudad de México. Su móvil es …', 'LOCATION:Ciudad de México'],
    ['JCB backup 3526-8226-9754-0389.', 'CREDIT_CARD:3526-8226-9754-0389'],
    ['date of birth: 1979-07-12', 'DATE_OF_BIRTH:1979-07-12'],
    ['Geburtsdatum 01.02.1960', 'DATE_OF_BIRTH:01.02.1960'],
    ['née le 3 juin 1991', 'DATE_OF_BIRTH:3 juin 1991'],
    ['fecha de nacimiento: 9 de mayo de 1984', 'DATE_OF_BIRTH:9 de mayo de 1984'],
    // a birth date asked for in one turn and given at the start of the reply
    ['Agent: And your date of birth?\nCaller: Sure, it’s 3 March 1972.', 'DATE_OF_BIRTH:3 March 1972'],
    ['Conseiller : votre date de naissance.\nClient : le 17 août 1983.', 'DATE_OF_BIRTH:17 août 1983'],
    // a card column, whatever follows the cell; addresses with their floor and door; routes and records
    ['name,card_number,exp\nAna Ruiz,5363-9065-0319-0140,04/29', 'CREDIT_CARD:5363-9065-0319-0140'],
    ['Calle Mayor 12, 3º izq., 28013 Madrid', 'LOCATION:Calle Mayor 12, 3º izq., 28013 Madrid'],
    ['12 rue des Lilas, 2e étage, 75011 Paris', 'LOCATION:12 rue des Lilas, 2e étage, 75011 Paris'],
    ['Flug von Hamburg nach Wien am Montag', 'LOCATION:Hamburg'],
    ['vuelo de Sevilla a Lisboa', 'LOCATION:Lisboa'],
    ['Tom Hughes — tom@example.co.uk — 020 7946 0000 — Bristol', 'LOCATION:Bristol'],
    ['We look forward to welcoming you to North Conway.', 'LOCATION:North Conway'],
    ['Subject: deposit\nBen, I moved out last week.', 'PERSON:Ben'],
    // CSV columns by their (quoted) header: SSNs in any shape, birth dates, states, phones
    ['"name","ssn","dob"\n"Lena Park","212 48 9031","1979-02-14"', 'US_SSN:212 48 9031'],
    ['"name","ssn","dob"\n"Lena Park","212489031","1979-02-14"', 'US_SSN:212489031'],
    ['"name","ssn","dob"\n"Lena Park","212489031","1979-02-14"', 'DATE_OF_BIRTH:1979-02-14'],
    ['"id","region"\n"7","Oregon"', 'LOCATION:Oregon'],
    ['vorname,telefon,stadt\nJonas,+44 7700 900812,Kassel', 'PHONE:+44 7700 900812'],
    // vCards
    ['BEGIN:VCARD\nFN:Hugo Lindqvist\nEND:VCARD', 'PERSON:Hugo Lindqvist'],
    ['BEGIN:VCARD\nTEL;TYPE=WORK,VOICE:+1-415-555-0193\nEND:VCARD', 'PHONE:+1-415-555-0193'],
    ['BEGIN:VCARD\nADR;TYPE=WORK:;;12 Elm St;Springfield;OR;97477;USA\nEND:VCARD', 'LOCATION:12 Elm St;Springfield;OR;97477;USA'],
    ['BEGIN:VCARD\nBDAY:19700315\nEND:VCARD', 'DATE_OF_BIRTH:19700315'],
    // a friend named after the word for them, a contact looked up by name, a device's owner
    ['ma pote Lucille arrive demain', 'PERSON:Lucille'],
    ['my buddy Declan owes me', 'PERSON:Declan'],
    ['people.search("Ingrid") returned 2 rows', 'PERSON:Ingrid'],
    ['DHCPACK to 10.0.0.9 (iPad-von-Jonas)', 'PERSON:Jonas'],
    ['host Sarahs-MacBook-Air joined', 'PERSON:Sarah'],
  ])('%s', (text, expected) => {
    expect(found(text)).toContain(expected);
  });
});

describe('pii detector: hard negatives', () => {
  it.each([
    'order #4839201 was shipped',
    'Bestellnummer 1234567890 storniert',
    'ISBN 978-3-16-148410-0',
    'id 123e4567-e89b-12d3-a456-426614174000',
    'commit 9fceb02d0ae598e95dc970b74767f19372d61af8',
    'sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'upgrade to v1.2.3.4 now',
    'version 10.0.0.1 fixes it',
    'timestamp 1714550400 and 2024-05-01T12:00:00Z',
    'test card 4111 1111 1111 1112 is Luhn-invalid',
    'IBAN ES00 2100 0418 4502 0005 1333 has a wrong mod-97 checksum',
    'a Berlin-based startup hired us',
    'La empresa se muda a Valencia.',
    'order 3526-8226-9754-0389 shipped',
    'visit our site: Lyon Conference 2027',
    'it costs $1,299.00 or 1.299,00 €',
    'tracking 1Z999AA10123456784',
    'the meeting is on 12 March 1990 in the old hall',
    'Monday we ship. Tuesday we rest.',
    'Apple and Microsoft released updates in May.',
    'SSN 666-12-3456 and 000-12-3456 and 912-34-5678 are invalid',
    'Dear Customer, thanks for your order.',
    // versions, OIDs, ISBNs and file numbers, wherever a version stands
    'redis=7.2.4 client_lib=4.6.0.1 ok',
    'versión del cliente 14.10.2.1 rechazada',
    'a known issue in 6.4.12.0. Roll back to 6.4.11.3 for now',
    'ticket,version\nT-1,3.12.0.8\nT-2,3.11.9.2',
    'VERSIONS = ["10.2.3.4", "4.0.30319.42000", "1.2.840.113549"]',
    'ISBN 978-2-07-036822-8 or 2-07-036822-X',
    'N° de dossier : 2026-0007731',
    // a speaker's turn is what they say
    'Customer: Sure, it is fine.\nKundin: Guten Tag, alles gut.',
    // a date column that is no birth date; a venue in a place field; a store's name; an app's version
    '"name","created"\n"-","2024-03-01"',
    '{"ort":"Turnhalle","lieu":"Salle des fêtes"}',
    '{"store":"Camille Rue de Rivoli"}',
    '{"app":"3.14.0.7","os":"10.0.19045.3"}',
    // counts with thousands separators, airline e-tickets
    'scan done: 2.304.118 files, 1,204,331 rows',
    'e-ticket number 220-1234567890 issued',
    // a relationship word before no name, a device without an owner
    'my friend said so; mein Bruder Arbeit hat',
    'iPhone-de-travail rebooted',
    'BEGIN:VCARD\nVERSION:3.0\nEND:VCARD',
  ])('%s', (text) => {
    expect(found(text)).toEqual([]);
  });
});

describe('pii detector: dev set (test/fixtures/guardrails/pii.jsonl)', () => {
  const lines = fixture('pii');

  it('covers every type, all four languages and every format, with hard negatives', () => {
    expect(lines.length).toBeGreaterThanOrEqual(250);
    expect(new Set(lines.flatMap((l) => l.entities.map((e) => e.type)))).toEqual(new Set(PII_TYPES));
    expect(new Set(lines.map((l) => l.lang))).toEqual(new Set(['en', 'de', 'fr', 'es']));
    expect(new Set(lines.map((l) => l.format))).toEqual(new Set(['chat', 'email', 'log', 'json', 'code', 'tool']));
    expect(lines.filter((l) => l.entities.length === 0).length).toBeGreaterThanOrEqual(60);
  });

  it('meets precision ≥ 0.95 and recall ≥ 0.95 for every type', async () => {
    expect(belowGoal(await scoreDetector(detector, lines), 0.95)).toEqual([]);
  });

  it('the goal check fails when a type is missed (the fixture test can fail)', async () => {
    const noPhones = piiDetector({ types: PII_TYPES.filter((t) => t !== 'PHONE') });
    expect(belowGoal(await scoreDetector(noPhones, lines), 0.95).join()).toContain('PHONE');
  });
});

describe('pii detector: blind set (test/fixtures/guardrails/pii-blind.jsonl, written before the second pass)', () => {
  const lines = fixture('pii-blind');

  it('covers every type and all four languages, with hard negatives', () => {
    expect(lines.length).toBeGreaterThanOrEqual(150);
    expect(new Set(lines.flatMap((l) => l.entities.map((e) => e.type)))).toEqual(new Set(PII_TYPES));
    expect(new Set(lines.map((l) => l.lang))).toEqual(new Set(['en', 'de', 'fr', 'es']));
    expect(lines.filter((l) => l.entities.length === 0).length).toBeGreaterThanOrEqual(30);
  });

  it('meets precision ≥ 0.95 and recall ≥ 0.95 for every type', async () => {
    expect(belowGoal(await scoreDetector(detector, lines), 0.95)).toEqual([]);
  });
});

describe('scoreEntities', () => {
  it('matches on type and ≥ 50 % of the gold span, one to one', () => {
    const gold = [{ type: 'PERSON', start: 0, end: 10 }];
    expect(scoreEntities(gold, [{ type: 'PERSON', start: 5, end: 30 }]).all.tp).toBe(1);
    expect(scoreEntities(gold, [{ type: 'PERSON', start: 6, end: 30 }]).all).toMatchObject({ tp: 0, fp: 1, fn: 1 });
    expect(scoreEntities(gold, [{ type: 'LOCATION', start: 0, end: 10 }]).byType.PERSON).toMatchObject({ recall: 0 });
    const twice = scoreEntities(gold, [
      { type: 'PERSON', start: 0, end: 10 },
      { type: 'PERSON', start: 0, end: 9 },
    ]);
    expect(twice.all).toMatchObject({ tp: 1, fp: 1, precision: 0.5, recall: 1 });
  });
});

describe('pii detector: hostile input', () => {
  const check = (text: string): void => {
    const fs = pii.detect(text, { stage: 'input' });
    let last = -1;
    for (const f of fs) {
      expect(f.detector).toBe('pii');
      expect(f.start).toBeGreaterThanOrEqual(0);
      expect(f.end).toBeGreaterThan(f.start);
      expect(f.end).toBeLessThanOrEqual(text.length);
      expect(f.start).toBeGreaterThanOrEqual(last);
      last = f.end;
    }
  };

  it('never throws; offsets are in range, ordered and disjoint', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc.string({ maxLength: 300 }),
          fc.string({ unit: 'grapheme', maxLength: 200 }),
        ),
        (s) => check(s),
      ),
      { numRuns: 400 },
    );
  });

  it('never throws on strings built from the rules’ own alphabet (adversarial for the regexes)', () => {
    const parts = fc.constantFrom(
      '1',
      '12',
      '+',
      '-',
      ' ',
      '.',
      ':',
      '@',
      'a',
      'A',
      'Mr. ',
      'Jane ',
      'Street',
      'straße ',
      'calle ',
      '\n',
      'born on ',
      'ff:',
      '::',
      'DE89',
      '4111 ',
      'Best regards,\n',
      '"name": "',
    );
    fc.assert(
      fc.property(fc.array(parts, { maxLength: 120 }), (a) => check(a.join(''))),
      { numRuns: 400 },
    );
  });

  it('a finding keeps its text when noise surrounds it', () => {
    const values = fc.constantFrom(
      'jane.roe@example.org',
      '+44 20 7946 0958',
      '4111 1111 1111 1111',
      'DE89 3704 0044 0532 0130 00',
      '198.51.100.4',
    );
    const noise = fc.stringMatching(/^[a-z ]{0,40}$/);
    fc.assert(
      fc.property(noise, values, noise, (a, v, b) => {
        const text = `${a} | ${v} | ${b}`;
        expect(found(text).map((f) => f.slice(f.indexOf(':') + 1))).toContain(v);
      }),
      { numRuns: 300 },
    );
  });

  it('handles 1 MB inputs of repeated and random text (correct findings, no blow-up)', () => {
    const unit = 'Contact Jane Doe at jane.doe@example.com or +1 415 555 0132, order #4839201. ';
    const big = unit.repeat(Math.ceil(1_000_000 / unit.length));
    const fs = pii.detect(big, { stage: 'input' });
    const n = Math.ceil(1_000_000 / unit.length);
    expect(fs.filter((f) => f.type === 'EMAIL')).toHaveLength(n);
    expect(fs.filter((f) => f.type === 'PHONE')).toHaveLength(n);
    for (const s of [
      'a'.repeat(1_000_000),
      '1'.repeat(1_000_000),
      '1 '.repeat(500_000),
      'A-'.repeat(500_000),
      ':'.repeat(1_000_000),
      '\uD800'.repeat(1000),
    ])
      expect(types(s)).toEqual([]);
    // ~2.5 s of CPU on this machine; a quadratic pass over 1 MB would take minutes, so the bound only needs room for a
    // loaded run (20 s was exceeded once at load 11)
  }, 60_000);
});
