import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FerryClient } from '../../../src/client/http-client.js';
import { expectFerryError } from '../../support/ferry-errors.js';
import { apiCall, expectApiError, pushForm } from '../../support/management-api.js';
import { scaleModel } from '../../support/models.js';
import { startTestServer, type TestServer } from '../../support/server.js';

let server: TestServer;
let client: FerryClient;
let files: string;

const CARD = `---
title: Scale by two
license: Apache-2.0
intendedUse: [tests, docs]
---
# Scale by two

Multiplies every column by 2.
`;

const LINEAGE = {
  trainingData: { uri: 's3://bucket/train.parquet', digest: 'sha256:0a1b2c' },
  code: 'git+https://example.com/scale.git@4f2e1d',
  parameters: { epochs: 20, optimizer: { name: 'adam', lr: 0.001 } },
  metrics: { accuracy: 0.93, auc: 0.97 },
};

const SIGNATURE = {
  inputs: { x: { features: ['length', 'width', 'depth'], description: 'three measurements' } },
  outputs: { y: { labels: ['a', 'b', 'c'] } },
};

/** Write bytes to a file for the streaming client, which uploads from disk. */
function modelFile(name: string, bytes: Uint8Array): string {
  const path = join(files, name);
  writeFileSync(path, bytes);
  return path;
}

const versionsUrl = (model: string) => `${server.url}/api/v1/models/${model}/versions`;

/** Assert the model does not exist, so a refused push left no version (and no model) behind. */
async function expectNoModel(model: string): Promise<void> {
  expectApiError(await apiCall('GET', `${server.url}/api/v1/models/${model}`), 404, 'MODEL_NOT_FOUND');
}

beforeAll(async () => {
  server = await startTestServer();
  client = new FerryClient({ baseUrl: server.url, actor: 'alice' });
  files = mkdtempSync(join(tmpdir(), 'ferry-push-files-'));
});

afterAll(async () => {
  await server?.stop();
  rmSync(files, { recursive: true, force: true });
});

describe('multipart push with metadata', () => {
  it('stores card, lineage, signature names and tags sent by the streaming client', async () => {
    const pushed = await client.push({
      model: 'scaler',
      file: modelFile('scaler.onnx', scaleModel(2)),
      card: CARD,
      lineage: LINEAGE,
      signature: SIGNATURE,
      tags: { team: 'risk', stage: 'beta' },
      alias: 'production',
      reason: 'first release',
      description: 'multiplies by two',
    });
    expect(pushed.created).toBe(true);
    expect(pushed.version).toMatchObject({ model: 'scaler', version: 1, createdBy: 'alice' });

    const version = await apiCall('GET', `${versionsUrl('scaler')}/1`);
    expect(version.status).toBe(200);
    expect(version.body.lineage).toEqual(LINEAGE);
    expect(version.body.tags).toEqual({ team: 'risk', stage: 'beta' });
    expect(version.body.card).toBe(CARD);
    expect(version.body.aliases).toEqual(['production']);
    expect(version.body.signature.inputs).toEqual([
      {
        name: 'x',
        datatype: 'FP32',
        shape: [-1, 3],
        features: ['length', 'width', 'depth'],
        description: 'three measurements',
      },
    ]);
    expect(version.body.signature.outputs[0]).toMatchObject({ name: 'y', labels: ['a', 'b', 'c'] });
    expect(version.body.signature.outputs[1]).toEqual({ name: 'total', datatype: 'FP32', shape: [] });

    const model = await apiCall('GET', `${server.url}/api/v1/models/scaler`);
    expect(model.body.model).toMatchObject({ name: 'scaler', description: 'multiplies by two' });
    const history = await apiCall('GET', `${server.url}/api/v1/models/scaler/alias-history`);
    expect(history.body.events).toEqual([
      expect.objectContaining({ alias: 'production', toVersion: 1, actor: 'alice', reason: 'first release' }),
    ]);
  });

  it('accepts the same fields from a plain fetch with FormData and answers 201, then 200 for the same bytes', async () => {
    const fields = {
      card: CARD,
      lineage: JSON.stringify(LINEAGE),
      signature: JSON.stringify(SIGNATURE),
      tags: JSON.stringify({ source: 'form' }),
    };
    const first = await apiCall('POST', versionsUrl('formed'), { body: pushForm(fields, scaleModel(3)) });
    expect(first.status).toBe(201);
    expect(first.body.created).toBe(true);
    expect(first.body.version).toMatchObject({
      version: 1,
      tags: { source: 'form' },
      lineage: LINEAGE,
      createdBy: 'anonymous',
    });
    expect(first.body.version.signature.inputs[0].features).toEqual(['length', 'width', 'depth']);

    const again = await apiCall('POST', versionsUrl('formed'), { body: pushForm({}, scaleModel(3)) });
    expect(again.status).toBe(200);
    expect(again.body.created).toBe(false);
    expect(again.body.version.version).toBe(1);
    // The first push's metadata stays: a version never changes.
    expect(again.body.version.tags).toEqual({ source: 'form' });
  });

  it('serves the card as Markdown by default and as {markdown, metadata} to a JSON client', async () => {
    const markdown = await apiCall('GET', `${versionsUrl('scaler')}/production/card`);
    expect(markdown.status).toBe(200);
    expect(markdown.headers.get('content-type')).toMatch(/^text\/markdown/);
    expect(markdown.body).toBe('# Scale by two\n\nMultiplies every column by 2.\n');

    const json = await apiCall('GET', `${versionsUrl('scaler')}/1/card`, {
      headers: { accept: 'application/json' },
    });
    expect(json.status).toBe(200);
    expect(json.body).toEqual({
      markdown: '# Scale by two\n\nMultiplies every column by 2.\n',
      metadata: { title: 'Scale by two', license: 'Apache-2.0', intendedUse: ['tests', 'docs'] },
    });
    expect(await client.getCard('scaler', 'production')).toBe(json.body.markdown);
  });

  it('answers 404 for the Markdown card of a version pushed without one, and null markdown as JSON', async () => {
    await apiCall('POST', versionsUrl('cardless'), { body: pushForm({}, scaleModel(4)) });
    expectApiError(
      await apiCall('GET', `${versionsUrl('cardless')}/1/card`),
      404,
      'CARD_NOT_FOUND',
      'has no model card',
    );
    const json = await apiCall('GET', `${versionsUrl('cardless')}/1/card`, {
      headers: { accept: 'application/json' },
    });
    expect(json.body).toEqual({ markdown: null, metadata: {} });
  });
});

describe('a refused push registers nothing', () => {
  it('refuses a card whose front matter is not valid YAML with INVALID_MODEL_CARD', async () => {
    const card = '---\ntitle: [unclosed\n---\n# Card\n';
    const response = await apiCall('POST', versionsUrl('bad-card'), {
      body: pushForm({ card }, scaleModel(5)),
    });
    expectApiError(response, 400, 'INVALID_MODEL_CARD', 'not valid YAML');
    await expectNoModel('bad-card');
  });

  it('refuses a card whose front matter is never closed', async () => {
    await expectFerryError(
      client.push({ model: 'open-card', file: modelFile('open.onnx', scaleModel(5)), card: '---\na: 1\n' }),
      'INVALID_MODEL_CARD',
      'never closes',
    );
    await expectNoModel('open-card');
  });

  it.each([
    ['an unknown key', { trainingData: { uri: 's3://x' }, owner: 'me' }, "unknown key 'owner'"],
    ['training data without a uri', { trainingData: { digest: 'sha256:00' } }, 'trainingData.uri'],
    ['a metric that is not a number', { metrics: { accuracy: 'high' } }, 'lineage.metrics.accuracy'],
    ['a list', [1, 2], 'must be an object'],
  ])('refuses lineage with %s as INVALID_LINEAGE', async (_case, lineage, message) => {
    const response = await apiCall('POST', versionsUrl('bad-lineage'), {
      body: pushForm({ lineage: JSON.stringify(lineage) }, scaleModel(5)),
    });
    expectApiError(response, 400, 'INVALID_LINEAGE', message);
    await expectNoModel('bad-lineage');
  });

  it('refuses lineage that is not JSON at all', async () => {
    const response = await apiCall('POST', versionsUrl('bad-lineage'), {
      body: pushForm({ lineage: '{trainingData:' }, scaleModel(5)),
    });
    expectApiError(response, 400, 'INVALID_ARGUMENT', "multipart field 'lineage' is not valid JSON");
    await expectNoModel('bad-lineage');
  });

  it('refuses feature names that do not match the input width with 400 INVALID_SIGNATURE', async () => {
    const signature = { inputs: { x: { features: ['only', 'two'] } } };
    const message = "input 'x' has 3 columns in its last dimension [-1, 3], but 2 feature names were given";
    const response = await apiCall('POST', versionsUrl('bad-signature'), {
      body: pushForm({ signature: JSON.stringify(signature) }, scaleModel(6)),
    });
    expectApiError(response, 400, 'INVALID_SIGNATURE', message);
    // The typed client raises the same code and message.
    await expectFerryError(
      client.push({ model: 'bad-signature', file: modelFile('sig.onnx', scaleModel(6)), signature }),
      'INVALID_SIGNATURE',
      message,
    );
    await expectNoModel('bad-signature');
  });

  it('refuses overrides naming an input the model does not have, and labels on an input', async () => {
    for (const signature of [
      { inputs: { features: { features: ['a', 'b', 'c'] } } },
      { inputs: { x: { labels: ['a', 'b', 'c'] } } },
    ]) {
      const response = await apiCall('POST', versionsUrl('bad-signature'), {
        body: pushForm({ signature: JSON.stringify(signature) }, scaleModel(6)),
      });
      expectApiError(response, 400, 'INVALID_SIGNATURE');
    }
    await expectNoModel('bad-signature');
  });

  it('refuses bytes that are not ONNX with INVALID_ARTIFACT and keeps no blob of them', async () => {
    const garbage = new TextEncoder().encode('this is not a model, just some text bytes');
    const response = await apiCall('POST', versionsUrl('garbage'), { body: pushForm({}, garbage) });
    expectApiError(response, 400, 'INVALID_ARTIFACT', 'not an ONNX model');
    await expectNoModel('garbage');
    const sha = createHash('sha256').update(garbage).digest('hex');
    expect(existsSync(join(server.dataDir, 'artifacts', 'sha256', sha.slice(0, 2), sha))).toBe(false);
  });

  it.each([
    ['a slash', 'Bad%2FName', "'Bad/Name'"],
    ['upper case', 'UPPER', "'UPPER'"],
    ['a leading dot', '.hidden', "'.hidden'"],
  ])('refuses a model name with %s as INVALID_MODEL_NAME', async (_case, name, shown) => {
    const response = await apiCall('POST', versionsUrl(name), { body: pushForm({}, scaleModel(7)) });
    expectApiError(response, 400, 'INVALID_MODEL_NAME', shown);
  });

  it('refuses a field sent after the file, before any version is registered', async () => {
    const form = new FormData();
    form.append('artifact', new Blob([scaleModel(8)]), 'model.onnx');
    form.append('tags', JSON.stringify({ late: 'yes' }));
    const response = await apiCall('POST', versionsUrl('late-field'), { body: form });
    expectApiError(response, 400, 'BAD_REQUEST', "multipart part 'tags' came after the artifact");
    await expectNoModel('late-field');
  });

  it('refuses a second file part, before any version is registered', async () => {
    const form = pushForm({}, scaleModel(8));
    form.append('artifact', new Blob([scaleModel(9)]), 'second.onnx');
    const response = await apiCall('POST', versionsUrl('two-files'), { body: form });
    expectApiError(response, 400, 'BAD_REQUEST');
    await expectNoModel('two-files');
  });

  it('refuses an unknown multipart field and names the known ones', async () => {
    const response = await apiCall('POST', versionsUrl('unknown-field'), {
      body: pushForm({ owner: 'me' }, scaleModel(8)),
    });
    expectApiError(response, 400, 'BAD_REQUEST', "multipart field 'owner' is unknown; fields are alias");
    await expectNoModel('unknown-field');
  });

  it('refuses a file in a part other than artifact, and a form without a file', async () => {
    const misplaced = new FormData();
    misplaced.append('model', new Blob([scaleModel(8)]), 'model.onnx');
    expectApiError(
      await apiCall('POST', versionsUrl('no-artifact'), { body: misplaced }),
      400,
      'BAD_REQUEST',
      "file part 'model' is unexpected",
    );
    const fieldsOnly = new FormData();
    fieldsOnly.append('description', 'no file here');
    expectApiError(
      await apiCall('POST', versionsUrl('no-artifact'), { body: fieldsOnly }),
      400,
      'BAD_REQUEST',
      "no 'artifact' file part",
    );
    await expectNoModel('no-artifact');
  });

  it('refuses a text/plain body with 415 and says which content types work', async () => {
    const response = await apiCall('POST', versionsUrl('plain'), {
      body: 'not a model',
      headers: { 'content-type': 'text/plain' },
    });
    expectApiError(response, 415, 'UNSUPPORTED_MEDIA_TYPE', 'multipart/form-data');
    await expectNoModel('plain');
  });

  it('refuses a JSON body on the push route with 415', async () => {
    const response = await apiCall('POST', versionsUrl('json-push'), { json: { artifact: 'base64…' } });
    expectApiError(response, 415, 'UNSUPPORTED_MEDIA_TYPE', 'application/octet-stream');
  });
});

describe('registry.maxArtifactBytes', () => {
  let small: TestServer;
  const limit = 200;

  beforeAll(async () => {
    small = await startTestServer({ registry: { maxArtifactBytes: limit } });
  });

  afterAll(async () => {
    await small?.stop();
  });

  const leftovers = () => {
    const tmp = join(small.dataDir, 'artifacts', 'tmp');
    return existsSync(tmp) ? readdirSync(tmp) : [];
  };

  it('refuses a multipart artifact over the limit with 413 ARTIFACT_TOO_LARGE and registers nothing', async () => {
    expect(scaleModel(1).byteLength).toBeGreaterThan(limit);
    const response = await apiCall('POST', `${small.url}/api/v1/models/big/versions`, {
      body: pushForm({ tags: JSON.stringify({ size: 'big' }) }, scaleModel(1)),
    });
    expectApiError(
      response,
      413,
      'ARTIFACT_TOO_LARGE',
      `limit of ${limit} bytes (registry.maxArtifactBytes)`,
    );
    expect(response.body.error.details).toEqual({ maxBytes: limit });
    const listed = await apiCall('GET', `${small.url}/api/v1/models`);
    expect(listed.body.models).toEqual([]);
    expect(leftovers()).toEqual([]);
  });

  it('refuses a streamed upload of several megabytes over the limit the same way', async () => {
    const client = new FerryClient({ baseUrl: small.url });
    await expectFerryError(
      client.push({ model: 'huge', file: modelFile('huge.onnx', new Uint8Array(3 * 1024 * 1024)) }),
      'ARTIFACT_TOO_LARGE',
      `limit of ${limit} bytes`,
    );
    expect((await apiCall('GET', `${small.url}/api/v1/models`)).body.models).toEqual([]);
    expect(leftovers()).toEqual([]);
  });

  it('refuses a raw octet-stream body over the limit too', async () => {
    const response = await apiCall('POST', `${small.url}/api/v1/models/raw/versions`, {
      body: scaleModel(1),
      headers: { 'content-type': 'application/octet-stream' },
    });
    expectApiError(response, 413, 'ARTIFACT_TOO_LARGE');
    expect((await apiCall('GET', `${small.url}/api/v1/models`)).body.models).toEqual([]);
  });
});
