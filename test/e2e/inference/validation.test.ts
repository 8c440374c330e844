import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { protocolErrors } from '../../support/protocol-schema.js';
import { scaleModel } from '../../support/models.js';
import { postJson, pushRaw, startTestServer, type TestServer } from '../../support/server.js';

let server: TestServer;
let infer: string;

beforeAll(async () => {
  server = await startTestServer({
    server: { maxTensorElements: 30, bodyLimitBytes: 4096, maxJsonDepth: 8 },
  });
  await pushRaw(server.url, 'scale', scaleModel(1));
  infer = `${server.url}/v2/models/scale/infer`;
});

afterAll(async () => {
  await server?.stop();
});

const tensor = (overrides: Record<string, unknown> = {}) => ({
  name: 'x',
  shape: [1, 3],
  datatype: 'FP32',
  data: [1, 2, 3],
  ...overrides,
});

async function expectError(body: unknown, status: number, code: string, message: RegExp): Promise<void> {
  const response = await postJson(infer, body);
  expect(response.status).toBe(status);
  expect(protocolErrors('error_response', response.body)).toEqual([]);
  expect(response.body.code).toBe(code);
  expect(response.body.error).toMatch(message);
}

describe('inference request validation', () => {
  it('rejects an unknown input, naming it and the inputs the model has', async () => {
    await expectError(
      { inputs: [tensor(), tensor({ name: 'z' })] },
      400,
      'UNKNOWN_INPUT',
      /input 'z' is not an input of this model; its inputs are: x/,
    );
  });

  it('rejects an empty inputs array', async () => {
    await expectError({ inputs: [] }, 400, 'BAD_REQUEST', /"inputs" must be a non-empty array/);
  });

  it('rejects a request without the model input, naming what is missing', async () => {
    const server2 = await startTestServer();
    try {
      const { OnnxGraphBuilder } = await import('../../../src/onnx/onnx-graph-writer.js');
      const twoInputs = new OnnxGraphBuilder('add')
        .input('a', 'FP32', [1])
        .input('b', 'FP32', [1])
        .node('Add', ['a', 'b'], ['c'])
        .output('c', 'FP32', [1])
        .toBytes();
      await pushRaw(server2.url, 'add', twoInputs);
      const response = await postJson(`${server2.url}/v2/models/add/infer`, {
        inputs: [{ name: 'a', shape: [1], datatype: 'FP32', data: [1] }],
      });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('MISSING_INPUT');
      expect(response.body.error).toBe("missing input 'b' (FP32 [1])");
    } finally {
      await server2.stop();
    }
  });

  it('rejects a datatype that differs from the signature', async () => {
    await expectError(
      { inputs: [tensor({ datatype: 'INT32' })] },
      400,
      'DATATYPE_MISMATCH',
      /input 'x' has datatype INT32 but the model expects FP32/,
    );
  });

  it('rejects a datatype the protocol does not know', async () => {
    await expectError(
      { inputs: [tensor({ datatype: 'FLOAT' })] },
      400,
      'DATATYPE_MISMATCH',
      /"FLOAT", which is not a protocol datatype/,
    );
  });

  it('rejects a shape incompatible with the signature', async () => {
    await expectError(
      { inputs: [tensor({ shape: [1, 4], data: [1, 2, 3, 4] })] },
      400,
      'SHAPE_MISMATCH',
      /input 'x' has shape \[1,4\] but the model expects \[-1,3\]/,
    );
    await expectError(
      { inputs: [tensor({ shape: [3] })] },
      400,
      'SHAPE_MISMATCH',
      /shape \[3\] but the model expects \[-1,3\]/,
    );
  });

  it('rejects data whose length is not the product of the shape', async () => {
    await expectError(
      { inputs: [tensor({ shape: [2, 3] })] },
      400,
      'DATA_LENGTH_MISMATCH',
      /input 'x' has 3 data elements but its shape \[2,3\] needs 6/,
    );
  });

  it('rejects non-numeric values in a numeric tensor, naming the element', async () => {
    await expectError(
      { inputs: [tensor({ data: [1, 'two', 3] })] },
      400,
      'INVALID_TENSOR_DATA',
      /input 'x' element 1: "two" is not a number \(datatype FP32\)/,
    );
    await expectError(
      { inputs: [tensor({ data: [1, null, 3] })] },
      400,
      'INVALID_TENSOR_DATA',
      /element 1: null is not a number/,
    );
  });

  it('rejects a tensor with more elements than the configured limit', async () => {
    await expectError(
      { inputs: [tensor({ shape: [11, 3], data: [] })] },
      400,
      'TOO_MANY_ELEMENTS',
      /input 'x' has 33 elements; the limit is 30 \(server.maxTensorElements\)/,
    );
  });

  it('rejects a body larger than the configured limit with 413', async () => {
    const data = Array.from({ length: 3000 }, () => 1.5);
    await expectError(
      { inputs: [tensor({ data })] },
      413,
      'BODY_TOO_LARGE',
      /larger than the limit \(server.bodyLimitBytes\)/,
    );
  });

  it('rejects JSON nested deeper than the configured limit', async () => {
    const deep = '{"inputs":[{"name":"x","shape":[1,3],"datatype":"FP32","data":[[[[[[[[[1]]]]]]]]]}]}';
    await expectError(deep, 400, 'JSON_TOO_DEEP', /nests deeper than 8 levels \(server.maxJsonDepth\)/);
  });

  it('rejects a body that is not JSON', async () => {
    await expectError('{"inputs": [', 400, 'INVALID_JSON', /not valid JSON/);
  });

  it('rejects an output the model does not produce', async () => {
    await expectError(
      { inputs: [tensor()], outputs: [{ name: 'nope' }] },
      400,
      'UNKNOWN_OUTPUT',
      /output 'nope' is not an output of this model; its outputs are: y, total/,
    );
  });

  it('rejects an input given twice', async () => {
    await expectError({ inputs: [tensor(), tensor()] }, 400, 'DUPLICATE_INPUT', /input 'x' is given twice/);
  });

  it('rejects a non-JSON content type with 415', async () => {
    const response = await fetch(infer, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('keeps serving after every bad request', async () => {
    const response = await postJson(infer, { inputs: [tensor()] });
    expect(response.status).toBe(200);
  });
});
