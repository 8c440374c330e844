import * as ort from 'onnxruntime-node';
import type { Datatype } from '../../core/index.js';
import type { Runtime, RuntimeSession, RuntimeTensor, SessionOptions } from '../runtime.js';

/** ONNX Runtime's tensor type name for each protocol datatype. */
const ORT_TYPE: Record<Datatype, ort.Tensor.Type> = {
  BOOL: 'bool',
  UINT8: 'uint8',
  UINT16: 'uint16',
  UINT32: 'uint32',
  UINT64: 'uint64',
  INT8: 'int8',
  INT16: 'int16',
  INT32: 'int32',
  INT64: 'int64',
  FP16: 'float16',
  FP32: 'float32',
  FP64: 'float64',
  BYTES: 'string',
};

const DATATYPE_OF = new Map<string, Datatype>(
  Object.entries(ORT_TYPE).map(([datatype, type]) => [type, datatype as Datatype]),
);

function toOrtTensor(tensor: RuntimeTensor): ort.Tensor {
  // The constructor overloads are keyed by type; the data array always matches ORT_TYPE by construction.
  return new ort.Tensor(ORT_TYPE[tensor.datatype], tensor.data, tensor.shape);
}

function fromOrtTensor(name: string, tensor: ort.Tensor): RuntimeTensor {
  const datatype = DATATYPE_OF.get(tensor.type);
  if (datatype === undefined)
    throw new Error(`output '${name}' has ONNX Runtime type ${tensor.type}, which Ferry cannot serve`);
  let data = tensor.data;
  // ORT hands back bool tensors as Uint8Array already; float16 may come as Float16Array on newer Node.
  if (datatype === 'FP16' && !(data instanceof Uint16Array)) {
    const raw = data as unknown as { buffer: ArrayBuffer; byteOffset: number; length: number };
    data = new Uint16Array(raw.buffer, raw.byteOffset, raw.length);
  }
  return { datatype, shape: tensor.dims, data };
}

class OnnxSession implements RuntimeSession {
  // session.run holds the JavaScript thread for its whole duration: runs never overlap.
  readonly concurrency = 1;

  constructor(private readonly session: ort.InferenceSession) {}

  async run(
    inputs: Readonly<Record<string, RuntimeTensor>>,
    outputNames: readonly string[],
  ): Promise<Record<string, RuntimeTensor>> {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, tensor] of Object.entries(inputs)) feeds[name] = toOrtTensor(tensor);
    const results = await this.session.run(feeds, outputNames);
    const outputs: Record<string, RuntimeTensor> = {};
    for (const name of outputNames) {
      const tensor = results[name];
      if (tensor === undefined) throw new Error(`the runtime returned no output '${name}'`);
      outputs[name] = fromOrtTensor(name, tensor);
    }
    return outputs;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** onnxruntime-node on the CPU execution provider. */
export class OnnxRuntime implements Runtime {
  readonly name = 'onnxruntime';
  readonly platform = 'onnxruntime_onnx';
  readonly transfersInputs = false;

  async load(bytes: Uint8Array, options: SessionOptions): Promise<RuntimeSession> {
    const session = await ort.InferenceSession.create(bytes, {
      executionProviders: ['cpu'],
      intraOpNumThreads: options.intraOpThreads,
      interOpNumThreads: options.interOpThreads,
      graphOptimizationLevel: options.graphOptimizationLevel,
    });
    return new OnnxSession(session);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
