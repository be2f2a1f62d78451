/**
 * The bundle format (config/blueprint.ts): the example blueprints check and come out namespaced; every problem names
 * its file and field; a tool module that differs from its declared sha256 is refused at install and at load; the
 * committed JSON schema is the manifest schema's; hostile manifests only ever fail as BlueprintError.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BlueprintError, blueprintJsonSchema, checkBlueprint, sha256, type BundleFiles } from '../../config/index.js';
import { expandCases, loadToolModule, parseSuite, TOOL_MODULE_DIR } from '../../actors/index.js';
import { readBundleDir } from '../../cli/blueprint.js';

const ROOT = join(import.meta.dirname, '../..');
const support = (): Record<string, string> => readBundleDir(join(ROOT, 'examples/blueprints/support-desk'));
const research = (): Record<string, string> => readBundleDir(join(ROOT, 'examples/blueprints/research-assistant'));

function issuesOf(files: BundleFiles): { file: string; path: string; message: string }[] {
  try {
    checkBlueprint(files);
  } catch (e) {
    expect(e).toBeInstanceOf(BlueprintError);
    return [...(e as BlueprintError).issues];
  }
  throw new Error('expected the bundle to be refused');
}

describe('blueprint bundles', () => {
  it('checks the examples and namespaces every name and reference', () => {
    const s = checkBlueprint(support());
    expect(s.manifest).toMatchObject({ name: 'support-desk', version: '1.0.0', pricing: { perRun: 0.01, currency: 'USD' } });
    const triage = s.agents.find((a) => a.name === 'support-desk/triage');
    expect(triage).toMatchObject({ handoffs: ['support-desk/billing'], tools: ['search_support-desk_faq'], prompt: 'support-desk.triage' });
    expect(s.agents.find((a) => a.name === 'support-desk/billing')?.tools).toEqual(['support-desk.refund-status', 'calculator']);
    expect(s.prompts.map((p) => p.name)).toEqual(['support-desk.triage']);
    expect(s.tools.map((t) => t.name)).toEqual(['support-desk.refund-status']);
    expect(s.knowledge[0]).toMatchObject({ collection: 'support-desk_faq', chunking: { maxChars: 600, overlapChars: 60 } });
    expect(s.knowledge[0]?.documents.map((d) => d.id)).toEqual(['knowledge/faq/accounts.md', 'knowledge/faq/refunds.md']);
    expect(s.guardrails?.custom.map((d) => d.name)).toEqual(['account-number']);
    const r = checkBlueprint(research());
    expect(r.workflows[0]?.name).toBe('research-assistant/brief');
    expect(Object.values(r.workflows[0]?.steps ?? {}).map((st) => st.agent)).toEqual([
      'research-assistant/researcher',
      'research-assistant/writer',
    ]);
    expect(r.agents.find((a) => a.name === 'research-assistant/researcher')?.delegates).toEqual(['research-assistant/writer']);
  });

  it('ships eval suites the trainer parser reads, every case naming a blueprint agent', () => {
    for (const bp of [checkBlueprint(support()), checkBlueprint(research())]) {
      const local = new Set(bp.agents.map((a) => a.name.split('/')[1]));
      for (const e of bp.evals) {
        const cases = expandCases(parseSuite(e.text, e.file), e.file);
        expect(cases.length).toBeGreaterThan(0);
        for (const c of cases) expect(local.has(c.agent)).toBe(true);
      }
    }
  });

  it('names the file and the field of every problem', () => {
    const files = support();
    files['agents/billing.yaml'] = 'name: billing\ninstructions: hi\ntemperature: 7\nfrobnicate: 1\n';
    files['blueprint.yaml'] = (files['blueprint.yaml'] as string)
      .replace('version: 1.0.0', 'version: one')
      .replace('  - evals/support.yaml', '  - evals/missing.yaml');
    const issues = issuesOf(files);
    expect(issues).toContainEqual(expect.objectContaining({ file: 'blueprint.yaml', path: 'version' }));
    // Manifest errors stop before the parts; fix it and the agent's fields are reported with its file.
    files['blueprint.yaml'] = (files['blueprint.yaml'] as string).replace('version: one', 'version: 1.0.1');
    const again = issuesOf(files);
    expect(again).toContainEqual(
      expect.objectContaining({ file: 'blueprint.yaml', path: 'evals.0', message: expect.stringContaining('evals/missing.yaml') }),
    );
    expect(again).toContainEqual(expect.objectContaining({ file: 'agents/billing.yaml', path: 'temperature' }));
    expect(again).toContainEqual(expect.objectContaining({ file: 'agents/billing.yaml', path: 'frobnicate' }));
    expect(new BlueprintError(again).message).toContain('agents/billing.yaml: temperature: ');
  });

  it('refuses a handoff to an agent the blueprint does not have, and a workflow step naming one', () => {
    const files = research();
    files['workflows/brief.yaml'] = (files['workflows/brief.yaml'] as string).replace('agent: writer', 'agent: editor');
    expect(issuesOf(files)).toContainEqual(expect.objectContaining({ file: 'workflows/brief.yaml', path: 'steps.write.agent' }));
  });

  it('refuses a tool module that differs from its declared sha256', () => {
    const files = support();
    files['tools/refund-status.mjs'] = `${files['tools/refund-status.mjs'] as string}\nprocess.exit(1);\n`;
    expect(issuesOf(files)).toContainEqual(
      expect.objectContaining({ file: 'blueprint.yaml', path: 'tools.0.sha256', message: expect.stringContaining('differs') }),
    );
  });

  it('loads a tool module only while its file has the declared hash', async () => {
    const source = `export default (a) => ({ echo: a.x, n: ${Math.random()} });`;
    const hash = sha256(source);
    const run = await loadToolModule('t.echo', source, hash);
    expect(await run({ x: 3 })).toMatchObject({ echo: 3 });
    await expect(loadToolModule('t.echo', `${source} `, hash)).rejects.toThrow(/declared sha256/);
    writeFileSync(join(TOOL_MODULE_DIR, `${hash}.mjs`), `${source}\nglobalThis.tampered = 1;`);
    await expect(loadToolModule('t.echo', source, hash)).rejects.toThrow(/was modified/);
    rmSync(join(TOOL_MODULE_DIR, `${hash}.mjs`));
  });

  it('commits the manifest JSON schema generated from the zod schema', () => {
    const committed = JSON.parse(readFileSync(join(ROOT, 'docs/blueprint.schema.json'), 'utf8')) as unknown;
    expect(committed).toEqual(blueprintJsonSchema());
  });

  it('fails hostile manifests and part files only with BlueprintError', () => {
    const value = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.string()), fc.dictionary(fc.string(), fc.string()));
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom('name', 'version', 'agents', 'pricing', 'requires', 'tools', 'knowledge', '__proto__', 'x'), value),
        fc.string(),
        (m, agent) => {
          const files = {
            'blueprint.json': JSON.stringify({
              name: 'a',
              version: '1.0.0',
              author: 'x',
              license: 'MIT',
              category: 'c',
              agents: ['a.yaml'],
              ...m,
            }),
            'a.yaml': agent,
          };
          try {
            checkBlueprint(files);
          } catch (e) {
            if (!(e instanceof BlueprintError)) throw e;
            for (const i of e.issues) expect(typeof i.file).toBe('string');
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads a bundle directory without dot files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bp-read-'));
    try {
      writeFileSync(join(dir, 'blueprint.json'), '{}');
      writeFileSync(join(dir, '.secret'), 'x');
      expect(Object.keys(readBundleDir(dir))).toEqual(['blueprint.json']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
