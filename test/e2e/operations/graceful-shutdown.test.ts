import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildRandomMlp } from '../../../src/demo/index.js';
import { startChildServer } from '../../support/child-server.js';
import { getJson, pushRaw } from '../../support/server.js';

const dataDir = mkdtempSync(join(tmpdir(), 'ferry-sigterm-'));

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('graceful shutdown', () => {
  it('finishes every in-flight request when SIGTERM arrives, then exits 0', async () => {
    const server = await startChildServer([
      'serve',
      '--data-dir',
      dataDir,
      '--port',
      '0',
      '--log-level',
      'info',
    ]);
    try {
      const model = buildRandomMlp({ inputSize: 512, hiddenSizes: [1024, 1024], outputSize: 10, seed: 7 });
      expect((await pushRaw(server.url, 'heavy', model)).status).toBe(201);
      const rows = 64;
      const body = JSON.stringify({
        inputs: [
          {
            name: 'input',
            shape: [rows, 512],
            datatype: 'FP32',
            data: Array.from({ length: rows * 512 }, (_, i) => (i % 7) / 7),
          },
        ],
      });
      // Load the model first so the requests below are all in flight together.
      expect(
        (
          await fetch(`${server.url}/v2/models/heavy/infer`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          })
        ).status,
      ).toBe(200);

      const count = 24;
      let answered = 0;
      const requests = Array.from({ length: count }, () =>
        fetch(`${server.url}/v2/models/heavy/infer`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        }).then(async (response) => {
          answered += 1;
          return {
            status: response.status,
            body: (await response.json()) as { outputs?: { shape: number[] }[] },
          };
        }),
      );
      // Signal once the server is demonstrably busy with this burst.
      while (answered === 0) await new Promise((resolve) => setTimeout(resolve, 2));
      server.process.kill('SIGTERM');
      const results = await Promise.all(requests);

      expect(answered).toBe(count);
      for (const result of results) {
        expect(result.status).toBe(200);
        expect(result.body.outputs?.[0]?.shape).toEqual([rows, 10]);
      }
      expect(await server.exited).toBe(0);
      expect(server.output()).toMatch(/"msg":"stopped"/);
      await expect(getJson(`${server.url}/v2/health/live`)).rejects.toThrow();
    } finally {
      server.process.kill('SIGKILL');
    }
  });
});
