import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../demo/seeded-random.js';
import type { FeatureSpec } from '../features/feature-spec.js';
import type { MergedLiveProfile } from '../profiles/live-windows.js';
import type { ReferenceRecord } from '../profiles/reference-store.js';
import { VersionProfile } from '../profiles/version-profile.js';
import { CategoricalProfile, DEFAULT_DRIFT_SETTINGS, NumericProfile } from '../stats/index.js';
import { computeDriftReport, driftDistance } from './drift-report.js';
import { parseDriftWindow } from './drift-window.js';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 2, 2, 10, 20, 0);

describe('drift windows', () => {
  it('aligns current, last and ranges to the window length, reaching back `windows` windows', () => {
    const iso = (range: { start: Date; end: Date }) => [range.start.toISOString(), range.end.toISOString()];
    expect(iso(parseDriftWindow(undefined, undefined, HOUR, NOW))).toEqual([
      '2026-03-02T10:00:00.000Z',
      '2026-03-02T11:00:00.000Z',
    ]);
    expect(iso(parseDriftWindow('last', '3', HOUR, NOW))).toEqual([
      '2026-03-02T07:00:00.000Z',
      '2026-03-02T10:00:00.000Z',
    ]);
    expect(iso(parseDriftWindow('2026-03-02T08:30:00Z/2026-03-02T09:10:00Z', undefined, HOUR, NOW))).toEqual([
      '2026-03-02T08:00:00.000Z',
      '2026-03-02T10:00:00.000Z',
    ]);
  });

  it('refuses what is not a window', () => {
    expect(() => parseDriftWindow('yesterday', undefined, HOUR, NOW)).toThrow(
      /is not current, last, or <start>\/<end>/,
    );
    expect(() => parseDriftWindow('current', '0', HOUR, NOW)).toThrow(
      /windows must be a whole number from 1 to 1000/,
    );
    expect(() => parseDriftWindow('2026-03-02T09:00:00Z/2026-03-02T08:00:00Z', undefined, HOUR, NOW)).toThrow(
      /ends before it starts/,
    );
    expect(() => parseDriftWindow('2026-03-02T08:00:00Z/2026-03-02T09:00:00Z', 2, HOUR, NOW)).toThrow(
      /windows goes with/,
    );
  });
});

const FEATURES: FeatureSpec[] = [
  { name: 'age', kind: 'numeric', source: 'input', tensor: 'x', column: 0 },
  { name: 'income', kind: 'numeric', source: 'input', tensor: 'x', column: 1 },
  { name: 'city', kind: 'categorical', source: 'input', tensor: 'city', column: null },
  { name: 'score', kind: 'numeric', source: 'output', tensor: 'y', column: null },
];

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function sample(random: () => number, count: number, shift: { age?: number; city?: boolean } = {}) {
  return Array.from({ length: count }, () => ({
    features: {
      age: 40 + 10 * gaussian(random) + (shift.age ?? 0) * 10,
      income: 50_000 + 8_000 * gaussian(random),
      city: shift.city === true ? (random() < 0.7 ? 'Bodø' : 'Oslo') : random() < 0.5 ? 'Oslo' : 'Bergen',
    },
    outputs: { score: random() },
  }));
}

function referenceOf(rows: ReturnType<typeof sample>): ReferenceRecord {
  const column = (name: 'age' | 'income') => rows.map((row) => row.features[name]);
  return {
    model: 'credit',
    version: 3,
    profile: VersionProfile.of([
      ['age', { kind: 'numeric', source: 'input', profile: NumericProfile.fromValues(column('age')) }],
      ['income', { kind: 'numeric', source: 'input', profile: NumericProfile.fromValues(column('income')) }],
      [
        'city',
        {
          kind: 'categorical',
          source: 'input',
          profile: CategoricalProfile.fromValues(rows.map((row) => row.features.city)),
        },
      ],
      [
        'score',
        {
          kind: 'numeric',
          source: 'output',
          profile: NumericProfile.fromValues(rows.map((row) => row.outputs.score)),
        },
      ],
    ]),
    source: 'train.csv',
    digest: 'sha256:cd',
    rows: rows.length,
    notes: [],
    createdAt: '2026-03-01T00:00:00.000Z',
    createdBy: 'test',
  };
}

function liveOf(reference: ReferenceRecord, rows: ReturnType<typeof sample>): MergedLiveProfile {
  const profile = VersionProfile.emptyFor(FEATURES, reference.profile);
  for (const row of rows) profile.add(row);
  return { profile, rows: rows.length, windows: 1, replicas: 1, rebinned: false };
}

const range = { start: new Date(NOW - (NOW % HOUR)), end: new Date(NOW - (NOW % HOUR) + HOUR) };
const report = (reference: ReferenceRecord | null, live: MergedLiveProfile) =>
  computeDriftReport({
    model: 'credit',
    version: 3,
    range,
    windowMs: HOUR,
    reference,
    live,
    settings: DEFAULT_DRIFT_SETTINGS,
  });

describe('drift reports', () => {
  const random = mulberry32(3);
  const reference = referenceOf(sample(random, 2000));

  it('finds the shifted feature and leaves the others, deciding the dataset by the share of inputs', () => {
    const shifted = report(reference, liveOf(reference, sample(random, 400, { age: 3 })));
    expect(shifted.features.age).toMatchObject({
      kind: 'numeric',
      source: 'input',
      method: 'ks',
      drifted: true,
    });
    expect(shifted.features.income?.drifted).toBe(false);
    expect(shifted.features.city).toMatchObject({ kind: 'categorical', method: 'z-test', drifted: false });
    expect(shifted.features.score).toMatchObject({ source: 'output', drifted: false });
    // Age moved by 3 standard deviations: the normed Wasserstein distance is about 3.
    expect(driftDistance(shifted.features.age!)).toBeCloseTo(3, 0);
    expect(shifted.dataset).toMatchObject({
      driftedFeatures: ['age'],
      evaluatedFeatures: 3,
      threshold: 0.5,
      drifted: false,
    });
    expect(shifted.dataset?.share).toBeCloseTo(1 / 3, 12);
    expect(shifted.verdict).toBe('no drift');
    expect(shifted.window).toEqual({
      start: '2026-03-02T10:00:00.000Z',
      end: '2026-03-02T11:00:00.000Z',
      windows: 1,
    });

    const twoShifted = report(reference, liveOf(reference, sample(random, 400, { age: 3, city: true })));
    expect(twoShifted.dataset?.driftedFeatures).toEqual(['age', 'city']);
    expect(twoShifted.verdict).toBe('drift');
  });

  it('switches to distances on large windows', () => {
    const large = report(reference, liveOf(reference, sample(random, 1500)));
    expect(large.features.age?.method).toBe('wasserstein');
    expect(large.features.city?.method).toBe('jensen-shannon');
    expect(large.verdict).toBe('no drift');
  });

  it('says not enough data under monitoring.minWindowRows, and no reference profile without one', () => {
    const small = report(reference, liveOf(reference, sample(random, 10, { age: 3 })));
    expect(small.verdict).toBe('not enough data');
    expect(small.features.age?.drifted).toBeNull();
    expect(small.notes).toContain(
      'the window holds 10 predictions; drift is judged from 30 (monitoring.minWindowRows)',
    );
    const empty = report(reference, {
      profile: undefined,
      rows: 0,
      windows: 0,
      replicas: 0,
      rebinned: false,
    });
    expect(empty.verdict).toBe('not enough data');
    expect(empty.features.age).toMatchObject({ currentRows: 0, drifted: null, score: null });
    const none = report(null, liveOf(reference, sample(random, 100)));
    expect(none).toMatchObject({
      verdict: 'no reference profile',
      reference: null,
      features: {},
      dataset: null,
      rows: 100,
    });
  });
});
