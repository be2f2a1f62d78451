/**
 * A small builder of ONNX models in memory: nodes, float and int64 initializers, float inputs and
 * outputs, serialized to the ONNX protobuf that onnxruntime loads from bytes. Just the parts of the
 * format USE-lite's graph needs (no protobuf library is installed, and these few message types are
 * simpler to write than to depend on one for).
 */

/** Protobuf writer: length-delimited messages built bottom-up from byte chunks. */
class Proto {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.size += b.byteLength;
  }

  private varint(v: bigint): void {
    let x = BigInt.asUintN(64, v);
    const out: number[] = [];
    while (x >= 0x80n) {
      out.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    out.push(Number(x));
    this.push(Uint8Array.from(out));
  }

  int(field: number, v: number | bigint): this {
    this.varint(BigInt(field << 3));
    this.varint(BigInt(v));
    return this;
  }

  float(field: number, v: number): this {
    this.varint(BigInt((field << 3) | 5));
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.varint(BigInt((field << 3) | 2));
    this.varint(BigInt(b.byteLength));
    this.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  /** Embeds `m` as a field; its chunks are shared, not copied (the weights are copied once, by the model's `finish`). */
  message(field: number, m: Proto): this {
    this.varint(BigInt((field << 3) | 2));
    this.varint(BigInt(m.size));
    for (const p of m.parts) this.push(p);
    return this;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.byteLength;
    }
    return out;
  }
}

/** ONNX TensorProto data types used here. */
const FLOAT = 1;
const INT8 = 3;
const INT32 = 6;
const INT64 = 7;

/** onnxruntime's contrib operators' domain (fused and quantised kernels). */
export const MS_DOMAIN = 'com.microsoft';

/** A node attribute: an integer, a float or a list of integers. */
export type Attribute = number | { readonly float: number } | readonly number[];

/** A graph under construction; {@link OnnxGraph.serialize} gives the model bytes. */
export class OnnxGraph {
  private readonly nodes: Proto[] = [];
  private readonly initializers: Proto[] = [];
  private readonly inputs: Proto[] = [];
  private readonly outputs: Proto[] = [];
  private count = 0;

  /** A float constant (weights). */
  floats(name: string, dims: readonly number[], data: Float32Array): string {
    return this.constant(name, dims, FLOAT, data);
  }

  /** An int8 constant (quantised weights). */
  int8s(name: string, dims: readonly number[], data: Int8Array): string {
    return this.constant(name, dims, INT8, data);
  }

  /** An int64 vector constant (shapes, axes). */
  ints(name: string, values: readonly number[]): string {
    return this.constant(
      name,
      [values.length],
      INT64,
      BigInt64Array.from(values, (v) => BigInt(v)),
    );
  }

  /** A constant tensor of ONNX element type `type` whose raw bytes are `data`'s. */
  private constant(name: string, dims: readonly number[], type: number, data: ArrayBufferView): string {
    const t = new Proto();
    for (const d of dims) t.int(1, d);
    t.int(2, type)
      .string(8, name)
      .bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    this.initializers.push(t);
    return name;
  }

  /** A float (or int32) graph input or output; a dimension given as a string is symbolic (batch, sequence). */
  input(name: string, dims: readonly (number | string)[], type: 'float' | 'int32' = 'float'): string {
    this.inputs.push(valueInfo(name, dims, type === 'float' ? FLOAT : INT32));
    return name;
  }

  output(name: string, dims: readonly (number | string)[]): void {
    this.outputs.push(valueInfo(name, dims));
  }

  /** Adds a node with one output and returns the output's name (`as` names it, else a fresh name). */
  op(type: string, inputs: readonly string[], attributes: Record<string, Attribute> = {}, as?: string, domain?: string): string {
    const out = as ?? `${type.toLowerCase()}_${++this.count}`;
    this.node(type, inputs, attributes, [out], domain);
    return out;
  }

  /** Adds a node with `count` outputs (Split) and returns their names. */
  ops(type: string, inputs: readonly string[], attributes: Record<string, Attribute>, count: number): string[] {
    const name = `${type.toLowerCase()}_${++this.count}`;
    const outs = Array.from({ length: count }, (_, i) => `${name}_${i}`);
    this.node(type, inputs, attributes, outs);
    return outs;
  }

  private node(
    type: string,
    inputs: readonly string[],
    attributes: Record<string, Attribute>,
    outs: readonly string[],
    domain?: string,
  ): void {
    const n = new Proto();
    for (const i of inputs) n.string(1, i);
    for (const o of outs) n.string(2, o);
    n.string(3, outs[0] as string).string(4, type);
    if (domain !== undefined) n.string(7, domain);
    for (const [name, v] of Object.entries(attributes)) {
      const a = new Proto().string(1, name);
      if (typeof v === 'number') a.int(3, v).int(20, 2);
      else if ('float' in v) a.float(2, v.float).int(20, 1);
      else {
        for (const x of v as readonly number[]) a.int(8, x);
        a.int(20, 7);
      }
      n.message(5, a);
    }
    this.nodes.push(n);
  }

  /** The model: IR version 8, default domain opset 17, onnxruntime's contrib domain version 1. */
  serialize(): Uint8Array {
    const g = new Proto();
    for (const n of this.nodes) g.message(1, n);
    g.string(2, 'graph');
    for (const t of this.initializers) g.message(5, t);
    for (const i of this.inputs) g.message(11, i);
    for (const o of this.outputs) g.message(12, o);
    return new Proto()
      .int(1, 8)
      .string(2, 'troupe')
      .message(7, g)
      .message(8, new Proto().string(1, '').int(2, 17))
      .message(8, new Proto().string(1, MS_DOMAIN).int(2, 1))
      .finish();
  }
}

function valueInfo(name: string, dims: readonly (number | string)[], type = FLOAT): Proto {
  const shape = new Proto();
  for (const d of dims) shape.message(1, typeof d === 'number' ? new Proto().int(1, d) : new Proto().string(2, d));
  const tensor = new Proto().int(1, type).message(2, shape);
  return new Proto().string(1, name).message(2, new Proto().message(1, tensor));
}
