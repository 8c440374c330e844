import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { protocolErrors } from '../../support/protocol-schema.js';
import { echoModel, scaleModel } from '../../support/models.js';
import { getJson, postJson, pushRaw, startTestServer, type TestServer } from '../../support/server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  expect((await pushRaw(server.url, 'scale', scaleModel(1), '?alias=production')).status).toBe(201);
  expect((await pushRaw(server.url, 'scale', scaleModel(2))).status).toBe(201);
  expect((await pushRaw(server.url, 'echo', echoModel())).status).toBe(201);
});

afterAll(async () => {
  await server?.stop();
});

const row = { name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] };

describe('health and server metadata', () => {
  it('answers live with 200 and an empty body', async () => {
    const response = await getJson(`${server.url}/v2/health/live`);
    expect(response.status).toBe(200);
    expect(response.body).toBeUndefined();
  });

  it('answers ready with 200 once start-up is over', async () => {
    expect((await getJson(`${server.url}/v2/health/ready`)).status).toBe(200);
  });

  it('describes the server per the protocol', async () => {
    const response = await getJson(`${server.url}/v2`);
    expect(response.status).toBe(200);
    expect(protocolErrors('metadata_server_response', response.body)).toEqual([]);
    expect(response.body.name).toBe('ferry');
  });
});

describe('model metadata', () => {
  it('describes a model with every version and the default version signature', async () => {
    const response = await getJson(`${server.url}/v2/models/scale`);
    expect(response.status).toBe(200);
    expect(protocolErrors('metadata_model_response', response.body)).toEqual([]);
    expect(response.body).toMatchObject({
      name: 'scale',
      versions: ['1', '2'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 3] }],
      outputs: [
        { name: 'y', datatype: 'FP32', shape: [-1, 3] },
        { name: 'total', datatype: 'FP32', shape: [] },
      ],
    });
  });

  it('describes one version by number and by alias', async () => {
    for (const ref of ['2', 'production']) {
      const response = await getJson(`${server.url}/v2/models/scale/versions/${ref}`);
      expect(response.status).toBe(200);
      expect(protocolErrors('metadata_model_response', response.body)).toEqual([]);
      expect(response.body.versions).toEqual([ref === '2' ? '2' : '1']);
    }
  });

  it('answers 404 MODEL_NOT_FOUND for an unknown model, with the protocol error shape', async () => {
    const response = await getJson(`${server.url}/v2/models/nope`);
    expect(response.status).toBe(404);
    expect(protocolErrors('error_response', response.body)).toEqual([]);
    expect(response.body.code).toBe('MODEL_NOT_FOUND');
    expect(response.body.error).toMatch(/nope/);
  });

  it('answers 404 VERSION_NOT_FOUND for an unknown version or alias', async () => {
    for (const ref of ['9', 'staging']) {
      const response = await getJson(`${server.url}/v2/models/scale/versions/${ref}`);
      expect(response.status).toBe(404);
      expect(response.body.code).toBe('VERSION_NOT_FOUND');
    }
  });
});

describe('model readiness', () => {
  it('reports not ready before the first load, starts the load, then reports ready', async () => {
    const first = await getJson(`${server.url}/v2/models/echo/ready`);
    expect(first.status).toBe(400);
    let status = first.status;
    for (let attempt = 0; attempt < 100 && status !== 200; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      status = (await getJson(`${server.url}/v2/models/echo/ready`)).status;
    }
    expect(status).toBe(200);
  });

  it('reports readiness of a version by number and alias', async () => {
    await postJson(`${server.url}/v2/models/scale/versions/1/infer`, { inputs: [row] });
    expect((await getJson(`${server.url}/v2/models/scale/versions/1/ready`)).status).toBe(200);
    expect((await getJson(`${server.url}/v2/models/scale/versions/production/ready`)).status).toBe(200);
  });
});

describe('inference', () => {
  it('runs the default version (the production alias) and echoes the id', async () => {
    const response = await postJson(`${server.url}/v2/models/scale/infer`, { id: 'req-1', inputs: [row] });
    expect(response.status).toBe(200);
    expect(protocolErrors('inference_response', response.body)).toEqual([]);
    expect(response.body).toEqual({
      model_name: 'scale',
      model_version: '1',
      id: 'req-1',
      outputs: [
        { name: 'y', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] },
        { name: 'total', datatype: 'FP32', shape: [], data: [6] },
      ],
    });
  });

  it('runs a version by number and by alias', async () => {
    const byNumber = await postJson(`${server.url}/v2/models/scale/versions/2/infer`, { inputs: [row] });
    expect(byNumber.body.outputs[0].data).toEqual([2, 4, 6]);
    const byAlias = await postJson(`${server.url}/v2/models/scale/versions/production/infer`, {
      inputs: [row],
    });
    expect(byAlias.body.outputs[0].data).toEqual([1, 2, 3]);
  });

  it('accepts nested data and returns only the outputs asked for', async () => {
    const response = await postJson(`${server.url}/v2/models/scale/infer`, {
      inputs: [
        {
          name: 'x',
          shape: [2, 3],
          datatype: 'FP32',
          data: [
            [1, 1, 1],
            [2, 2, 2],
          ],
        },
      ],
      outputs: [{ name: 'total' }],
    });
    expect(response.status).toBe(200);
    expect(response.body.outputs).toEqual([{ name: 'total', datatype: 'FP32', shape: [], data: [9] }]);
  });

  it('carries INT64, BOOL, BYTES and UINT8 tensors both ways', async () => {
    const response = await postJson(`${server.url}/v2/models/echo/infer`, {
      inputs: [
        { name: 'i64', shape: [2, 2], datatype: 'INT64', data: [1, -2, 9007199254740991, 4] },
        { name: 'flag', shape: [2], datatype: 'BOOL', data: [true, false] },
        { name: 'text', shape: [2], datatype: 'BYTES', data: ['héllo', ''] },
        { name: 'u8', shape: [2, 2], datatype: 'UINT8', data: [0, 1, 254, 255] },
      ],
    });
    expect(response.status).toBe(200);
    expect(protocolErrors('inference_response', response.body)).toEqual([]);
    expect(response.body.outputs).toEqual([
      { name: 'i64_out', datatype: 'INT64', shape: [2, 2], data: [1, -2, 9007199254740991, 4] },
      { name: 'flag_out', datatype: 'BOOL', shape: [2], data: [false, true] },
      { name: 'text_out', datatype: 'BYTES', shape: [2], data: ['héllo', ''] },
      { name: 'u8_out', datatype: 'UINT8', shape: [2, 2], data: [0, 1, 254, 255] },
    ]);
  });

  it('keeps a caller request id in the x-request-id header', async () => {
    const response = await postJson(
      `${server.url}/v2/models/scale/infer`,
      { inputs: [row] },
      { 'x-request-id': 'trace-42' },
    );
    expect(response.headers.get('x-request-id')).toBe('trace-42');
  });
});
