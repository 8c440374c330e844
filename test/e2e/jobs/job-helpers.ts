import { apiCall, type ApiResponse } from '../../support/management-api.js';

/** Poll `GET /api/v1/jobs/{id}` until the job is completed or failed; fails after `timeoutMs`. */
export async function waitForJob(baseUrl: string, id: string, timeoutMs = 20_000): Promise<ApiResponse> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await apiCall('GET', `${baseUrl}/api/v1/jobs/${id}`);
    if (response.status !== 200)
      throw new Error(`GET job ${id}: ${response.status} ${JSON.stringify(response.body)}`);
    if (response.body.state === 'completed' || response.body.state === 'failed') return response;
    if (Date.now() > deadline)
      throw new Error(`job ${id} still ${response.body.state} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A real HTTP server on 127.0.0.1 that records callbacks (see test/support/receiver.ts). */
export {
  startReceiver as startCallbackReceiver,
  type Receiver as CallbackReceiver,
} from '../../support/receiver.js';
