// The "naive" baseline: what a user writes by hand — Fastify calling session.run per request,
// no validation, no registry. Usage: node naive-server.mjs <model.onnx> <port>
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import * as ort from 'onnxruntime-node';

const [modelPath, port = '0'] = process.argv.slice(2);
const session = await ort.InferenceSession.create(readFileSync(modelPath), {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
});
const app = Fastify({ bodyLimit: 64 * 1024 * 1024 });
app.post('/v2/models/:model/infer', async (request) => {
  const body = request.body;
  const feeds = {};
  for (const input of body.inputs) {
    feeds[input.name] = new ort.Tensor('float32', Float32Array.from(input.data.flat(Infinity)), input.shape);
  }
  const results = await session.run(feeds);
  return {
    model_name: request.params.model,
    outputs: Object.entries(results).map(([name, tensor]) => ({
      name,
      shape: tensor.dims,
      datatype: tensor.type === 'float32' ? 'FP32' : tensor.type === 'int64' ? 'INT64' : 'BYTES',
      data: Array.from(tensor.data, (value) => (typeof value === 'bigint' ? Number(value) : value)),
    })),
  };
});
await app.listen({ host: '127.0.0.1', port: Number(port) });
console.log(JSON.stringify({ url: `http://127.0.0.1:${app.server.address().port}` }));
