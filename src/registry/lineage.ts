import { FerryError } from '../core/index.js';
import { isPlainObject } from './plain-object.js';
import type { Lineage } from './registry-types.js';

const LINEAGE_KEYS = ['trainingData', 'code', 'parameters', 'metrics'] as const;
const TRAINING_DATA_KEYS = ['uri', 'digest'] as const;

function invalid(message: string): FerryError {
  return new FerryError('INVALID_LINEAGE', message);
}

function rejectUnknownKeys(value: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw invalid(`${where} has an unknown key '${key}'; the allowed keys are ${allowed.join(', ')}`);
    }
  }
}

function nonEmptyString(value: unknown, where: string, example: string): string {
  if (typeof value === 'string' && value.trim() !== '') return value;
  throw invalid(`${where} must be a non-empty string (${example})`);
}

function trainingData(value: unknown): NonNullable<Lineage['trainingData']> {
  if (!isPlainObject(value)) {
    throw invalid('lineage.trainingData must be an object like {"uri": "s3://bucket/train.parquet"}');
  }
  rejectUnknownKeys(value, TRAINING_DATA_KEYS, 'lineage.trainingData');
  const uri = nonEmptyString(value.uri, 'lineage.trainingData.uri', 'where the training data lives');
  if (value.digest === undefined) return { uri };
  const digest = nonEmptyString(value.digest, 'lineage.trainingData.digest', 'e.g. sha256:<hex>');
  return { uri, digest };
}

function parameters(value: unknown): Record<string, unknown> {
  if (!isPlainObject(value)) {
    throw invalid('lineage.parameters must be an object of training parameters, e.g. {"epochs": 20}');
  }
  try {
    return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
  } catch (error) {
    throw new FerryError('INVALID_LINEAGE', 'lineage.parameters must hold JSON values only', {
      cause: error,
    });
  }
}

function metrics(value: unknown): Record<string, number> {
  if (!isPlainObject(value)) {
    throw invalid('lineage.metrics must be an object of numbers, e.g. {"auc": 0.91}');
  }
  const result: Record<string, number> = {};
  for (const [name, metric] of Object.entries(value)) {
    if (typeof metric !== 'number' || !Number.isFinite(metric)) {
      throw invalid(
        `lineage.metrics.${name} must be a finite number, got ${JSON.stringify(metric) ?? 'nothing'}`,
      );
    }
    result[name] = metric;
  }
  return result;
}

/**
 * Check where a version came from and return a clean copy. Only the documented keys are allowed
 * (trainingData {uri, digest?}, code, parameters, metrics); INVALID_LINEAGE names the bad key.
 */
export function validateLineage(value: unknown): Lineage {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) {
    throw invalid(`lineage must be an object with the keys ${LINEAGE_KEYS.join(', ')}`);
  }
  rejectUnknownKeys(value, LINEAGE_KEYS, 'lineage');
  return {
    ...(value.trainingData === undefined ? {} : { trainingData: trainingData(value.trainingData) }),
    ...(value.code === undefined
      ? {}
      : { code: nonEmptyString(value.code, 'lineage.code', 'e.g. git+https://example.com/repo@<commit>') }),
    ...(value.parameters === undefined ? {} : { parameters: parameters(value.parameters) }),
    ...(value.metrics === undefined ? {} : { metrics: metrics(value.metrics) }),
  };
}
