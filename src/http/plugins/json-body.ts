import type { FastifyInstance } from 'fastify';
import { FerryError } from '../../core/index.js';
import { jsonDepthExceeds } from './json-depth.js';

/**
 * Replace Fastify's JSON parser with one that refuses bodies nesting deeper than `maxDepth`
 * before parsing them, and answers INVALID_JSON with the parser's reason. Prototype-poisoning
 * keys are refused as Fastify does by default.
 */
export function registerJsonBody(app: FastifyInstance, options: { maxDepth: number }): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (jsonDepthExceeds(text, options.maxDepth)) {
      done(
        new FerryError(
          'JSON_TOO_DEEP',
          `the JSON body nests deeper than ${options.maxDepth} levels (server.maxJsonDepth)`,
        ),
        undefined,
      );
      return;
    }
    void parse(request, text, (error, value) => {
      if (error)
        done(new FerryError('INVALID_JSON', `the body is not valid JSON: ${error.message}`), undefined);
      else done(null, value);
    });
  });
}
