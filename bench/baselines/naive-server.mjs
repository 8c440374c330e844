// The "naive" baseline: what a user writes by hand — Fastify calling session.run per request,
// no validation, no registry, no batching. One session per model, ONNX Runtime options as Ferry's
// defaults. Usage: node naive-server.mjs <port> <name>=<model.onnx>...
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import * as ort from 'onnxruntime-node';

const [port = '0', ...models] = process.argv.slice(2);
const sessions = new Map();
for (const [name, path] of models.map((arg) => arg.split('='))) {
  const options = { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' };
  sessions.set(name, await ort.InferenceSession.create(readFileSync(path), options));
}
const DATATYPES = { float32: 'FP32', int64: 'INT64', string: 'BYTES' };
const app = Fastify({ bodyLimit: 64 * 1024 * 1024 });
app.post('/v2/models/:model/infer', async (request) => {
  const session = sessions.get(request.params.model);
  const feeds = {};
  for (const input of request.body.inputs) {
    feeds[input.name] = new ort.Tensor('float32', Float32Array.from(input.data.flat(Infinity)), input.shape);
  }
  const results = await session.run(feeds);
  return {
    model_name: request.params.model,
    outputs: Object.entries(results).map(([name, tensor]) => ({
      name,
      shape: tensor.dims,
      datatype: DATATYPES[tensor.type],
      data: Array.from(tensor.data, (value) => (typeof value === 'bigint' ? Number(value) : value)),
    })),
  };
});
await app.listen({ host: '127.0.0.1', port: Number(port) });
console.log(JSON.stringify({ url: `http://127.0.0.1:${app.server.address().port}` }));
