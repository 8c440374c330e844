import { describe, expect, it } from 'vitest';
import { FerryError, validateConfig } from '../../core/index.js';
import type { VersionRecord } from '../../registry/index.js';
import type { RuntimeTensor } from '../../runtime/index.js';
import type { ReferenceRecord } from '../profiles/reference-store.js';
import { VersionProfile } from '../profiles/version-profile.js';
import { CategoricalProfile, NumericProfile } from '../stats/index.js';
import { groupOfRecords, SegmentColumns } from '../log/segment-columns.js';
import type { FeatureValue } from '../features/extract-rows.js';
import { InputValidator } from './input-validator.js';
import { checkRequest } from './request-check.js';
import { ValidationRules } from './validation-rules.js';

/** temp_max in [-1.6, 35.6] (no missing), weather in {sun, rain}, humidity with missing values. */
const reference: ReferenceRecord = {
  model: 'weather',
  version: 1,
  profile: VersionProfile.of([
    [
      'temp_max',
      { kind: 'numeric', source: 'input', profile: NumericProfile.fromValues([-1.6, 10, 20, 35.6]) },
    ],
    [
      'weather',
      {
        kind: 'categorical',
        source: 'input',
        profile: CategoricalProfile.fromValues(['sun', 'rain', 'sun']),
      },
    ],
    ['humidity', { kind: 'numeric', source: 'input', profile: NumericProfile.fromValues([40, null, 80]) }],
    ['rain_mm', { kind: 'numeric', source: 'output', profile: NumericProfile.fromValues([0, 5]) }],
  ]),
  source: 'train.csv',
  digest: 'sha256:ab',
  rows: 4,
  notes: [],
  createdAt: '2026-03-02T10:00:00.000Z',
  createdBy: 'test',
};

const version = {
  model: 'weather',
  version: 1,
  signature: {
    inputs: [
      { name: 'x', datatype: 'FP32', shape: [-1, 2], features: ['temp_max', 'humidity'] },
      { name: 'weather', datatype: 'BYTES', shape: [-1] },
    ],
    outputs: [{ name: 'rain_mm', datatype: 'FP32', shape: [-1] }],
  },
} as unknown as VersionRecord;

const inputs = (rows: [number, number, string][]): Record<string, RuntimeTensor> => ({
  x: { datatype: 'FP32', shape: [rows.length, 2], data: new Float32Array(rows.flatMap(([t, h]) => [t, h])) },
  weather: { datatype: 'BYTES', shape: [rows.length], data: rows.map(([, , w]) => w) },
});

/** The flags of one stored row with these input features (undefined: not flagged). */
function flagOne(v: InputValidator, features: Record<string, FeatureValue>): readonly string[] | undefined {
  const columns = SegmentColumns.fromRecords([
    {
      requestId: 'r',
      at: '2026-03-02T10:00:00.000Z',
      model: 'weather',
      version: 1,
      features,
      outputs: {},
      latencyMs: 1,
      status: 'ok',
      caller: 'anonymous',
    },
  ]);
  return v.flag(columns).get(0);
}

function validator(validation: 'off' | 'flag' | 'reject', overrides: Record<string, unknown> = {}) {
  const counted: unknown[][] = [];
  const config = validateConfig({ monitoring: { validation, rangeTolerance: 0.1, ...overrides } });
  const references = { peek: () => reference, get: () => Promise.resolve(reference) };
  const observer = { validationFlagged: (...args: unknown[]) => counted.push(args) };
  return { validator: new InputValidator(config, references, observer), counted };
}

describe('validation rules', () => {
  it('widen the reference range by the tolerance and allow missing values only where the reference had some', () => {
    const rules = ValidationRules.fromReference(reference.profile, 0.1);
    expect(rules.featureNames).toEqual(['temp_max', 'weather', 'humidity']);
    // 35.6 + 0.1 · 37.2 = 39.32
    expect(rules.check({ temp_max: 39.3, weather: 'sun', humidity: null })).toEqual([]);
    expect(rules.check({ temp_max: 39.4, weather: 'hail', humidity: 200 })).toEqual([
      { feature: 'temp_max', reason: 'above_range', value: 39.4 },
      { feature: 'weather', reason: 'unknown_category', value: 'hail' },
      { feature: 'humidity', reason: 'above_range', value: 200 },
    ]);
    expect(rules.check({ temp_max: null, weather: null })).toEqual([
      { feature: 'temp_max', reason: 'missing', value: null },
      { feature: 'weather', reason: 'missing', value: null },
    ]);
    // Absent (dropped) and skipped (hashed) features are not checked.
    expect(rules.check({ humidity: -100 }, new Set(['humidity']))).toEqual([]);
  });

  it('accept any category when the reference overflowed its category cap', () => {
    const open = VersionProfile.of([
      [
        'city',
        {
          kind: 'categorical',
          source: 'input',
          profile: CategoricalProfile.fromValues(['a', 'b', 'c'], { maxCategories: 2 }),
        },
      ],
    ]);
    expect(ValidationRules.fromReference(open, 0).check({ city: 'zzz' })).toEqual([]);
  });
});

describe('input validation', () => {
  it('rejects a request naming each offending feature, its value and why', () => {
    const { validator: v } = validator('reject');
    expect(v.check(version, inputs([[20, 50, 'sun']]))).toBeUndefined();
    let error: unknown;
    try {
      error = v.check(
        version,
        inputs([
          [20, 50, 'sun'],
          [48.2, 50, 'hail'],
          [45, 50, 'rain'],
        ]),
      );
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(FerryError);
    expect((error as FerryError).code).toBe('INVALID_INPUT');
    expect((error as FerryError).message).toBe(
      "input fails validation against the reference profile of model 'weather' version 1: " +
        "feature 'temp_max' = 48.2 (row 1 and 1 more row) is above the reference range [-1.6, 35.6] (monitoring.rangeTolerance 0.1); " +
        "feature 'weather' = 'hail' (row 1) is not a category seen in the reference (monitoring.validation is reject)",
    );
    expect((error as FerryError).details?.violations).toEqual([
      { feature: 'temp_max', reason: 'above_range', value: 48.2, row: 1 },
      { feature: 'weather', reason: 'unknown_category', value: 'hail', row: 1 },
      { feature: 'temp_max', reason: 'above_range', value: 45, row: 2 },
    ]);
  });

  it('flags stored rows without quoting values and counts the flags per feature and reason', () => {
    const { validator: v, counted } = validator('flag');
    expect(v.check(version, inputs([[99, 50, 'hail']]))).toBeUndefined(); // flag never refuses
    const reasons = flagOne(v, { temp_max: 99, humidity: 50, weather: 'hail' });
    expect(reasons).toEqual([
      "feature 'temp_max' is above the reference range [-1.6, 35.6] (monitoring.rangeTolerance 0.1)",
      "feature 'weather' is not a category seen in the reference",
    ]);
    expect(flagOne(v, { temp_max: 20, humidity: null, weather: 'sun' })).toBeUndefined();
    const record = (flags?: readonly string[]) => ({
      requestId: 'r',
      at: '2026-03-02T10:00:00.000Z',
      model: 'weather',
      version: 1,
      features: {},
      outputs: {},
      latencyMs: 1,
      status: 'ok' as const,
      caller: 'anonymous',
      ...(flags === undefined ? {} : { flags }),
    });
    v.countFlags({
      groups: [groupOfRecords([], [record(reasons), record(reasons?.slice(0, 1)), record()])],
    });
    expect(counted).toEqual([
      ['weather', 1, 'temp_max', 'above_range', 2],
      ['weather', 1, 'weather', 'unknown_category', 1],
    ]);
  });

  it('does not flag what redaction hashed or masks, and does nothing when off', () => {
    const { validator: hashed } = validator('flag', {
      redact: { hash: ['weather'], mask: [{ pattern: 'x', replacement: 'y' }] },
    });
    expect(flagOne(hashed, { temp_max: 20, weather: '9f86d08…' })).toBeUndefined();
    const { validator: off } = validator('off');
    expect(off.check(version, inputs([[99, 50, 'hail']]))).toBeUndefined();
    expect(flagOne(off, { temp_max: 99 })).toBeUndefined();
  });

  it('loads the reference on the first request of a version, then checks synchronously', async () => {
    const config = validateConfig({ monitoring: { validation: 'reject' } });
    let cached: ReferenceRecord | undefined;
    const references = {
      peek: () => cached,
      get: () => Promise.resolve((cached = reference)),
    };
    const v = new InputValidator(config, references);
    const first = v.check(version, inputs([[99, 50, 'sun']]));
    expect(first).toBeInstanceOf(Promise);
    await expect(first).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(() => v.check(version, inputs([[99, 50, 'sun']]))).toThrow(/temp_max/);
  });
});

describe('checking a request on the hot path', () => {
  it('reads values as the prediction log stores them: float32 at a bound, NaN as missing, integers and text', () => {
    const profile = VersionProfile.of([
      ['p', { kind: 'numeric', source: 'input', profile: NumericProfile.fromValues([0.1, 0.3]) }],
      ['n', { kind: 'numeric', source: 'input', profile: NumericProfile.fromValues([1, 5]) }],
      ['code', { kind: 'categorical', source: 'input', profile: CategoricalProfile.fromValues(['7', '8']) }],
    ]);
    const rules = ValidationRules.fromReference(profile, 0);
    const features = [
      { name: 'p', kind: 'numeric', source: 'input', tensor: 'p', column: null },
      { name: 'n', kind: 'numeric', source: 'input', tensor: 'n', column: null },
      { name: 'code', kind: 'categorical', source: 'input', tensor: 'code', column: null },
    ] as const;
    const result = checkRequest(rules, features, {
      // float32(0.1) is 0.100000001…, above 0.1 raw but 0.1 as stored: inside. 0.3000001 is above.
      p: { datatype: 'FP32', shape: [3], data: new Float32Array([0.1, Number.NaN, 0.3000001]) },
      n: { datatype: 'INT64', shape: [3], data: new BigInt64Array([1n, 5n, 6n]) },
      code: { datatype: 'INT32', shape: [3], data: new Int32Array([7, 9, 8]) },
    });
    expect(result).toEqual({
      rows: 3,
      violations: [
        { feature: 'p', reason: 'missing', value: null, row: 1 },
        { feature: 'code', reason: 'unknown_category', value: '9', row: 1 },
        { feature: 'p', reason: 'above_range', value: 0.3000001, row: 2 },
        { feature: 'n', reason: 'above_range', value: 6, row: 2 },
      ],
    });
  });
});
