import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * The one configuration schema. Every key has its default and a one-line description beside it;
 * `docs/reference/config.md` is generated from this schema (`npm run docs:reference`) and a test
 * keeps the two equal.
 */
const key = <T extends TSchema>(schema: T, description: string): T => ({ ...schema, description });

export const ConfigSchema = Type.Object(
  {
    dataDir: key(
      Type.String({ default: './.ferry', minLength: 1 }),
      'Folder for the SQLite database and the artifact store.',
    ),
    server: Type.Object(
      {
        host: key(
          Type.String({ default: '127.0.0.1', minLength: 1 }),
          'Address to bind. Loopback by default: management routes have no authentication yet.',
        ),
        port: key(
          Type.Integer({ default: 8080, minimum: 0, maximum: 65535 }),
          'TCP port (0 picks a free one).',
        ),
        bodyLimitBytes: key(
          Type.Integer({ default: 33_554_432, minimum: 1024 }),
          'Largest request body accepted on inference and management JSON routes (bytes).',
        ),
        maxJsonDepth: key(
          Type.Integer({ default: 32, minimum: 4, maximum: 1000 }),
          'Deepest nesting of arrays and objects accepted in a JSON body.',
        ),
        maxTensorElements: key(
          Type.Integer({ default: 4_194_304, minimum: 1 }),
          'Most elements accepted in one input tensor.',
        ),
        strictReadiness: key(
          Type.Boolean({ default: true }),
          'When true, /v2/health/ready fails while any preloaded model is not ready (as Triton does).',
        ),
        shutdownGraceMs: key(
          Type.Integer({ default: 30_000, minimum: 0 }),
          'On SIGTERM, how long in-flight requests may take before connections are closed.',
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    database: Type.Object(
      {
        url: key(
          Type.String({ default: '' }),
          'Empty for the SQLite file `<dataDir>/ferry.db`; `sqlite:<path>` for another file; `postgres://…` for Postgres.',
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    registry: Type.Object(
      {
        maxArtifactBytes: key(
          Type.Integer({ default: 2_147_483_648, minimum: 1 }),
          'Largest model artifact accepted by a push (bytes).',
        ),
        defaultAlias: key(
          Type.String({ default: 'production', minLength: 1 }),
          'Alias served when a request names no version; without it, the latest version is served.',
        ),
        resolveCacheMs: key(
          Type.Integer({ default: 1000, minimum: 0 }),
          'How long a resolved alias is cached on the hot path. Moves made through this server apply at once.',
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    runtime: Type.Object(
      {
        intraOpThreads: key(
          Type.Integer({ default: 1, minimum: 0 }),
          'ONNX Runtime threads inside one operator (0 lets ONNX Runtime choose).',
        ),
        interOpThreads: key(
          Type.Integer({ default: 1, minimum: 0 }),
          'ONNX Runtime threads across operators (0 lets ONNX Runtime choose).',
        ),
        graphOptimizationLevel: key(
          Type.Union(
            [Type.Literal('disabled'), Type.Literal('basic'), Type.Literal('extended'), Type.Literal('all')],
            {
              default: 'all',
            },
          ),
          'ONNX Runtime graph optimisation level.',
        ),
        warmup: key(
          Type.Boolean({ default: true }),
          'Run one synthetic input through a model before it reports ready.',
        ),
        loadRetryMs: key(
          Type.Integer({ default: 30_000, minimum: 0 }),
          'After a failed load, how long requests get the load error before the next attempt.',
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    models: Type.Object(
      {
        preload: key(
          Type.Array(Type.String({ minLength: 1 }), { default: [] }),
          'Models loaded at start, as `name`, `name@alias` or `name:version`; others load on first request.',
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    log: Type.Object(
      {
        level: key(
          Type.Union(
            ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) =>
              Type.Literal(level),
            ),
            { default: 'info' },
          ),
          'Log level of the JSON logs written to stdout.',
        ),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);

/** Ferry's validated configuration. */
export type FerryConfig = Static<typeof ConfigSchema>;
