/**
 * The log's own thread (runtime/log-worker.ts, ADR 0034): JSON lines cleaned and written by a worker thread keep every
 * rule of the process log — secrets scrubbed (also those registered after the thread started), personal data redacted
 * in content fields, errors with their type — in order, and none is lost when the process exits at once.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { LOG_REDACTION_MODULE } from '../../actors/index.js';
import { registerPresentedSecret, registerSecret } from '../../protocols/index.js';
import { closeLogger, createLogger } from '../../runtime/index.js';

const dir = mkdtempSync(join(tmpdir(), 'troupe-log-thread-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const read = (file: string): Record<string, unknown>[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('the log thread', () => {
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
