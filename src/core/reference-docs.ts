import { writeFileSync } from 'node:fs';
import { configKeys, valueAt } from './config.js';
import { ConfigSchema } from './config-schema.js';
import { errorCatalog } from './errors.js';
import { Value } from '@sinclair/typebox/value';

const GENERATED =
  '<!-- Generated from the code by `npm run docs:reference`; a test keeps it equal. Do not edit by hand. -->';

/** `docs/reference/errors.md`: every error code, its HTTP status and meaning. */
export function renderErrorsDoc(): string {
  const rows = Object.entries(errorCatalog).map(
    ([code, { status, meaning }]) => `| \`${code}\` | ${status} | ${meaning} |`,
  );
  return [
    '# Error codes',
    '',
    GENERATED,
    '',
    'Every error Ferry answers carries one of these stable codes. On the inference protocol routes (`/v2/…`)',
    'the body is the protocol\'s `{"error": "<message>", "code": "<CODE>"}`; on the management routes',
    '(`/api/v1/…`) it is `{"error": {"code": "<CODE>", "message": "<message>", "details": {…}}}`. The CLI prints',
    '`error: <message> [<CODE>]` and exits with status 1.',
    '',
    '| Code | HTTP status | Meaning |',
    '| --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

function formatDefault(value: unknown): string {
  if (value === '') return '`""`';
  return `\`${JSON.stringify(value)}\``;
}

/** `docs/reference/config.md`: every configuration key with its default, environment variable and meaning. */
export function renderConfigDoc(): string {
  const defaults = Value.Default(ConfigSchema, {}) as Record<string, unknown>;
  const rows = configKeys().map((key) => {
    const description = (key.schema as { description?: string }).description ?? '';
    return `| \`${key.path}\` | ${formatDefault(valueAt(defaults, key.path))} | \`${key.env}\` | ${description} |`;
  });
  return [
    '# Configuration',
    '',
    GENERATED,
    '',
    'Ferry reads one typed configuration, in this order (later wins):',
    '',
    '1. the defaults below;',
    '2. a YAML file: `--config <file>`, or `ferry.yaml` in the working directory when present;',
    '3. environment variables (`FERRY_HOST` and `FERRY_PORT` are short forms of `FERRY_SERVER_HOST` and `FERRY_SERVER_PORT`;',
    '   list values are comma-separated);',
    '4. command-line flags (`--host`, `--port`, `--data-dir`, `--database`, `--preload`, `--log-level`).',
    '',
    'Unknown keys in the file are an error naming the key. `ferry config print` shows the configuration in effect.',
    '',
    'Example `ferry.yaml`:',
    '',
    '```yaml',
    'server:',
    '  port: 9000',
    '  maxTensorElements: 1000000',
    'database:',
    '  url: postgres://ferry@db.internal:5432/ferry',
    'models:',
    '  preload: [penguin-species@production]',
    '```',
    '',
    '| Key | Default | Environment | Meaning |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

/** Write both generated reference pages under `root/docs/reference/`. */
export function writeReferenceDocs(root = '.'): void {
  writeFileSync(`${root}/docs/reference/errors.md`, renderErrorsDoc());
  writeFileSync(`${root}/docs/reference/config.md`, renderConfigDoc());
}
