import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoModel, rowScaleModel } from '../../support/models.js';
import { getJson, postJson, pushRaw, startTestServer, type TestServer } from '../../support/server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ models: { overrides: { cached: { cacheEnabled: true } } } });
  expect((await pushRaw(server.url, 'echo', echoModel())).status).toBe(201);
  expect((await pushRaw(server.url, 'cached', rowScaleModel(2))).status).toBe(201);
  expect((await pushRaw(server.url, 'cached', rowScaleModel(5))).status).toBe(201);
});

afterAll(async () => {
  await server?.stop();
});

/** A binary-extension request: the JSON header, then each input's bytes. */
function binaryRequest(header: unknown, chunks: Uint8Array[]): { body: Buffer; headerLength: number } {
  const json = Buffer.from(JSON.stringify(header));
  return { body: Buffer.concat([json, ...chunks]), headerLength: json.byteLength };
}

function bytesElements(values: string[]): Uint8Array {
  return Buffer.concat(
    values.map((value) => {
      const text = Buffer.from(value);
      const length = Buffer.alloc(4);
      length.writeUInt32LE(text.byteLength);
      return Buffer.concat([length, text]);
    }),
  );
}

/** Parse a binary-extension response into its JSON header and the raw bytes of each binary output. */
async function readBinaryResponse(response: Response) {
  const headerLength = Number(response.headers.get('inference-header-content-length'));
  const body = Buffer.from(await response.arrayBuffer());
  const header = JSON.parse(body.subarray(0, headerLength).toString()) as {
    outputs: {
      name: string;
      datatype: string;
      shape: number[];
      data?: unknown[];
      parameters?: { binary_data_size: number };
    }[];
  };
  const binaries = new Map<string, Buffer>();
  let offset = headerLength;
  for (const output of header.outputs) {
    const size = output.parameters?.binary_data_size;
    if (size === undefined) continue;
    binaries.set(output.name, body.subarray(offset, offset + size));
    offset += size;
  }
  return { header, binaries, total: body.byteLength, offset };
}

const echoJson = {
  inputs: [
    { name: 'i64', shape: [2, 2], datatype: 'INT64', data: [1, -2, 3, 4000000000] },
    { name: 'flag', shape: [2], datatype: 'BOOL', data: [true, false] },
    { name: 'text', shape: [2], datatype: 'BYTES', data: ['héllo', 'wörld'] },
    { name: 'u8', shape: [2, 2], datatype: 'UINT8', data: [0, 1, 254, 255] },
  ],
};

describe('binary tensor extension', () => {
  it('is advertised under Triton’s extension names', async () => {
    const server2 = await getJson(`${server.url}/v2`);
    expect(server2.body.extensions).toEqual(expect.arrayContaining(['binary_tensor_data', 'statistics']));
  });

  it('gives the same results for binary inputs and outputs as for JSON', async () => {
    const json = await postJson(`${server.url}/v2/models/echo/infer`, echoJson);
    expect(json.status).toBe(200);

    const header = {
      inputs: echoJson.inputs.map(({ data: _data, ...input }) => input),
      parameters: { binary_data_output: true },
      outputs: [
        { name: 'i64_out' },
        { name: 'flag_out' },
        { name: 'text_out' },
        { name: 'u8_out', parameters: { binary_data: false } },
      ],
    };
    const chunks = [
      Buffer.from(new BigInt64Array([1n, -2n, 3n, 4000000000n]).buffer),
      Uint8Array.from([1, 0]),
      bytesElements(['héllo', 'wörld']),
      Uint8Array.from([0, 1, 254, 255]),
    ];
    header.inputs.forEach((input, index) =>
      Object.assign(input, { parameters: { binary_data_size: chunks[index]!.byteLength } }),
    );
    const request = binaryRequest(header, chunks);
    const response = await fetch(`${server.url}/v2/models/echo/infer`, {
      method: 'POST',
      headers: {
        'content-type': 'application/octet-stream',
        'inference-header-content-length': String(request.headerLength),
      },
      body: request.body,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/application\/octet-stream/);
    const { header: out, binaries, total, offset } = await readBinaryResponse(response);
    expect(offset).toBe(total);

    const jsonOutputs = new Map<string, { data: unknown[]; shape: number[] }>(
      json.body.outputs.map((o: { name: string }) => [o.name, o]),
    );
    expect(Array.from(new BigInt64Array(new Uint8Array(binaries.get('i64_out')!).buffer), Number)).toEqual(
      jsonOutputs.get('i64_out')!.data,
    );
    expect(Array.from(binaries.get('flag_out')!, (byte) => byte === 1)).toEqual(
      jsonOutputs.get('flag_out')!.data,
    );
    const text = binaries.get('text_out')!;
    const strings: string[] = [];
    for (let at = 0; at < text.byteLength;) {
      const length = text.readUInt32LE(at);
      strings.push(text.subarray(at + 4, at + 4 + length).toString());
      at += 4 + length;
    }
    expect(strings).toEqual(jsonOutputs.get('text_out')!.data);
    // binary_data: false on one output overrides binary_data_output.
    expect(out.outputs.find((o) => o.name === 'u8_out')?.data).toEqual(jsonOutputs.get('u8_out')!.data);
    for (const output of out.outputs) expect(output.shape).toEqual(jsonOutputs.get(output.name)!.shape);
  });

  it('answers JSON when binary inputs come with no binary output asked for', async () => {
    const chunk = Buffer.from(new Float32Array([1, 2, 3]).buffer);
    const request = binaryRequest(
      { inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', parameters: { binary_data_size: 12 } }] },
      [chunk],
    );
    const response = await fetch(`${server.url}/v2/models/cached/versions/1/infer`, {
      method: 'POST',
      headers: {
        'content-type': 'application/octet-stream',
        'inference-header-content-length': String(request.headerLength),
      },
      body: request.body,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ outputs: [{ name: 'y', data: [2, 4, 6] }] });
  });

  it('refuses binary data whose size does not match the declared tensor', async () => {
    const request = binaryRequest(
      { inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', parameters: { binary_data_size: 8 } }] },
      [Buffer.alloc(8)],
    );
    const response = await fetch(`${server.url}/v2/models/cached/infer`, {
      method: 'POST',
      headers: {
        'content-type': 'application/octet-stream',
        'inference-header-content-length': String(request.headerLength),
      },
      body: request.body,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      code: 'DATA_LENGTH_MISMATCH',
      error: expect.stringMatching(/has 8 bytes but FP32 \[1,3\] needs 12/),
    });
  });

  it('refuses a header length beyond the body, and trailing bytes no input declares', async () => {
    for (const [headerLength, body, message] of [
      ['999', Buffer.from('{}'), /Inference-Header-Content-Length 999/],
      ['2', Buffer.from('{}junk'), /4 bytes of binary data that no input declares/],
    ] as const) {
      const response = await fetch(`${server.url}/v2/models/cached/infer`, {
        method: 'POST',
        headers: {
          'content-type': 'application/octet-stream',
          'inference-header-content-length': headerLength,
        },
        body,
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(message);
    }
  });

  it('limits binary bodies by server.binaryBodyLimitBytes', async () => {
    const small = await startTestServer({ server: { binaryBodyLimitBytes: 2048 } });
    try {
      await pushRaw(small.url, 'cached', rowScaleModel(2));
      const chunk = Buffer.alloc(3000 * 4 * 3);
      const request = binaryRequest(
        {
          inputs: [
            {
              name: 'x',
              shape: [3000, 3],
              datatype: 'FP32',
              parameters: { binary_data_size: chunk.byteLength },
            },
          ],
        },
        [chunk],
      );
      const response = await fetch(`${small.url}/v2/models/cached/infer`, {
        method: 'POST',
        headers: {
          'content-type': 'application/octet-stream',
          'inference-header-content-length': String(request.headerLength),
        },
        body: request.body,
      });
      expect(response.status).toBe(413);
      expect(await response.json()).toMatchObject({
        code: 'BODY_TOO_LARGE',
        error: expect.stringMatching(/server\.binaryBodyLimitBytes/),
      });
    } finally {
      await small.stop();
    }
  });

  it('reads a body with no Content-Type as JSON, as tritonclient sends JSON-only requests', async () => {
    const response = await fetch(`${server.url}/v2/models/cached/versions/1/infer`, {
      method: 'POST',
      body: new Blob([
        JSON.stringify({ inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] }),
      ]),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ outputs: [{ name: 'y', data: [2, 4, 6] }] });
  });

  it('refuses bytes without the header length with 415', async () => {
    const response = await fetch(`${server.url}/v2/models/cached/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(4),
    });
    expect(response.status).toBe(415);
  });
});

describe('response cache', () => {
  const x = { inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 1, 1] }] };

  it('answers repeated requests from the cache, and never with another version’s answer', async () => {
    const v1 = await postJson(`${server.url}/v2/models/cached/versions/1/infer`, x);
    const v2 = await postJson(`${server.url}/v2/models/cached/versions/2/infer`, x);
    const v1Again = await postJson(`${server.url}/v2/models/cached/versions/1/infer`, x);
    const v2Again = await postJson(`${server.url}/v2/models/cached/versions/2/infer`, x);
    expect(v1.body.outputs[0].data).toEqual([2, 2, 2]);
    expect(v2.body.outputs[0].data).toEqual([5, 5, 5]);
    expect(v1Again.body).toEqual(v1.body);
    expect(v2Again.body).toEqual(v2.body);
    const stats = await getJson(`${server.url}/v2/models/cached/versions/1/stats`);
    expect(stats.body.model_stats[0].inference_stats.cache_hit.count).toBeGreaterThanOrEqual(1);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(
      /ferry_response_cache_lookups_total\{model="cached",version="1",result="hit"\} [1-9]/,
    );
  });

  it('keeps serving the right version through an alias move with the cache on', async () => {
    const put = (version: number) =>
      fetch(`${server.url}/api/v1/models/cached/aliases/production`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ version }),
      });
    expect((await put(1)).status).toBe(200);
    expect(
      (await postJson(`${server.url}/v2/models/cached/versions/production/infer`, x)).body.outputs[0].data,
    ).toEqual([2, 2, 2]);
    expect((await put(2)).status).toBe(200);
    expect(
      (await postJson(`${server.url}/v2/models/cached/versions/production/infer`, x)).body.outputs[0].data,
    ).toEqual([5, 5, 5]);
  });

  it('does not cache a model that did not enable it', async () => {
    await postJson(`${server.url}/v2/models/echo/infer`, echoJson);
    await postJson(`${server.url}/v2/models/echo/infer`, echoJson);
    const stats = await getJson(`${server.url}/v2/models/echo/versions/1/stats`);
    expect(stats.body.model_stats[0].inference_stats.cache_hit.count).toBe(0);
  });
});
