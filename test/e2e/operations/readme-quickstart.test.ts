import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startChildServer } from '../../support/child-server.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const dataDir = mkdtempSync(join(tmpdir(), 'ferry-readme-'));

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('README quickstart', () => {
  it("the README's curl gets the right species from the demo that `npm start` serves", async () => {
    expect(readme).toContain('npm install && npm start');
    expect(
      JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).scripts.start,
    ).toMatch(/ demo$/);
    const curl = /curl -s (http:\/\/127\.0\.0\.1:8080)(\/v2\/\S+) .*\\\n\s+-d '([^']+)'/.exec(readme);
    expect(curl).not.toBeNull();
    const [, , path, body] = curl!;
    const server = await startChildServer(['demo', '--port', '0', '--data-dir', dataDir]);
    try {
      let ready = 0;
      for (let attempt = 0; attempt < 200 && ready !== 200; attempt++) {
        ready = (await fetch(`${server.url}/v2/health/ready`)).status;
        if (ready !== 200) await new Promise((resolve) => setTimeout(resolve, 25));
      }
      const response = await fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: body!,
      });
      expect(response.status).toBe(200);
      const answer = (await response.json()) as { outputs: { name: string; data: unknown[] }[] };
      expect(answer.outputs.find((output) => output.name === 'species')?.data).toEqual(['Gentoo']);
      expect(readme).toContain('`["Gentoo"]`');
    } finally {
      server.process.kill('SIGTERM');
      await server.exited;
    }
  });
});
