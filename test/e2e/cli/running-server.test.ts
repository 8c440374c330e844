import { afterAll, describe, expect, it } from 'vitest';
import { apiCall } from '../../support/management-api.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { ACTOR, CARD, describeRegistryCommands } from './registry-commands-suite.js';

let server: TestServer | undefined;

afterAll(async () => {
  await server?.stop();
});

describeRegistryCommands(
  'against a running server',
  async () => {
    server = await startTestServer();
    return { globalArgs: ['--server', server.url], close: () => Promise.resolve() };
  },
  { fullOutput: false },
);

describe('what the CLI did over HTTP', () => {
  it('is visible to any HTTP client, with the CLI user recorded as the actor', async () => {
    const version = await apiCall('GET', `${server!.url}/api/v1/models/scale/versions/production`);
    expect(version.body).toMatchObject({ version: 1, createdBy: ACTOR, card: CARD });
    const history = await apiCall('GET', `${server!.url}/api/v1/models/scale/alias-history`);
    expect(history.body.events.every((e: { actor: string }) => e.actor === ACTOR)).toBe(true);
  });
});
