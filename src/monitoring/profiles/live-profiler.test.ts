import { describe, expect, it } from 'vitest';
import { forEachDialect } from '../../../test/support/databases.js';
import { mulberry32 } from '../../demo/seeded-random.js';
import type { FeatureSpec } from '../features/feature-spec.js';
import type { LoggedPredictions, PredictionRecord } from '../log/prediction-record.js';
import { CategoricalProfile, NumericProfile } from '../stats/index.js';
import { LiveProfileStore } from './live-profile-store.js';
import { LiveProfiler } from './live-profiler.js';
import { readLiveProfile } from './live-windows.js';
import type { ReferenceRecord } from './reference-store.js';
import { VersionProfile } from './version-profile.js';
import { groupOfRecords } from '../log/segment-columns.js';

const WINDOW_MS = 60_000;
const BASE = Date.UTC(2026, 2, 2, 10, 0, 0);

const FEATURES: FeatureSpec[] = [
  { name: 'amount', kind: 'numeric', source: 'input', tensor: 'x', column: 0 },
  { name: 'city', kind: 'categorical', source: 'input', tensor: 'x', column: 1 },
  { name: 'score', kind: 'numeric', source: 'output', tensor: 'y', column: null },
];

/** A reference whose histograms are cut at its own deciles. */
function referenceOf(random: () => number): ReferenceRecord {
  const amounts = Array.from({ length: 500 }, () => 100 * random());
  const cities = Array.from({ length: 500 }, () => ['Oslo', 'Bergen', 'Tromsø'][Math.floor(random() * 3)]!);
  const scores = Array.from({ length: 500 }, () => random());
  const profile = VersionProfile.of([
    ['amount', { kind: 'numeric', source: 'input', profile: NumericProfile.fromValues(amounts) }],
    ['city', { kind: 'categorical', source: 'input', profile: CategoricalProfile.fromValues(cities) }],
    ['score', { kind: 'numeric', source: 'output', profile: NumericProfile.fromValues(scores) }],
  ]);
  return {
    model: 'fraud',
    version: 2,
    profile,
    source: 'train.csv',
    digest: 'sha256:00',
    rows: 500,
    notes: [],
    createdAt: new Date(BASE).toISOString(),
    createdBy: 'test',
  };
}

/** Predictions over two windows: shifted amounts, a city the reference never saw, some missing. */
function predictions(random: () => number, count: number): PredictionRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    requestId: `r${i}`,
    at: new Date(BASE + Math.floor(random() * 2 * WINDOW_MS)).toISOString(),
    model: 'fraud',
    version: 2,
    features: {
      amount: random() < 0.05 ? null : 50 + 120 * random(),
      city: ['Oslo', 'Bergen', 'Tromsø', 'Bodø'][Math.floor(random() * 4)]!,
    },
    outputs: { score: random() ** 2 },
    latencyMs: 1,
    status: 'ok' as const,
    caller: 'anonymous',
  }));
}

/** The numeric profile of a feature (throws when it is not numeric). */
function numeric(profile: VersionProfile | undefined, name: string): NumericProfile {
  const entry = profile?.feature(name);
  if (entry?.kind !== 'numeric') throw new Error(`${name} is not numeric`);
  return entry.profile;
}

const batchOf = (records: readonly PredictionRecord[]): LoggedPredictions => ({
  groups: [groupOfRecords(FEATURES, records)],
});

/** The lower q-quantile of the raw values, as DDSketch defines it (rank ⌊q·(n − 1)⌋). */
function trueQuantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

describe('live profiles', () => {
  forEachDialect((fixture) => {
    it('merge across two replicas and two windows exactly as one stream of the same predictions', async () => {
      const random = mulberry32(7);
      const reference = referenceOf(random);
      const references = { get: () => Promise.resolve(reference) };
      const records = predictions(random, 600);
      const clock = () => BASE + 2 * WINDOW_MS;
      const replicaA = new LiveProfiler({
        store: new LiveProfileStore(fixture.database),
        references,
        replica: 'replica-a',
        windowMs: WINDOW_MS,
        flushIntervalMs: 1000,
        clock,
      });
      // The second replica has its own connection to the same database.
      const replicaB = new LiveProfiler({
        store: new LiveProfileStore(await fixture.open()),
        references,
        replica: 'replica-b',
        windowMs: WINDOW_MS,
        flushIntervalMs: 1000,
        clock,
      });
      // Several batches each, with flushes in between (rows are rewritten cumulatively).
      for (let start = 0; start < records.length; start += 100) {
        const chunk = records.slice(start, start + 100);
        await replicaA.ingest(batchOf(chunk.filter((_, i) => i % 3 !== 0)));
        await replicaB.ingest(batchOf(chunk.filter((_, i) => i % 3 === 0)));
        if (start % 200 === 0) await Promise.all([replicaA.flush(), replicaB.flush()]);
      }
      await Promise.all([replicaA.close(), replicaB.close()]);

      const store = new LiveProfileStore(fixture.database);
      const stored = await store.read(
        'fraud',
        2,
        new Date(BASE).toISOString(),
        new Date(BASE + 2 * WINDOW_MS).toISOString(),
      );
      expect(stored.map((row) => [row.windowStart, row.replica])).toEqual([
        [new Date(BASE).toISOString(), 'replica-a'],
        [new Date(BASE).toISOString(), 'replica-b'],
        [new Date(BASE + WINDOW_MS).toISOString(), 'replica-a'],
        [new Date(BASE + WINDOW_MS).toISOString(), 'replica-b'],
      ]);

      const merged = await readLiveProfile(
        store,
        'fraud',
        2,
        { start: new Date(BASE), end: new Date(BASE + 2 * WINDOW_MS) },
        reference.profile,
      );
      expect(merged).toMatchObject({ rows: 600, windows: 2, replicas: 2, rebinned: false });
      const oneStream = VersionProfile.emptyFor(FEATURES, reference.profile);
      for (const record of records) oneStream.add(record);

      for (const name of ['amount', 'score']) {
        const live = merged.profile?.feature(name);
        const single = oneStream.feature(name);
        if (live?.kind !== 'numeric' || single?.kind !== 'numeric') throw new Error(`${name} is not numeric`);
        const a = live.profile.toJSON();
        const b = single.profile.toJSON();
        // Exact: counts, missing, min/max, histogram over the reference's edges, the sketch bin for bin.
        expect(a.edges).toEqual(numeric(reference.profile, name).edges);
        expect(a.counts).toEqual(b.counts);
        expect(a.missing).toBe(b.missing);
        expect(a.sketch).toEqual(b.sketch);
        expect(live.profile.min).toBe(single.profile.min);
        expect(live.profile.max).toBe(single.profile.max);
        // Within float rounding: mean and variance (Chan's parallel formulas).
        expect(live.profile.mean).toBeCloseTo(single.profile.mean!, 9);
        expect(live.profile.variance()).toBeCloseTo(single.profile.variance()!, 6);
        // Quantiles within the sketch's accuracy α of their distance to its centre (the reference median).
        const values = records
          .map((record) => (name === 'amount' ? record.features.amount : record.outputs.score))
          .filter((value): value is number => typeof value === 'number');
        for (const q of [0.01, 0.25, 0.5, 0.9, 0.99]) {
          const exact = trueQuantile(values, q);
          expect(Math.abs(live.profile.quantile(q)! - exact)).toBeLessThanOrEqual(
            0.01 * Math.abs(exact - live.profile.centre) + 1e-12 * Math.max(1, Math.abs(exact)),
          );
        }
      }
      expect(merged.profile?.feature('city')?.profile.toJSON()).toEqual(
        oneStream.feature('city')?.profile.toJSON(),
      );
      expect(merged.profile?.feature('amount')?.profile.missing).toBeGreaterThan(0);
    });

    it('keeps a window cumulative when a late prediction arrives after it left memory', async () => {
      const random = mulberry32(11);
      const reference = referenceOf(random);
      let now = BASE + 10_000;
      const store = new LiveProfileStore(fixture.database);
      const opened: string[] = [];
      const get = store.get.bind(store);
      store.get = (...args) => {
        opened.push(args[2]);
        return get(...args);
      };
      const profiler = new LiveProfiler({
        store,
        references: { get: () => Promise.resolve(reference) },
        replica: 'r1',
        windowMs: WINDOW_MS,
        flushIntervalMs: 1000,
        clock: () => now,
      });
      const records = predictions(random, 40).map((record) => ({
        ...record,
        at: new Date(BASE + 1000).toISOString(),
      }));
      await profiler.ingest(batchOf(records.slice(0, 30)));
      await profiler.flush();
      now = BASE + 3 * WINDOW_MS; // the window ended two windows ago: the next flush drops it from memory
      await profiler.flush();
      await profiler.ingest(batchOf(records.slice(30)));
      await profiler.close();
      // Opened twice: first use, and again (from its stored row) after it left memory.
      expect(opened).toEqual([new Date(BASE).toISOString(), new Date(BASE).toISOString()]);
      const [row] = await store.read(
        'fraud',
        2,
        new Date(BASE).toISOString(),
        new Date(BASE + WINDOW_MS).toISOString(),
      );
      expect(row?.rows).toBe(40);
      expect(VersionProfile.fromJSON(row!.profileJson).feature('city')?.profile.count).toBe(40);
    });

    it('recuts live profiles written before the reference onto its bins when merging', async () => {
      const random = mulberry32(5);
      const reference = referenceOf(random);
      let current: ReferenceRecord | null = null;
      const store = new LiveProfileStore(fixture.database);
      const profiler = new LiveProfiler({
        store,
        references: { get: () => Promise.resolve(current) },
        replica: 'r1',
        windowMs: WINDOW_MS,
        flushIntervalMs: 1000,
        clock: () => BASE,
      });
      const records = predictions(random, 200).map((record, i) => ({
        ...record,
        at: new Date(BASE + (i < 100 ? 0 : WINDOW_MS)).toISOString(),
      }));
      await profiler.ingest(batchOf(records.slice(0, 100))); // first window: no reference yet
      current = reference;
      await profiler.ingest(batchOf(records.slice(100))); // second window: the reference's bins
      await profiler.close();
      const merged = await readLiveProfile(
        store,
        'fraud',
        2,
        { start: new Date(BASE), end: new Date(BASE + 2 * WINDOW_MS) },
        reference.profile,
      );
      expect(merged.rebinned).toBe(true);
      const amount = merged.profile?.feature('amount');
      if (amount?.kind !== 'numeric') throw new Error('amount is not numeric');
      expect(amount.profile.edges).toEqual(numeric(reference.profile, 'amount').edges);
      expect(amount.profile.histogram.reduce((sum, count) => sum + count, 0)).toBe(amount.profile.count);
    });
  });
});
