import type { Datatype } from '../core/index.js';
import { ONNX_ELEMENT_TYPE, onnx } from './onnx-types.js';
import type { Proto } from './onnx-types.js';

/** A dimension: a fixed size, or a symbolic name for a dynamic dimension (e.g. `'batch'`). */
export type Dim = number | string;

/** Values of a node attribute Ferry's writer supports. */
export type AttributeValue = number | string | number[] | { float: number };

const AttributeType = onnx.AttributeProto.AttributeType;

function valueInfo(name: string, datatype: Datatype, dims: readonly Dim[]): Proto.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ONNX_ELEMENT_TYPE[datatype],
        shape: { dim: dims.map((dim) => (typeof dim === 'number' ? { dimValue: dim } : { dimParam: dim })) },
      },
    },
  };
}

function attribute(name: string, value: AttributeValue): Proto.IAttributeProto {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return { name, type: AttributeType.FLOAT, f: value };
    return { name, type: AttributeType.INT, i: value };
  }
  if (typeof value === 'string')
    return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  return { name, type: AttributeType.FLOAT, f: value.float };
}

/**
 * A small builder for ONNX graphs: enough to export the models Ferry trains itself (the demo's
 * softmax regression, the benchmark's MLP). Call `input`, `initializer`, `node` and `output`, then
 * `toBytes()`.
 */
export class OnnxGraphBuilder {
  private readonly inputs: Proto.IValueInfoProto[] = [];
  private readonly outputs: Proto.IValueInfoProto[] = [];
  private readonly initializers: Proto.ITensorProto[] = [];
  private readonly nodes: Proto.INodeProto[] = [];

  constructor(private readonly graphName: string) {}

  /** Declare a graph input. */
  input(name: string, datatype: Datatype, dims: readonly Dim[]): this {
    this.inputs.push(valueInfo(name, datatype, dims));
    return this;
  }

  /** Declare a graph output. */
  output(name: string, datatype: Datatype, dims: readonly Dim[]): this {
    this.outputs.push(valueInfo(name, datatype, dims));
    return this;
  }

  /** Add a constant tensor (weights). FP32 data as Float32Array, INT64 as BigInt64Array, BYTES as strings. */
  initializer(name: string, dims: readonly number[], data: Float32Array | BigInt64Array | string[]): this {
    const tensor: Proto.ITensorProto = { name, dims: [...dims] };
    if (data instanceof Float32Array) {
      tensor.dataType = ONNX_ELEMENT_TYPE.FP32;
      tensor.rawData = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    } else if (data instanceof BigInt64Array) {
      tensor.dataType = ONNX_ELEMENT_TYPE.INT64;
      tensor.rawData = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    } else {
      tensor.dataType = ONNX_ELEMENT_TYPE.BYTES;
      tensor.stringData = data.map((value) => new TextEncoder().encode(value));
    }
    this.initializers.push(tensor);
    return this;
  }

  /** Add an operator node from the default ONNX domain. */
  node(
    opType: string,
    inputs: string[],
    outputs: string[],
    attributes: Record<string, AttributeValue> = {},
  ): this {
    this.nodes.push({
      opType,
      input: inputs,
      output: outputs,
      name: `${opType.toLowerCase()}_${this.nodes.length}`,
      attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
    });
    return this;
  }

  /** Serialize to ONNX bytes (IR version 8, default-domain opset 17). */
  toBytes(
    options: { producerName?: string; producerVersion?: string; metadata?: Record<string, string> } = {},
  ): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: options.producerName ?? 'ferry',
      producerVersion: options.producerVersion ?? '',
      opsetImport: [{ domain: '', version: 17 }],
      metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
      graph: {
        name: this.graphName,
        input: this.inputs,
        output: this.outputs,
        initializer: this.initializers,
        node: this.nodes,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
