import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { ConfigSchema, type FerryConfig } from './config-schema.js';
import { FerryError } from './errors.js';

export { ALERT_METRICS, ConfigSchema, type FerryConfig } from './config-schema.js';

/** A leaf key of the schema: its dotted path, schema, and environment variable name. */
export interface ConfigKey {
  readonly path: string;
  readonly schema: TSchema;
  readonly env: string;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const toEnvName = (path: string): string =>
  'FERRY_' +
  path
    .split('.')
    .map((segment) => segment.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase())
    .join('_');

/** Every leaf key of the configuration schema, in schema order. */
export function configKeys(schema: TSchema = ConfigSchema, prefix = ''): ConfigKey[] {
  const keys: ConfigKey[] = [];
  const properties = (schema as { properties?: Record<string, TSchema> }).properties ?? {};
  for (const [name, child] of Object.entries(properties)) {
    const path = prefix === '' ? name : `${prefix}.${name}`;
    // A nested section recurses; a record (free keys, like models.overrides) is one key.
    if ((child as { properties?: unknown }).properties !== undefined) keys.push(...configKeys(child, path));
    else keys.push({ path, schema: child, env: toEnvName(path) });
  }
  return keys;
}

/** Short environment names kept for convenience, beside the generated `FERRY_SERVER_HOST` etc. */
const ENV_ALIASES: Record<string, string> = { FERRY_HOST: 'server.host', FERRY_PORT: 'server.port' };

function setPath(target: Json, path: string, value: unknown): void {
  const segments = path.split('.');
  let node = target;
  for (const segment of segments.slice(0, -1)) {
    const next = node[segment];
    if (!isObject(next)) node[segment] = {};
    node = node[segment] as Json;
  }
  node[segments[segments.length - 1] as string] = value;
}

function deepMerge(base: Json, override: Json): Json {
  const out: Json = { ...base };
  for (const [name, value] of Object.entries(override)) {
    if (value === undefined) continue;
    const current = out[name];
    out[name] = isObject(current) && isObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

function parseJsonEnv(key: ConfigKey, raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new FerryError('INVALID_CONFIG', `${key.env} must be JSON (config key ${key.path})`);
  }
}

/** Turn an environment string into the type the schema expects for that key. */
function coerceEnv(key: ConfigKey, raw: string): unknown {
  const type = (key.schema as { type?: string }).type;
  if (type === 'integer' || type === 'number') {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value)) {
      throw new FerryError('INVALID_CONFIG', `${key.env}=${raw} is not a number (config key ${key.path})`);
    }
    return value;
  }
  if (type === 'boolean') {
    if (/^(true|1|yes)$/i.test(raw)) return true;
    if (/^(false|0|no)$/i.test(raw)) return false;
    throw new FerryError('INVALID_CONFIG', `${key.env}=${raw} is not a boolean (config key ${key.path})`);
  }
  if (type === 'array') {
    if (raw.trim().startsWith('[')) return parseJsonEnv(key, raw);
    const items = raw
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
    const itemType = (key.schema as { items?: { type?: string } }).items?.type;
    return itemType === 'integer' || itemType === 'number' ? items.map(Number) : items;
  }
  if (type === 'object') return parseJsonEnv(key, raw);
  return raw;
}

function fromEnv(env: NodeJS.ProcessEnv): Json {
  const out: Json = {};
  const keys = configKeys();
  for (const key of keys) {
    const raw = env[key.env];
    if (raw !== undefined) setPath(out, key.path, coerceEnv(key, raw));
  }
  for (const [name, path] of Object.entries(ENV_ALIASES)) {
    const raw = env[name];
    const key = keys.find((candidate) => candidate.path === path);
    if (raw !== undefined && key !== undefined) setPath(out, path, coerceEnv({ ...key, env: name }, raw));
  }
  return out;
}

function readFile(path: string): Json {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new FerryError('INVALID_CONFIG', `cannot read config file ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (parsed === null || parsed === undefined) return {};
  if (!isObject(parsed))
    throw new FerryError('INVALID_CONFIG', `config file ${path} must hold a YAML mapping`);
  return parsed;
}

/** Where the configuration comes from, lowest precedence first: file, then environment, then flags. */
export interface ConfigSources {
  /** Path of a YAML file; when absent, `ferry.yaml` in `cwd` is read if it exists. */
  readonly file?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
  /** Values from command-line flags, as a partial config object. */
  readonly overrides?: Json;
  readonly cwd?: string;
}

/** Check a merged config object against the schema; fill defaults; reject unknown keys. */
export function validateConfig(input: Json): FerryConfig {
  const withDefaults = Value.Default(ConfigSchema, structuredClone(input)) as Json;
  const errors = [...Value.Errors(ConfigSchema, withDefaults)];
  if (errors.length > 0) {
    const lines = errors.slice(0, 5).map((error) => {
      const path = error.path.replace(/^\//, '').replaceAll('/', '.') || '(root)';
      return /unexpected property/i.test(error.message) ? `unknown key ${path}` : `${path}: ${error.message}`;
    });
    throw new FerryError(
      'INVALID_CONFIG',
      `invalid configuration: ${lines.join('; ')}. See docs/reference/config.md for every key.`,
    );
  }
  return withDefaults as FerryConfig;
}

/** Load the configuration: defaults, then the YAML file, then `FERRY_*` environment, then flags. */
export function loadConfig(sources: ConfigSources = {}): FerryConfig {
  const cwd = sources.cwd ?? process.cwd();
  let fileConfig: Json = {};
  if (sources.file !== undefined) {
    const path = resolve(cwd, sources.file);
    if (!existsSync(path)) throw new FerryError('INVALID_CONFIG', `config file ${path} does not exist`);
    fileConfig = readFile(path);
  } else if (existsSync(resolve(cwd, 'ferry.yaml'))) {
    fileConfig = readFile(resolve(cwd, 'ferry.yaml'));
  }
  const merged = deepMerge(
    deepMerge(fileConfig, fromEnv(sources.env ?? process.env)),
    sources.overrides ?? {},
  );
  return validateConfig(merged);
}

/** The value at a dotted path of a config object (used by `ferry config print` and the docs). */
export function valueAt(config: unknown, path: string): unknown {
  let node: unknown = config;
  for (const segment of path.split('.')) node = isObject(node) ? node[segment] : undefined;
  return node;
}
