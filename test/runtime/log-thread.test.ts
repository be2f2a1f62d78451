/**
 * The log's own thread (runtime/log-worker.ts, ADR 0034): JSON lines cleaned and written by a worker thread keep every
 * rule of the process log — secrets scrubbed (also those registered after the thread started), personal data redacted
 * in content fields, errors with their type — in order, and none is lost when the process exits at once. Lines are
 * handed to the thread in batches, and a batch that cleaning would not change is written as it came.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { LOG_REDACTION_MODULE, redactPersonalData } from '../../actors/index.js';
import { registerPresentedSecret, registerSecret } from '../../protocols/index.js';
import { closeLogger, createLogger, scrubLogValue } from '../../runtime/index.js';
import { needsCleaning } from '../../runtime/log.js';

const dir = mkdtempSync(join(tmpdir(), 'troupe-log-thread-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const read = (file: string): Record<string, unknown>[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const known = `kn0wn-s3cr3t-${randomBytes(12).toString('hex')}`;
registerSecret(known);

/**
 * JSON-like values as components log them: keys that are credential or content fields among others, strings with quotes,
 * backslashes and newlines, a registered secret, credential shapes and personal data.
 */
const logged = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 5 },
    fc.string({ maxLength: 12 }),
    fc.integer(),
    fc.constant(null),
    fc.constantFrom(known, `x${known}"`, 'Bearer abcdefghijklmnop123', 'sk-abcdefghijklmnopqrstuvwxyz', 'jane.doe@example.com'),
    fc.constantFrom('a "quoted" word', 'back\\slash', 'two\nlines', '[redacted]', 'eyJhbGciOi.eyJzdWIiOi.sig'),
    // Credentials JSON spells differently from the text: found in the string, not in its escaped form.
    fc.constantFrom('Bearer\tabcdefghijklmnop123', 'line\nsk-abcdefghijklmnopqrstuvwxyz'),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(
      fc.oneof(fc.constantFrom('note', 'token', 'Password', 'arguments', 'input', 'text', 'run_id'), fc.string({ maxLength: 6 })),
      tie('value'),
      { maxKeys: 4 },
    ),
  ),
})).value;

describe('the log thread', () => {
  it('writes as they came only lines that cleaning would not change (property)', () => {
    // Any change cleaning makes shows: personal data in content becomes a fixed mark.
    const redact = (): string => '[PII]';
    let passed = 0;
    let cleaned = 0;
    fc.assert(
      fc.property(fc.array(logged, { minLength: 1, maxLength: 3 }), fc.string({ maxLength: 12 }), (values, msg) => {
        const lines = values.map((fields) => JSON.stringify({ level: 'info', event: 'x', fields, msg }));
        if (needsCleaning(lines.join('\n'))) {
          cleaned++;
          return;
        }
        passed++;
        for (const line of lines) expect(scrubLogValue(JSON.parse(line), redact)).toEqual(JSON.parse(line));
      }),
      { numRuns: 2_000 },
    );
    // Both kinds of batches were drawn, so the property was tested on each side.
    expect(passed).toBeGreaterThan(100);
    expect(cleaned).toBeGreaterThan(100);
  });

  it("writes what cleaning on the caller's thread writes, handing lines over without a flush (property)", async () => {
    const file = join(dir, 'same.log');
    const log = createLogger({ thread: { dest: file, redactModule: LOG_REDACTION_MODULE } });
    const here: string[] = [];
    const inPlace = createLogger({
      destination: new Writable({
        write(chunk: Buffer, _enc, done) {
          here.push(chunk.toString());
          done();
        },
      }),
      redactText: redactPersonalData,
    });
    // The first line loads the redaction module in the thread; it is written once its batch is handed over (no flush).
    log.info({ event: 'first', input: 'mail jane.doe@example.com' }, 'first');
    inPlace.info({ event: 'first', input: 'mail jane.doe@example.com' }, 'first');
    await expect.poll(() => readFileSync(file, 'utf8'), { timeout: 60_000, interval: 50 }).toContain('"event":"first"');
    fc.assert(
      fc.property(logged, logged, fc.string({ maxLength: 12 }), (fields, content, msg) => {
        for (const l of [log, inPlace]) l.info({ event: 'p', fields, arguments: content }, `${msg} ${known}`);
      }),
      { numRuns: 300 },
    );
    await closeLogger(log);
    const untimed = (line: string): unknown => ({ ...(JSON.parse(line) as Record<string, unknown>), time: undefined });
    const written = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    expect(written).toHaveLength(301);
    expect(written.map(untimed)).toEqual(here.map(untimed));
    expect(readFileSync(file, 'utf8')).not.toContain(known);
  }, 90_000);

  it('writes every line in order, secrets scrubbed and personal data in content redacted', async () => {
    const secret = `s3cr3t-${randomBytes(12).toString('hex')}`;
    registerSecret(secret);
    const file = join(dir, 'a.log');
    const log = createLogger({ thread: { dest: file, redactModule: LOG_REDACTION_MODULE } });
    for (let i = 0; i < 300; i++)
      log.info({ event: 'tool.call', i, arguments: { to: 'jane.doe@example.com', note: `key ${secret}` }, token: 'abc' }, `call ${secret}`);
    log.error({ err: new Error(`boom ${secret}`) }, 'failed');
    // A secret registered once the thread runs (a presented API key) is scrubbed from every later line.
    const late = `trp-late-${randomBytes(12).toString('hex')}`;
    registerPresentedSecret(late);
    log.warn({ event: 'late', detail: { echoed: `tool said ${late}` } }, late);
    await closeLogger(log);
    const lines = read(file);
    expect(lines.map((l) => l['i'])).toEqual([...Array.from({ length: 300 }, (_, i) => i), undefined, undefined]);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(secret);
    expect(text).not.toContain(late);
    expect(lines[301]).toMatchObject({ detail: { echoed: 'tool said [redacted]' }, msg: '[redacted]' });
    expect(text).not.toContain('jane.doe@example.com');
    expect(lines[0]).toMatchObject({
      arguments: { to: '[REDACTED:EMAIL]', note: 'key [redacted]' },
      token: '[redacted]',
      msg: 'call [redacted]',
    });
    expect(lines[300]).toMatchObject({ level: 'error', err: { type: 'Error', message: 'boom [redacted]' } });
  });

  it('never writes a registered secret, whatever values and keys are logged (property)', async () => {
    const secret = `s3cr3t-${randomBytes(12).toString('hex')}`;
    const file = join(dir, 'p.log');
    const log = createLogger({ thread: { dest: file } });
    registerSecret(secret);
    const carrying = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.string(),
        fc.integer(),
        fc.constant(secret),
        fc.string().map((x) => `${x}${secret}${x}`),
        fc.constant(`{"$troupe.secret":"${secret}"}\n`),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    let count = 0;
    fc.assert(
      fc.property(carrying, fc.string(), (fields, msg) => {
        log.info({ event: 'x', fields, err: new Error(`failed with ${secret}`) }, `${msg} ${secret}`);
        count++;
      }),
      { numRuns: 200 },
    );
    await closeLogger(log);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(secret);
    expect(read(file)).toHaveLength(count);
  });

  it('fails closed: without a loadable redaction module, content is logged only as its length', async () => {
    const file = join(dir, 'b.log');
    const log = createLogger({ thread: { dest: file, redactModule: new URL('./no-such-module.js', import.meta.url).href } });
    log.info({ event: 'run.start', input: 'call jane.doe@example.com', route: '/acp' }, 'start');
    await closeLogger(log);
    expect(read(file)).toEqual([expect.objectContaining({ input: '[25 chars]', route: '/acp' })]);
  });

  it('loses no line when the process exits right after logging', () => {
    const file = join(dir, 'c.log');
    const fixture = new URL('./fixtures/log-exit.ts', import.meta.url).pathname;
    const out = spawnSync(process.execPath, ['--import', 'tsx', fixture, file, '500'], { encoding: 'utf8', timeout: 60_000 });
    expect(out.status, out.stderr).toBe(3);
    const lines = read(file);
    expect(lines).toHaveLength(501);
    expect(lines.at(-1)).toMatchObject({ event: 'fatal.test', err: { type: 'Error', message: 'last words' } });
  }, 60_000);
});
