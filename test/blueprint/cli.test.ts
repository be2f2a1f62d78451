/**
 * `troupe blueprint` as a user runs it (real child processes, embedded node on a temp data dir): pack an example to a
 * .tgz and install it, run its agent as `<blueprint>/<agent>`, an upgrade whose eval suite fails keeps the installed
 * version, one whose suite passes switches, and remove takes it away; an invalid bundle exits 1 naming file and field.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runTroupe } from '../gateway/cli-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'troupe-bp-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function troupe(args: string[]): ReturnType<typeof runTroupe> {
  return runTroupe(args, { TROUPE_DATA_DIR: join(dir, 'data') });
}

/** A copy of the research assistant at `version`, its eval suite expecting `expect`. */
function variant(name: string, version: string, expectText: string): string {
  const d = join(dir, name);
  cpSync(join(ROOT, 'examples/blueprints/research-assistant'), d, { recursive: true });
  const m = join(d, 'blueprint.yaml');
  writeFileSync(m, readFileSync(m, 'utf8').replace('version: 1.0.0', `version: ${version}`));
  const e = join(d, 'evals/research.yaml');
  writeFileSync(e, readFileSync(e, 'utf8').replace('value: "98"', `value: "${expectText}"`));
  return d;
}

describe('troupe blueprint', () => {
  it('packs, installs, runs, upgrades only past its evals, and removes', async () => {
    const tgz = join(dir, 'ra.tgz');
    const bad = join(dir, 'bad');
    cpSync(join(ROOT, 'examples/blueprints/support-desk'), bad, { recursive: true });
    writeFileSync(join(bad, 'agents/billing.yaml'), 'name: billing\ninstructions: x\ntools: 3\n');
    const [packed, invalid] = await Promise.all([
      troupe(['blueprint', 'pack', 'examples/blueprints/research-assistant', '--out', tgz]),
      troupe(['blueprint', 'validate', bad]),
    ]);
    expect(packed.code, packed.stderr).toBe(0);
    expect(packed.stdout).toMatch(/packed research-assistant@1\.0\.0 .*\nsha256 [0-9a-f]{64}/);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('agents/billing.yaml: tools: ');

    const installed = await troupe(['blueprint', 'install', tgz]);
    expect(installed.code, installed.stderr).toBe(0);
    expect(installed.stdout).toContain('installed research-assistant@1.0.0 for every tenant');
    expect(installed.stdout).toContain('workflows: research-assistant/brief');

    const ran = await troupe(['run', 'research-assistant/researcher', '/tool calculator {"expression": "2*(3+4)^2"}']);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toContain('98');

    const failing = await troupe(['blueprint', 'upgrade', variant('v2', '1.1.0', 'no such answer')]);
    expect(failing.code, failing.stdout).toBe(1);
    expect(failing.stderr).toContain('research-assistant@1.1.0 failed its evals; the installed version is kept');

    const passing = await troupe(['blueprint', 'upgrade', variant('v3', '1.2.0', '98'), '--json']);
    expect(passing.code, passing.stderr + passing.stdout).toBe(0);
    expect(passing.stdout).toContain('"status": "upgraded"');
    expect(passing.stdout).toContain('"previous": "1.0.0"');
    expect(passing.stdout).toContain('"version": "1.2.0"');

    const removed = await troupe(['blueprint', 'remove', 'research-assistant']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toContain('removed research-assistant@1.2.0');
    const gone = await troupe(['run', 'research-assistant/researcher', 'hi']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('not found');
  }, 900_000);
});
