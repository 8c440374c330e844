import onnxProto from 'onnx-proto';

/** Type namespace of the ONNX protobuf messages (`Proto.IGraphProto`, …). */
export type { onnx as Proto } from 'onnx-proto';
import type { Datatype } from '../core/index.js';

/** The generated protobuf classes of the ONNX schema (onnx-proto ships them as CommonJS). */
export const onnx = onnxProto.onnx;

const ElementType = onnx.TensorProto.DataType;

/** ONNX TensorProto element type for each protocol datatype. */
export const ONNX_ELEMENT_TYPE: Record<Datatype, number> = {
  BOOL: ElementType.BOOL,
  UINT8: ElementType.UINT8,
  UINT16: ElementType.UINT16,
  UINT32: ElementType.UINT32,
  UINT64: ElementType.UINT64,
  INT8: ElementType.INT8,
  INT16: ElementType.INT16,
  INT32: ElementType.INT32,
  INT64: ElementType.INT64,
  FP16: ElementType.FLOAT16,
  FP32: ElementType.FLOAT,
  FP64: ElementType.DOUBLE,
  BYTES: ElementType.STRING,
};

/** The protocol datatype of an ONNX element type, or undefined for types Ferry cannot serve. */
export function datatypeOfElementType(elementType: number): Datatype | undefined {
  for (const [datatype, code] of Object.entries(ONNX_ELEMENT_TYPE)) {
    if (code === elementType) return datatype as Datatype;
  }
  return undefined;
}

/** Name of an ONNX element type for error messages (`BFLOAT16`, `COMPLEX64`, …). */
export function elementTypeName(elementType: number): string {
  return (ElementType as unknown as Record<number, string>)[elementType] ?? `type ${elementType}`;
}
