/**
 * The classifier slot the injection, moderation and bias detectors share: anything that scores texts per finding
 * type. {@link onnxClassifier} fills it with an ONNX sequence-classification model on disk.
 */

/** Scores texts per finding type (0..1); model labels that map to no finding type are left out. */
export interface Classifier {
  /** Names the model in logs and errors (`onnx/<folder>`). */
  readonly id: string;
  /** One map per text, in order: finding type → score. */
  classify(texts: readonly string[], signal?: AbortSignal): Promise<ReadonlyMap<string, number>[]>;
  /** Frees the model. */
  close(): Promise<void>;
}
