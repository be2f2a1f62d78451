/**
 * CI for the example blueprints (issue 22: "CI packs, installs and evaluates" them): the support desk is packed to a
 * .tgz, installed from it on an embedded node (real child processes, a temp data dir), and its eval suite run against
 * the installed agents with `troupe blueprint eval`, which exits 1 when a case fails. The research assistant goes the
 * same way in cli.test.ts (pack, install, and its suite run by `upgrade`, failing and passing), with the same
 * evaluation code.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runTroupe } from '../gateway/cli-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'troupe-bp-examples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the example blueprints', () => {
  it.each(['support-desk'])(
    '%s packs, installs and passes its evals',
    async (name) => {
      const troupe = (args: string[]) => runTroupe(args, { TROUPE_DATA_DIR: join(dir, name) });
      const tgz = join(dir, `${name}.tgz`);
      const packed = await troupe(['blueprint', 'pack', `examples/blueprints/${name}`, '--out', tgz]);
      expect(packed.code, packed.stderr).toBe(0);
      const installed = await troupe(['blueprint', 'install', tgz]);
      expect(installed.code, installed.stderr).toBe(0);
      expect(installed.stdout).toContain(`installed ${name}@1.0.0 for every tenant`);
      const evaluated = await troupe(['blueprint', 'eval', tgz]);
      expect(evaluated.code, evaluated.stdout + evaluated.stderr).toBe(0);
      expect(evaluated.stdout).toContain(`${name}@1.0.0: every eval case passed`);
    },
    300_000,
  );
});
