/** The ONNX format: reading a model's signature, and writing small graphs Ferry trains itself. */
export {
  readOnnxModel,
  externalLocationIsContained,
  type OnnxModelInfo,
  type OnnxTensorInfo,
} from './onnx-model-reader.js';
export { OnnxGraphBuilder, type AttributeValue, type Dim } from './onnx-graph-writer.js';
export { onnx, ONNX_ELEMENT_TYPE, datatypeOfElementType, elementTypeName, type Proto } from './onnx-types.js';
