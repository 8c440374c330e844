import type { FastifyInstance } from 'fastify';
import type { PredictionMonitoring } from '../../../monitoring/index.js';

/**
 * `POST /api/v1/feedback`: ground truth for logged predictions, `{request_id, label | value, at?}`
 * or `{items: [...]}` (up to 1000). Answers 200 with one result per item, in order: `stored`,
 * `updated` (an earlier answer was replaced), `unknown_request` or `invalid`. Stored feedback is
 * committed before the answer.
 */
export function registerFeedbackApiRoutes(app: FastifyInstance, monitoring: PredictionMonitoring): void {
  app.post('/api/v1/feedback', { config: { action: 'feedback:write' } }, async (request) => ({
    results: await monitoring.feedback.submit(request.body),
  }));
}
