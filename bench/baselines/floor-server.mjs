// The "floor" baseline, the HTTP ceiling: Fastify answering every inference POST with a
// precomputed response body, byte for byte Ferry's real response for that model. The request body
// is read but not parsed. Usage: node floor-server.mjs <port> <responses.json>
// where responses.json maps a model name to the response body string.
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const [port = '0', responsesPath] = process.argv.slice(2);
const responses = new Map(Object.entries(JSON.parse(readFileSync(responsesPath, 'utf8'))));
const app = Fastify({ bodyLimit: 64 * 1024 * 1024 });
app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) =>
  done(null, body),
);
const answer = (request, reply) =>
  reply.type('application/json; charset=utf-8').send(responses.get(request.params.model));
app.post('/v2/models/:model/infer', answer);
app.post('/v2/models/:model/versions/:version/infer', answer);
await app.listen({ host: '127.0.0.1', port: Number(port) });
console.log(JSON.stringify({ url: `http://127.0.0.1:${app.server.address().port}` }));
