import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scaleModel } from '../../support/models.js';
import { getJson, postJson, pushRaw, startTestServer, type TestServer } from '../../support/server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.stop();
});

const x = { inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 1, 1] }] };

async function putAlias(model: string, alias: string, version: number, reason?: string) {
  const response = await fetch(`${server.url}/api/v1/models/${model}/aliases/${alias}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'x-ferry-actor': 'alice' },
    body: JSON.stringify({ version, ...(reason === undefined ? {} : { reason }) }),
  });
  return { status: response.status, body: await response.json() };
}

describe('push, alias, infer, move, infer', () => {
  it('serves the version an alias points to, and follows the alias when it moves', async () => {
    const v1 = await pushRaw(server.url, 'flow', scaleModel(1));
    const v2 = await pushRaw(server.url, 'flow', scaleModel(2));
    expect([v1.status, v2.status]).toEqual([201, 201]);
    expect([v1.body.version.version, v2.body.version.version]).toEqual([1, 2]);

    expect((await putAlias('flow', 'production', 1, 'first release')).status).toBe(200);
    const before = await postJson(`${server.url}/v2/models/flow/versions/production/infer`, x);
    expect(before.body.model_version).toBe('1');
    expect(before.body.outputs[0]).toMatchObject({ name: 'y', data: [1, 1, 1] });

    const move = await putAlias('flow', 'production', 2, 'v2 is better');
    expect(move.body).toMatchObject({
      alias: 'production',
      fromVersion: 1,
      toVersion: 2,
      actor: 'alice',
      reason: 'v2 is better',
    });
    const after = await postJson(`${server.url}/v2/models/flow/versions/production/infer`, x);
    expect(after.body.model_version).toBe('2');
    expect(after.body.outputs[0]).toMatchObject({ name: 'y', data: [2, 2, 2] });
    // Without a version the default alias (production) is served too.
    const byDefault = await postJson(`${server.url}/v2/models/flow/infer`, x);
    expect(byDefault.body.model_version).toBe('2');

    const history = await getJson(`${server.url}/api/v1/models/flow/alias-history?alias=production`);
    expect(
      history.body.events.map((e: { fromVersion: number | null; toVersion: number }) => [
        e.fromVersion,
        e.toVersion,
      ]),
    ).toEqual([
      [1, 2],
      [null, 1],
    ]);
  });

  it('returns the existing version when the same bytes are pushed again', async () => {
    const first = await pushRaw(server.url, 'dedup', scaleModel(3));
    const again = await pushRaw(server.url, 'dedup', scaleModel(3));
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body.created).toBe(false);
    expect(again.body.version.version).toBe(first.body.version.version);
    expect(again.body.version.sha256).toMatch(/^[0-9a-f]{64}$/);
    const versions = await getJson(`${server.url}/api/v1/models/dedup/versions`);
    expect(versions.body.versions).toHaveLength(1);
  });

  it('offers no way to change a version once pushed', async () => {
    await pushRaw(server.url, 'frozen', scaleModel(4));
    for (const method of ['PUT', 'PATCH', 'POST']) {
      const response = await fetch(`${server.url}/api/v1/models/frozen/versions/1`, {
        method,
        headers: { 'content-type': 'application/octet-stream' },
        body: scaleModel(5),
      });
      expect(response.status).toBe(404);
    }
    const version = await getJson(`${server.url}/api/v1/models/frozen/versions/1`);
    const infer = await postJson(`${server.url}/v2/models/frozen/versions/1/infer`, x);
    expect(infer.body.outputs[0].data).toEqual([4, 4, 4]);
    expect(version.body.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses to delete a version an alias points to, then deletes it once the alias is gone', async () => {
    await pushRaw(server.url, 'gone', scaleModel(6), '?alias=staging');
    const refused = await fetch(`${server.url}/api/v1/models/gone/versions/1`, { method: 'DELETE' });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ error: { code: 'VERSION_IN_USE' } });
    expect(
      (await fetch(`${server.url}/api/v1/models/gone/aliases/staging`, { method: 'DELETE' })).status,
    ).toBe(200);
    expect((await fetch(`${server.url}/api/v1/models/gone/versions/1`, { method: 'DELETE' })).status).toBe(
      204,
    );
    expect((await getJson(`${server.url}/v2/models/gone/versions/1`)).status).toBe(404);
  });
});

describe('a corrupted artifact', () => {
  it('fails loudly on its own routes while other models keep serving', async () => {
    await pushRaw(server.url, 'healthy', scaleModel(7));
    const pushed = await pushRaw(server.url, 'broken', scaleModel(8));
    const sha: string = pushed.body.version.sha256;
    const blobDir = join(server.dataDir, 'artifacts', 'sha256', sha.slice(0, 2));
    const blob = readdirSync(blobDir).find((name) => name.startsWith(sha));
    expect(blob).toBeDefined();
    writeFileSync(join(blobDir, blob!), scaleModel(9));

    const broken = await postJson(`${server.url}/v2/models/broken/infer`, x);
    expect(broken.status).toBe(503);
    expect(broken.body.code).toBe('MODEL_LOAD_FAILED');
    expect(broken.body.error).toMatch(
      /model 'broken' version 1 failed to load: artifact [0-9a-f]{64} is corrupted/,
    );

    const ready = await getJson(`${server.url}/v2/models/broken/ready`);
    expect(ready.status).toBe(400);
    expect(ready.body.error).toMatch(/failed to load/);

    const health = await getJson(`${server.url}/api/v1/health`);
    expect(health.body.models).toContainEqual(
      expect.objectContaining({
        model: 'broken',
        version: 1,
        state: 'failed',
        error: expect.objectContaining({ code: 'MODEL_LOAD_FAILED' }),
      }),
    );

    const healthy = await postJson(`${server.url}/v2/models/healthy/infer`, x);
    expect(healthy.status).toBe(200);
    expect(healthy.body.outputs[0].data).toEqual([7, 7, 7]);
  });
});
