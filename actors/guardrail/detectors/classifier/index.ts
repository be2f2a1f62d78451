/** The classifier slot of the injection, moderation and bias detectors, and its ONNX implementation. */
export type { Classifier } from './types.js';
export { onnxClassifier, OnnxClassifier } from './onnx.js';
export type { OnnxClassifierOptions, ClassifierTokenizer } from './onnx.js';
