import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * The one configuration schema. Every key has its default and a one-line description beside it;
 * `docs/reference/config.md` is generated from this schema (`npm run docs:reference`) and a test
 * keeps the two equal.
 */
const key = <T extends TSchema>(schema: T, description: string): T => ({ ...schema, description });

/**
 * Serving settings of one model version: batching, queueing, deadlines, cache. `serving` holds the
 * defaults; `models.overrides.<name>` may change any of them for one model.
 */
function servingSettings(withDefaults: boolean) {
  const d = <T>(value: T) => (withDefaults ? { default: value } : {});
  return Type.Object(
    {
      maxBatchSize: key(
        Type.Integer({ minimum: 0, ...d(64) }),
        'Most rows the dynamic batcher puts in one run; 0 runs each request alone. Models whose inputs and outputs have no leading -1 dimension never batch.',
      ),
      maxQueueDelayMs: key(
        Type.Number({ minimum: 0, ...d(2) }),
        'How long a request may wait for others to fill a batch while a run is in flight. A request arriving while the model is idle is dispatched at once.',
      ),
      preferredBatchSizes: key(
        Type.Array(Type.Integer({ minimum: 1 }), d([])),
        'Batch sizes dispatched without waiting out maxQueueDelayMs (e.g. [8, 32, 64]).',
      ),
      maxConcurrentRuns: key(
        Type.Integer({ minimum: 0, ...d(0) }),
        'Runs of one version in flight at once; 0 means one per runtime worker.',
      ),
      maxQueueSize: key(
        Type.Integer({ minimum: 1, ...d(512) }),
        'Requests waiting per version; beyond it requests are refused at once with 503 OVERLOADED and Retry-After.',
      ),
      defaultTimeoutMs: key(
        Type.Number({ minimum: 1, ...d(30_000) }),
        "Deadline of a request that sets none (the protocol's `timeout` parameter, in µs, or the `x-ferry-timeout-ms` header).",
      ),
      cacheEnabled: key(
        Type.Boolean(d(false)),
        'Answer repeated identical requests from a response cache (per version, never across versions).',
      ),
    },
    { additionalProperties: false, ...(withDefaults ? { default: {} } : {}) },
  );
}

/**
 * Monitoring settings of one model. `monitoring.*` holds the defaults; `monitoring.overrides.<name>`
 * may change any of them for one model.
 */
function modelMonitoring(withDefaults: boolean) {
  const d = <T>(value: T) => (withDefaults ? { default: value } : {});
  const Redaction = Type.Object(
    {
      drop: key(Type.Array(Type.String(), d([])), 'Fields (input features or outputs) never stored.'),
      hash: key(
        Type.Array(Type.String(), d([])),
        'Fields stored as an HMAC-SHA256 keyed by a per-database salt (joinable, not readable).',
      ),
      mask: key(
        Type.Array(
          Type.Object(
            {
              pattern: Type.String({ minLength: 1 }),
              replacement: Type.String(),
              fields: Type.Optional(Type.Array(Type.String())),
            },
            { additionalProperties: false },
          ),
          d([]),
        ),
        'Regular expressions replaced in string values (of `fields`, or of every string when absent).',
      ),
    },
    { additionalProperties: false, ...d({}) },
  );
  return Type.Object(
    {
      sampleRate: key(
        Type.Number({ minimum: 0, maximum: 1, ...d(1) }),
        'Share of predictions written to the prediction log and profiled (1 = all).',
      ),
      validation: key(
        Type.Union([Type.Literal('off'), Type.Literal('flag'), Type.Literal('reject')], d('flag')),
        'Input validation against the reference profile: off, flag (log and count), reject (400 INVALID_INPUT).',
      ),
      redact: withDefaults ? Redaction : Type.Partial(Redaction),
      task: key(
        Type.Union(
          [Type.Literal('auto'), Type.Literal('classification'), Type.Literal('regression')],
          d('auto'),
        ),
        'What live performance means: auto reads it from the signature (an output with labels is a classifier).',
      ),
      predictionOutput: key(
        Type.String(d('')),
        'Output holding the prediction (class label or value); empty picks it from the signature.',
      ),
      scoreOutput: key(
        Type.String(d('')),
        'Output holding class probabilities (for ROC AUC and log loss); empty picks it from the signature.',
      ),
      positiveClass: key(
        Type.String(d('')),
        'Class counted as the positive outcome for precision, recall and fairness; empty uses macro averages.',
      ),
      sensitiveFeature: key(
        Type.String(d('')),
        'Feature whose groups fairness compares; empty turns fairness off.',
      ),
      sliceFeatures: key(Type.Array(Type.String(), d([])), 'Features live performance is also reported by.'),
    },
    { additionalProperties: false, ...d({}) },
  );
}

// --- alerts (src/monitoring/alerts) ---
/** Names of webhooks and of alert rules. */
const ALERT_CHANNEL_NAME = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$';

/** Every metric an alert rule can watch (a closed list): `alerts.rules[].metric`, and the alert evaluator's `MetricName`. */
export const ALERT_METRICS = [
  /** Share of the model's features that drift in the window (0–1). */
  'drift.share',
  /** Drift score of one feature (the rule's `feature`), as the drift test reports it. */
  'drift.feature',
  /** Share of the window's predictions whose inputs validation flagged (0–1). */
  'validation.flag_rate',
  'performance.accuracy',
  'performance.f1',
  'performance.roc_auc',
  'performance.mae',
  'performance.rmse',
  'performance.log_loss',
  'fairness.demographic_parity_ratio',
  'fairness.demographic_parity_difference',
  'fairness.equalized_odds_difference',
  /** 99th percentile of inference latency in the window, in seconds. */
  'latency.p99_seconds',
  /** Share of the window's inference requests answered with an error (0–1). */
  'errors.rate',
] as const;

const alertRuleDescription =
  'Alert rules: `{name, model (a name or *), metric, feature (drift.feature only), op (above or below), threshold, forWindows: 1, severity (info, warning or critical; default warning), actions: [webhook:<name>, retrain]}`; see docs/guides/alerts.md.';

/** One alert rule: a metric of a model compared with a threshold in each window. */
function alertRule() {
  return Type.Object(
    {
      name: Type.String({ pattern: ALERT_CHANNEL_NAME }),
      model: Type.String({ minLength: 1 }),
      metric: Type.Union(ALERT_METRICS.map((metric) => Type.Literal(metric))),
      feature: Type.Optional(Type.String({ minLength: 1 })),
      op: Type.Union([Type.Literal('above'), Type.Literal('below')]),
      threshold: Type.Number(),
      forWindows: Type.Integer({ minimum: 1, maximum: 1000, default: 1 }),
      severity: Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')], {
        default: 'warning',
      }),
      actions: Type.Array(Type.String({ pattern: '^(retrain|webhook:[A-Za-z0-9][A-Za-z0-9_.-]{0,63})$' }), {
        default: [],
      }),
    },
    { additionalProperties: false },
  );
}

/** One webhook: where alert notifications are POSTed, and how they are signed and retried. */
function alertWebhook() {
  return Type.Object(
    {
      url: Type.String({ minLength: 1 }),
      secret: Type.Optional(Type.String()),
      secretEnv: Type.Optional(Type.String({ minLength: 1 })),
      timeoutMs: Type.Integer({ minimum: 100, default: 5000 }),
      attempts: Type.Integer({ minimum: 1, default: 5 }),
      backoffMs: Type.Integer({ minimum: 0, default: 1000 }),
    },
    // A default on the value schema is what makes TypeBox fill the defaults of a record's values.
    { additionalProperties: false, default: {} },
  );
}
// --- end alerts ---

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
          Type.Integer({ default: 8_388_608, minimum: 1024 }),
          'Largest JSON request body (bytes). Parsing JSON holds the event loop (about 9 ms per MiB measured): send large tensors as binary.',
        ),
        binaryBodyLimitBytes: key(
          Type.Integer({ default: 268_435_456, minimum: 1024 }),
          'Largest inference body using the binary tensor extension (bytes); its tensors are copied, not parsed.',
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
        placement: key(
          Type.Union([Type.Literal('auto'), Type.Literal('workers'), Type.Literal('inline')], {
            default: 'auto',
          }),
          'Where sessions run: `workers` (worker threads, off the event loop), `inline` (on the event loop: no thread hop, but a run holds it), `auto` (workers when more than one core is available, else inline).',
        ),
        workers: key(
          Type.Integer({ default: 0, minimum: 0, maximum: 64 }),
          'Worker threads when sessions run in workers; 0 means one per available core.',
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
        overrides: key(
          Type.Record(Type.String(), Type.Partial(servingSettings(false)), { default: {} }),
          'Serving settings for one model, by model name, overriding `serving.*` (e.g. `{fraud: {maxBatchSize: 16, cacheEnabled: true}}`).',
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    serving: servingSettings(true),
    cache: Type.Object(
      {
        maxBytes: key(
          Type.Integer({ minimum: 0, default: 67_108_864 }),
          'Size of the response cache shared by every model that enables it (bytes; least recently used entries go first).',
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    jobs: Type.Object(
      {
        enabled: key(
          Type.Boolean({ default: true }),
          'Accept async inference jobs on /api/v1/jobs and run them on this server; false removes the routes and workers.',
        ),
        concurrency: key(
          Type.Integer({ default: 2, minimum: 0, maximum: 256 }),
          'Jobs this process runs at once; 0 accepts jobs but leaves running them to other replicas.',
        ),
        pollIntervalMs: key(
          Type.Integer({ default: 200, minimum: 10 }),
          'How often an idle worker looks for queued jobs and expired leases in the database.',
        ),
        leaseMs: key(
          Type.Integer({ default: 30_000, minimum: 200 }),
          'How long a claimed job is reserved for its worker; renewed while it runs, so it only lapses when the worker dies.',
        ),
        maxAttempts: key(
          Type.Integer({ default: 3, minimum: 1 }),
          'Runs of one job (server errors and expired leases) before it is marked failed; errors in the request fail it at once.',
        ),
        resultTtlMs: key(
          Type.Integer({ default: 86_400_000, minimum: 1000 }),
          'How long a finished job and its result stay readable before they are deleted.',
        ),
        allowLoopbackCallbacks: key(
          Type.Boolean({ default: false }),
          'Allow callback URLs on loopback addresses (127.0.0.0/8, ::1, localhost); link-local and metadata addresses are always refused.',
        ),
        callbackAttempts: key(
          Type.Integer({ default: 5, minimum: 1 }),
          'Deliveries tried per callback before it is marked failed.',
        ),
        callbackBackoffMs: key(
          Type.Integer({ default: 500, minimum: 0 }),
          'Wait before the second callback delivery; doubled before each further one.',
        ),
        callbackTimeoutMs: key(
          Type.Integer({ default: 5000, minimum: 100 }),
          'How long one callback delivery may take before it counts as failed.',
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    monitoring: Type.Object(
      {
        enabled: key(
          Type.Boolean({ default: true }),
          "Log, profile and watch predictions; false stops the prediction log, live profiles, drift and alerts on them (validation 'reject' still refuses bad inputs).",
        ),
        bufferSize: key(
          Type.Integer({ minimum: 1, default: 10_000 }),
          'Predictions held for writing; when full, new ones are dropped and counted (inference never waits).',
        ),
        flushIntervalMs: key(
          Type.Integer({ minimum: 10, default: 1000 }),
          'How often buffered predictions are written.',
        ),
        flushAtFill: key(
          Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.5 }),
          'Share of bufferSize that, once buffered, starts a write at once instead of at the next flushIntervalMs tick, so a burst does not fill the buffer between ticks; 1 writes on the tick only.',
        ),
        windowMs: key(
          Type.Integer({ minimum: 1000, default: 3_600_000 }),
          'Length of a monitoring window (live profiles, drift, performance, fairness). Windows of a few seconds are for tests and demos; keep alerts.evaluateIntervalMs and the flush intervals below the window.',
        ),
        retentionMaxAgeMs: key(
          Type.Integer({ minimum: 60_000, default: 604_800_000 }),
          'Predictions and feedback older than this are deleted (default 7 days).',
        ),
        retentionMaxRows: key(
          Type.Integer({ minimum: 1000, default: 1_000_000 }),
          'Most predictions kept; the oldest beyond it are deleted.',
        ),
        rangeTolerance: key(
          Type.Number({ minimum: 0, default: 0.1 }),
          'Validation range: the reference min/max widened by this share of the reference range.',
        ),
        minWindowRows: key(
          Type.Integer({ minimum: 1, default: 30 }),
          'Rows a window needs before drift, performance or fairness give a verdict.',
        ),
        smallSampleRows: key(
          Type.Integer({ minimum: 1, default: 1000 }),
          'Windows up to this size use p-value tests (KS, chi-square); larger ones use distances (Wasserstein, Jensen–Shannon), as Evidently does.',
        ),
        pValueThreshold: key(
          Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.05 }),
          'A feature drifts when its test p-value is below this.',
        ),
        distanceThreshold: key(
          Type.Number({ exclusiveMinimum: 0, default: 0.1 }),
          'A feature drifts when its normed Wasserstein or Jensen–Shannon distance is at least this.',
        ),
        datasetDriftShare: key(
          Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.5 }),
          'The dataset drifts when at least this share of its features drift.',
        ),
        // --- profiles, validation and drift (src/monitoring/{profiles,validation,drift}) ---
        profileFlushIntervalMs: key(
          Type.Integer({ minimum: 10, default: 5000 }),
          'How often each replica writes its live profiles (one row per version, window and replica) to the database.',
        ),
        referenceMaxBytes: key(
          Type.Integer({ minimum: 1024, default: 67_108_864 }),
          'Largest reference dataset (CSV or NDJSON) a PUT …/reference accepts (bytes); it is held in memory while it is profiled.',
        ),
        // --- end profiles, validation and drift ---
        fairnessMinGroupSize: key(
          Type.Integer({ minimum: 1, default: 30 }),
          'Groups smaller than this get no fairness verdict.',
        ),
        ...modelMonitoring(true).properties,
        overrides: key(
          Type.Record(Type.String(), Type.Partial(modelMonitoring(false)), { default: {} }),
          'Monitoring settings for one model, by model name, overriding the per-model keys above.',
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    // --- alerts (src/monitoring/alerts): rules, webhooks and the retraining trigger ---
    alerts: Type.Object(
      {
        evaluateIntervalMs: key(
          Type.Integer({ minimum: 100, default: 60_000 }),
          'How often each process evaluates the alert rules against the last complete window.',
        ),
        windowMs: key(
          Type.Integer({ minimum: 0, default: 0 }),
          'Length of an alert window, aligned to the Unix epoch; 0 uses monitoring.windowMs (drift, performance and fairness are only computed per monitoring window).',
        ),
        allowLoopbackWebhooks: key(
          Type.Boolean({ default: false }),
          'Allow webhook and retrain URLs on loopback addresses (127.0.0.0/8, ::1, localhost); link-local and metadata addresses are always refused.',
        ),
        rules: key(Type.Array(alertRule(), { default: [] }), alertRuleDescription),
        webhooks: key(
          Type.Record(Type.String({ pattern: ALERT_CHANNEL_NAME }), alertWebhook(), { default: {} }),
          'Webhooks by name, used by rules as `webhook:<name>`: `{url, secret or secretEnv, timeoutMs: 5000, attempts: 5, backoffMs: 1000}`. Give the secret by environment variable name (`secretEnv`), not in the file.',
        ),
        retrain: Type.Object(
          {
            url: key(
              Type.String({ default: '' }),
              'Pipeline URL the retraining manifest is POSTed to (signed like a webhook); set this or `command`.',
            ),
            command: key(
              Type.Array(Type.String({ minLength: 1 }), { default: [] }),
              'Command run without a shell, with the manifest path as its last argument (e.g. [python, retrain.py]); set this or `url`.',
            ),
            secret: key(
              Type.String({ default: '' }),
              'HMAC-SHA256 key signing manifests POSTed to `url`; prefer `secretEnv`.',
            ),
            secretEnv: key(
              Type.String({ default: '' }),
              'Name of the environment variable holding the signing key of `url`.',
            ),
            exportRows: key(
              Type.Integer({ minimum: 1, default: 100_000 }),
              'Most recent predictions with feedback (ground truth) exported as the training set of a retraining trigger.',
            ),
            exportWindowMs: key(
              Type.Integer({ minimum: 60_000, default: 604_800_000 }),
              'How far back the exported predictions reach (default 7 days).',
            ),
            timeoutMs: key(
              Type.Integer({ minimum: 100, default: 60_000 }),
              'How long one POST of the manifest or one run of the command may take.',
            ),
            attempts: key(
              Type.Integer({ minimum: 1, default: 3 }),
              'Deliveries of one manifest (POST or command run) before it is marked failed.',
            ),
            backoffMs: key(
              Type.Integer({ minimum: 0, default: 5000 }),
              'Wait before the second delivery of a manifest; doubled before each further one.',
            ),
          },
          { additionalProperties: false, default: {} },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    // --- end alerts ---
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
