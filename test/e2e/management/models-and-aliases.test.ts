import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCall, expectApiError, pushForm } from '../../support/management-api.js';
import { scaleModel } from '../../support/models.js';
import { postJson, startTestServer, type TestServer } from '../../support/server.js';

let server: TestServer;
let api: string;

async function push(model: string, bytes: Uint8Array, fields: Record<string, string> = {}) {
  const response = await apiCall('POST', `${api}/models/${model}/versions`, {
    body: pushForm(fields, bytes),
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.version;
}

const setAlias = (model: string, alias: string, body: unknown, actor?: string) =>
  apiCall('PUT', `${api}/models/${model}/aliases/${alias}`, {
    json: body,
    headers: actor === undefined ? {} : { 'x-ferry-actor': actor },
  });

beforeAll(async () => {
  server = await startTestServer();
  api = `${server.url}/api/v1`;
  // 'alpha' has three versions and no alias; 'beta' one version.
  await push('alpha', scaleModel(1), { description: 'first model' });
  await push('alpha', scaleModel(2), { tags: JSON.stringify({ team: 'risk' }) });
  await push('alpha', scaleModel(3));
  await push('beta', scaleModel(4));
});

afterAll(async () => {
  await server?.stop();
});

describe('reading models and versions', () => {
  it('lists every model by name with its version count, latest version and aliases', async () => {
    const response = await apiCall('GET', `${api}/models`);
    expect(response.status).toBe(200);
    const models = response.body.models.filter((m: { name: string }) => ['alpha', 'beta'].includes(m.name));
    expect(models).toEqual([
      {
        name: 'alpha',
        description: 'first model',
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        createdBy: 'anonymous',
        latestVersion: 3,
        versionCount: 3,
        aliases: {},
      },
      expect.objectContaining({ name: 'beta', latestVersion: 1, versionCount: 1 }),
    ]);
  });

  it('returns a model with its versions oldest first and the latest as defaultVersion when no default alias exists', async () => {
    const response = await apiCall('GET', `${api}/models/alpha`);
    expect(response.status).toBe(200);
    expect(response.body.model.name).toBe('alpha');
    expect(response.body.versions.map((v: { version: number }) => v.version)).toEqual([1, 2, 3]);
    expect(response.body.defaultVersion).toBe(3);
  });

  it('makes the production alias the defaultVersion once it exists, and serves that version by default', async () => {
    expect((await setAlias('beta', 'production', { version: 1 })).status).toBe(200);
    await push('beta', scaleModel(5));
    const model = await apiCall('GET', `${api}/models/beta`);
    expect(model.body.model.latestVersion).toBe(2);
    expect(model.body.defaultVersion).toBe(1);
    const inferred = await postJson(`${server.url}/v2/models/beta/infer`, {
      inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 1, 1] }],
    });
    expect(inferred.body.model_version).toBe('1');
  });

  it('lists versions, and reads one by number or by alias', async () => {
    const versions = await apiCall('GET', `${api}/models/alpha/versions`);
    expect(versions.body.versions).toHaveLength(3);
    expect(versions.body.versions[1]).toMatchObject({
      model: 'alpha',
      version: 2,
      format: 'onnx',
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      tags: { team: 'risk' },
      onnx: { producer: 'ferry-tests' },
    });
    const byAlias = await apiCall('GET', `${api}/models/beta/versions/production`);
    expect(byAlias.body).toMatchObject({ version: 1, aliases: ['production'] });
  });

  it('answers MODEL_NOT_FOUND and VERSION_NOT_FOUND with what to run next', async () => {
    expectApiError(await apiCall('GET', `${api}/models/nope`), 404, 'MODEL_NOT_FOUND', 'ferry models list');
    expectApiError(await apiCall('GET', `${api}/models/nope/versions`), 404, 'MODEL_NOT_FOUND');
    expectApiError(
      await apiCall('GET', `${api}/models/alpha/versions/9`),
      404,
      'VERSION_NOT_FOUND',
      "model 'alpha' has no version 9",
    );
    expectApiError(
      await apiCall('GET', `${api}/models/alpha/versions/staging`),
      404,
      'VERSION_NOT_FOUND',
      "no alias 'staging'",
    );
    expectApiError(await apiCall('GET', `${api}/models/alpha/versions/0`), 400, 'INVALID_ARGUMENT');
  });
});

describe('tags', () => {
  it('replaces the tags of a version and returns the version', async () => {
    const response = await apiCall('PUT', `${api}/models/alpha/versions/2/tags`, {
      json: { tags: { team: 'fraud', reviewed: 'yes' } },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ version: 2, tags: { team: 'fraud', reviewed: 'yes' } });
    const read = await apiCall('GET', `${api}/models/alpha/versions/2`);
    expect(read.body.tags).toEqual({ team: 'fraud', reviewed: 'yes' });
  });

  it('refuses tags on an alias, tag values that are not strings (never coerced), and tags of a missing version', async () => {
    expectApiError(
      await apiCall('PUT', `${api}/models/beta/versions/production/tags`, { json: { tags: {} } }),
      400,
      'INVALID_ARGUMENT',
      'not a version number',
    );
    for (const value of [1, null, true]) {
      expectApiError(
        await apiCall('PUT', `${api}/models/alpha/versions/1/tags`, { json: { tags: { n: value } } }),
        400,
        'INVALID_ARGUMENT',
        "tag 'n' must have a string value",
      );
    }
    expect((await apiCall('GET', `${api}/models/alpha/versions/1`)).body.tags).toEqual({});
    expectApiError(
      await apiCall('PUT', `${api}/models/alpha/versions/1/tags`, { json: { labels: {} } }),
      400,
      'INVALID_ARGUMENT',
    );
    expectApiError(
      await apiCall('PUT', `${api}/models/alpha/versions/42/tags`, { json: { tags: {} } }),
      404,
      'VERSION_NOT_FOUND',
    );
  });
});

describe('aliases', () => {
  it('refuses an alias name that breaks the naming rule with INVALID_ALIAS', async () => {
    for (const alias of ['Prod', '1st', 'has%20space', 'a'.repeat(65)]) {
      expectApiError(await setAlias('alpha', alias, { version: 1 }), 400, 'INVALID_ALIAS', 'lowercase');
    }
  });

  it('refuses an alias to a missing version or a missing model with 404', async () => {
    expectApiError(
      await setAlias('alpha', 'staging', { version: 99 }),
      404,
      'VERSION_NOT_FOUND',
      "model 'alpha' has no version 99",
    );
    expectApiError(await setAlias('nope', 'staging', { version: 1 }), 404, 'MODEL_NOT_FOUND');
  });

  it('refuses a body without a version number', async () => {
    expectApiError(await setAlias('alpha', 'staging', {}), 400, 'INVALID_ARGUMENT', 'version');
    expectApiError(await setAlias('alpha', 'staging', { version: 0 }), 400, 'INVALID_ARGUMENT');
    expectApiError(await setAlias('alpha', 'staging', { version: 1.5 }), 400, 'INVALID_ARGUMENT');
  });

  it('answers ALIAS_NOT_FOUND when deleting an alias that does not exist', async () => {
    expectApiError(
      await apiCall('DELETE', `${api}/models/alpha/aliases/canary`),
      404,
      'ALIAS_NOT_FOUND',
      "model 'alpha' has no alias 'canary'",
    );
    expectApiError(await apiCall('DELETE', `${api}/models/nope/aliases/canary`), 404, 'MODEL_NOT_FOUND');
  });

  it('records every move with its actor and reason, newest first, for all aliases or one', async () => {
    expect((await setAlias('alpha', 'staging', { version: 1, reason: 'try v1' }, 'alice')).status).toBe(200);
    expect((await setAlias('alpha', 'production', { version: 1, reason: 'ship v1' }, 'bob')).status).toBe(
      200,
    );
    const move = await setAlias('alpha', 'staging', { version: 2, reason: 'try v2' }, 'alice');
    expect(move.body).toMatchObject({ alias: 'staging', fromVersion: 1, toVersion: 2, actor: 'alice' });
    const deleted = await apiCall('DELETE', `${api}/models/alpha/aliases/staging?reason=done%20testing`, {
      headers: { 'x-ferry-actor': 'carol' },
    });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ alias: 'staging', fromVersion: 2, toVersion: null, actor: 'carol' });

    const all = await apiCall('GET', `${api}/models/alpha/alias-history`);
    expect(all.status).toBe(200);
    expect(all.body.events.map((e: any) => [e.alias, e.fromVersion, e.toVersion, e.actor, e.reason])).toEqual(
      [
        ['staging', 2, null, 'carol', 'done testing'],
        ['staging', 1, 2, 'alice', 'try v2'],
        ['production', null, 1, 'bob', 'ship v1'],
        ['staging', null, 1, 'alice', 'try v1'],
      ],
    );
    const times = all.body.events.map((e: { at: string }) => Date.parse(e.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    const staging = await apiCall('GET', `${api}/models/alpha/alias-history?alias=staging`);
    expect(staging.body.events.map((e: any) => [e.fromVersion, e.toVersion])).toEqual([
      [2, null],
      [1, 2],
      [null, 1],
    ]);
    const aliases = await apiCall('GET', `${api}/models/alpha/aliases`);
    expect(aliases.body).toEqual({ aliases: { production: 1 } });
  });

  it('records a caller without a usable x-ferry-actor as anonymous', async () => {
    const event = await setAlias('alpha', 'shadow', { version: 3 }, 'not a valid actor!');
    expect(event.body.actor).toBe('anonymous');
  });

  it('returns the last event unchanged when an alias is set to where it already points', async () => {
    const before = await apiCall('GET', `${api}/models/alpha/alias-history?alias=production`);
    const again = await setAlias('alpha', 'production', { version: 1, reason: 'no-op' }, 'dave');
    expect(again.status).toBe(200);
    const after = await apiCall('GET', `${api}/models/alpha/alias-history?alias=production`);
    expect(after.body.events).toEqual(before.body.events);
  });

  it('refuses history of an invalid alias or an unknown model', async () => {
    expectApiError(await apiCall('GET', `${api}/models/alpha/alias-history?alias=Bad`), 400, 'INVALID_ALIAS');
    expectApiError(await apiCall('GET', `${api}/models/nope/alias-history`), 404, 'MODEL_NOT_FOUND');
  });

  it('refuses to delete an aliased version with 409 VERSION_IN_USE naming the alias', async () => {
    expectApiError(
      await apiCall('DELETE', `${api}/models/alpha/versions/1`),
      409,
      'VERSION_IN_USE',
      "alias 'production'",
    );
    expect((await apiCall('DELETE', `${api}/models/alpha/versions/2`)).status).toBe(204);
    expectApiError(await apiCall('GET', `${api}/models/alpha/versions/2`), 404, 'VERSION_NOT_FOUND');
  });
});

describe('errors and health', () => {
  it('answers an unknown route under /api/v1 with 404 ROUTE_NOT_FOUND in the management error shape', async () => {
    expectApiError(
      await apiCall('GET', `${api}/nothing-here`),
      404,
      'ROUTE_NOT_FOUND',
      'GET /api/v1/nothing-here',
    );
    expectApiError(
      await apiCall('PATCH', `${api}/models/alpha`, { json: {} }),
      404,
      'ROUTE_NOT_FOUND',
      'PATCH /api/v1/models/alpha',
    );
  });

  it('answers a malformed JSON body with 400 INVALID_JSON', async () => {
    const response = await apiCall('PUT', `${api}/models/alpha/aliases/staging`, {
      body: '{"version": ',
      headers: { 'content-type': 'application/json' },
    });
    expectApiError(response, 400, 'INVALID_JSON');
  });

  it('reports readiness and the load state of every model version asked for', async () => {
    const infer = await postJson(`${server.url}/v2/models/alpha/versions/3/infer`, {
      inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }],
    });
    expect(infer.body.outputs[0].data).toEqual([3, 6, 9]);
    const health = await apiCall('GET', `${api}/health`);
    expect(health.status).toBe(200);
    expect(health.body.ready).toBe(true);
    expect(health.body.models).toContainEqual({
      model: 'alpha',
      version: 3,
      state: 'ready',
      loadMs: expect.any(Number),
    });
    expect(health.body.models).toContainEqual(
      expect.objectContaining({ model: 'beta', version: 1, state: 'ready' }),
    );
    expect(health.body.models).not.toContainEqual(expect.objectContaining({ model: 'alpha', version: 1 }));
  });
});
