/**
 * The ONNX classifier slot on a model this test writes (test/guardrail/classifier-model.ts): softmax and sigmoid
 * scores equal to what the logit table gives, label mapping, vocab.txt and tokenizer.json, batching, clear errors
 * for a missing, corrupt or mislabelled model, and the classifier's scores joining the injection and moderation
 * detectors' rules.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onnxClassifier } from '../../actors/guardrail/detectors/classifier/index.js';
import { injectionDetector } from '../../actors/guardrail/detectors/injection/index.js';
import { moderationDetector } from '../../actors/guardrail/detectors/moderation/index.js';
import { ValidationError } from '../../protocols/index.js';
import { expectedLogits, writeClassifierModel } from './classifier-model.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'troupe-classifier-'));
  await writeClassifierModel(join(dir, 'vocab'));
  await writeClassifierModel(join(dir, 'json'), { json: true });
  await writeClassifierModel(join(dir, 'sp'), { sentencepiece: true });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const softmax = (xs: number[]): number[] => {
  const e = xs.map((x) => Math.exp(x - Math.max(...xs)));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
};
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

describe('onnxClassifier', () => {
  it('scores with softmax over the logits and drops the benign label', async () => {
    const c = onnxClassifier({ modelDir: join(dir, 'vocab') });
    const [plain, attack, jail] = await c.classify(['Hello world.', 'ignore the cat', 'dan the cat']);
    const p = softmax(expectedLogits(['hello', 'world', '.']));
    expect([...plain!.keys()].sort()).toEqual(['INJECTION', 'JAILBREAK']);
    expect(plain!.get('INJECTION')).toBeCloseTo(p[1]!, 5);
    const a = softmax(expectedLogits(['ignore', 'the', 'cat']));
    expect(attack!.get('INJECTION')).toBeCloseTo(a[1]!, 5);
    expect(attack!.get('INJECTION')).toBeGreaterThan(0.7);
    expect(plain!.get('INJECTION')).toBeLessThan(0.25);
    expect(jail!.get('JAILBREAK')).toBeCloseTo(softmax(expectedLogits(['dan', 'the', 'cat']))[2]!, 5);
    await c.close();
  });

  it('maps labels to finding types, takes sigmoid when asked, reads tokenizer.json, batches with padding', async () => {
    const c = onnxClassifier({
      modelDir: join(dir, 'json'),
      labels: { INJECTION: 'HATE', JAILBREAK: null },
      activation: 'sigmoid',
      batchSize: 2,
    });
    await c.load();
    const texts = ['hello', 'ignore', 'the cat hate world', 'dan dan'];
    const out = await c.classify(texts);
    expect(out.map((m) => [...m.keys()])).toEqual([['HATE'], ['HATE'], ['HATE'], ['HATE']]);
    // Padding is gathered too (ReduceMean runs over the padded length), so compare texts batched alone.
    const alone = await Promise.all(texts.map(async (t) => (await c.classify([t]))[0]!.get('HATE')));
    expect(alone[0]).toBeCloseTo(sigmoid(expectedLogits(['hello'])[1]!), 5);
    expect(alone[1]).toBeCloseTo(sigmoid(expectedLogits(['ignore'])[1]!), 5);
    expect(out[1]!.get('HATE')).toBeGreaterThan(out[0]!.get('HATE')!);
    await c.close();
    await expect(c.classify(['x'])).rejects.toThrow(/closed/);
  });

  it('reads a SentencePiece (Unigram) tokenizer.json, as DeBERTa-v3 and Prompt Guard 2 ship', async () => {
    const c = onnxClassifier({ modelDir: join(dir, 'sp') });
    const [attack, plain] = await c.classify(['Ignore the cat', 'Hello world.']);
    expect(attack!.get('INJECTION')).toBeCloseTo(softmax(expectedLogits(['ignore', 'the', 'cat']))[1]!, 5);
    expect(plain!.get('INJECTION')).toBeCloseTo(softmax(expectedLogits(['hello', 'world', '.']))[1]!, 5);
    expect(attack!.get('INJECTION')).toBeGreaterThan(0.7);
    await c.close();
  });

  it('fails with a clear error for a missing model, a corrupt model, missing labels or the wrong label count', async () => {
    await expect(onnxClassifier({ modelDir: join(dir, 'nowhere') }).load()).rejects.toThrow(/no ONNX model: looked for .*model\.onnx/);
    const corrupt = join(dir, 'corrupt');
    await writeClassifierModel(corrupt);
    await writeFile(join(corrupt, 'model.onnx'), Buffer.from('this is not a protobuf model at all'));
    const err = await onnxClassifier({ modelDir: corrupt })
      .load()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toMatch(/cannot load ONNX model .*corrupt/);
    const unlabelled = join(dir, 'unlabelled');
    await writeClassifierModel(unlabelled, { config: null });
    await expect(onnxClassifier({ modelDir: unlabelled }).load()).rejects.toThrow(/no labels/);
    await expect(onnxClassifier({ modelDir: unlabelled, id2label: ['SAFE', 'INJECTION'] }).load()).rejects.toThrow(
      /expected \[1, 2\] \(one logit per label\)/,
    );
    const noTokenizer = join(dir, 'no-tokenizer');
    await writeClassifierModel(noTokenizer);
    await rm(join(noTokenizer, 'vocab.txt'));
    await expect(onnxClassifier({ modelDir: noTokenizer }).load()).rejects.toThrow(/no tokenizer/);
    expect(() => onnxClassifier({})).toThrow(/modelDir or modelPath/);
  });
});

describe('classifier joined with the rules', () => {
  it('turns a text the rules pass into an injection finding when the model flags it', async () => {
    const text = 'hello ignore world';
    expect(await injectionDetector().detect(text, { stage: 'input' })).toEqual([]);
    const classifier = onnxClassifier({ modelDir: join(dir, 'vocab') });
    const found = await injectionDetector({ classifier }).detect(text, { stage: 'input' });
    const expected = softmax(expectedLogits(['hello', 'ignore', 'world']))[1]!;
    const score = Math.round(expected * 1000) / 1000;
    expect(found).toEqual([{ detector: 'injection', type: 'INJECTION', start: 0, end: text.length, score }]);
    expect(await injectionDetector({ classifier, threshold: 0.99 }).detect(text, { stage: 'input' })).toEqual([]);
    await classifier.close();
  });

  it('feeds moderation types through the label map', async () => {
    const classifier = onnxClassifier({ modelDir: join(dir, 'vocab'), labels: { INJECTION: 'HARASSMENT', JAILBREAK: null } });
    const found = await moderationDetector({ classifier }).detect('Nice day. ignore ignore ignore', { stage: 'output' });
    expect(found.map((f) => [f.type, f.start])).toEqual([['HARASSMENT', 10]]);
    await classifier.close();
  });
});
