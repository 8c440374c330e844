import { describe, expect, it } from 'vitest';
import { expectFerryError } from '../../../test/support/ferry-errors.js';
import { forEachDialect } from '../../../test/support/databases.js';
import { FeedbackStore } from '../feedback/feedback-store.js';
import { joinedPredictions } from '../feedback/joined-predictions.js';
import { loadHashSalt } from './hash-salt.js';
import { PackedLayout } from './packed-features.js';
import type { PredictionRecord } from './prediction-record.js';
import { newRequestId } from '../../core/index.js';
import { importLegacyPredictions } from './legacy-import.js';
import { locatePredictions, PredictionStore } from './prediction-store.js';
import { RetentionTask } from './retention-task.js';
import { validateConfig } from '../../core/index.js';
import type { Signature } from '../../registry/index.js';
import { stagesOf } from './prediction-stage.js';
import { SegmentBuilder } from './segment-builder.js';
import { encodeColumns } from './segment-codec.js';
import { windowSummaries } from './segment-rows.js';

const t = (seconds: number) => new Date(Date.UTC(2026, 0, 1) + seconds * 1000).toISOString();

const record = (
  requestId: string,
  seconds: number,
  overrides: Partial<PredictionRecord> = {},
): PredictionRecord => ({
  requestId,
  at: t(seconds),
  model: 'fraud',
  version: 1,
  features: { amount: seconds, country: 'NL' },
  outputs: { 'score[fraud]': 0.25 },
  latencyMs: 1.5,
  status: 'ok',
  caller: 'ann',
  ...overrides,
});

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe('PredictionStore', () => {
  forEachDialect((fixture) => {
    const store = () => new PredictionStore(fixture.database);

    it('writes a batch and reads it back newest first, with every field', async () => {
      const predictions = store();
      await predictions.insert([
        record('r1', 1),
        record('r2', 2, { status: 'error', code: 'OVERLOADED', features: {}, outputs: {} }),
        record('r3', 3, {
          flags: ['amount: above the reference range'],
          features: { amount: null, ok: true },
        }),
      ]);
      const page = await predictions.list({ model: 'fraud', limit: 10 });
      expect(page.nextCursor).toBeNull();
      expect(page.predictions.map((p) => p.requestId)).toEqual(['r3', 'r2', 'r1']);
      expect(page.predictions[0]).toEqual({
        ...record('r3', 3, {
          flags: ['amount: above the reference range'],
          features: { amount: null, ok: true },
        }),
        feedback: null,
      });
      expect(page.predictions[1]).toMatchObject({ status: 'error', code: 'OVERLOADED', features: {} });
      expect(page.predictions[2]).not.toHaveProperty('flags');
    });

    it('writes a batch of any size as segments, every row once, in order', async () => {
      const predictions = store();
      const rows = Array.from({ length: 700 }, (_, i) => record(`b${i}`, i));
      await predictions.insert(rows);
      const stored = (await collect(predictions.scan({ model: 'fraud' }))).flat();
      expect(stored.map((p) => p.requestId)).toEqual(rows.map((r) => r.requestId));
    });

    it('writes log groups of changing sizes, each body whole, though its buffer is reused', async () => {
      const predictions = store();
      const builder = new SegmentBuilder({ config: validateConfig({}), salt: 'salt' });
      const signature: Signature = {
        inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, -1] }],
        outputs: [],
      };
      let at = Date.UTC(2026, 0, 1);
      const groupOf = (model: string, requests: number, width: number) =>
        builder.toGroups(
          stagesOf(
            Array.from({ length: requests }, (_, k) => ({
              model,
              version: 1,
              signature,
              requestId: `${model}-${k}`,
              caller: k % 2 === 0 ? 'ann' : `caller-${k}`,
              at: (at += 1),
              inputs: {
                x: {
                  datatype: 'FP32',
                  shape: [1, width],
                  data: Float32Array.from({ length: width }, (_, i) => k + i / 4),
                },
              },
              outputs: undefined,
              rows: 1,
              latencyMs: 1,
              status: 'ok',
            })),
          ),
        );
      const groups = [
        ...groupOf('wide', 40, 64),
        ...groupOf('narrow', 3, 2),
        ...groupOf('wider', 50, 80),
        ...groupOf('narrow', 2, 2),
      ];
      await predictions.write(groups.slice(0, 2)); // big, then small: the small body reuses the buffer
      await predictions.write(groups.slice(2));
      const bodies = await fixture.database.db
        .selectFrom('prediction_segments')
        .select('body')
        .orderBy('id')
        .execute();
      expect(bodies.map(({ body }) => body.length)).toEqual(
        groups.map((group) => encodeColumns(group.columns).body.length),
      );
      for (const group of groups) {
        const stored = (await collect(predictions.scan({ model: group.model }))).flat();
        const written = groups.filter((g) => g.model === group.model).flatMap((g) => g.records);
        expect(stored.map(({ feedback: _, ...rest }) => rest)).toEqual(written);
      }
    });

    it('writes more rows than one INSERT holds', async () => {
      const predictions = store();
      const many = Array.from({ length: 2500 }, (_, index) => record(`m${index}`, index));
      await predictions.insert(many);
      const all = (await collect(predictions.scan({ model: 'fraud' }, 700))).flat();
      expect(all).toHaveLength(2500);
      expect(all[0]?.requestId).toBe('m0');
      expect(all[2499]?.requestId).toBe('m2499');
    });

    it('filters by model, version and a [from, to) window, and pages with a cursor without gaps or repeats', async () => {
      const predictions = store();
      await predictions.insert([
        ...Array.from({ length: 7 }, (_, index) => record(`a${index}`, 10 + index)),
        record('same-time-1', 20),
        record('same-time-2', 20),
        record('v2', 15, { version: 2 }),
        record('other', 15, { model: 'churn' }),
      ]);
      const window = await predictions.list({
        model: 'fraud',
        version: 1,
        from: t(12),
        to: t(16),
        limit: 100,
      });
      expect(window.predictions.map((p) => p.requestId)).toEqual(['a5', 'a4', 'a3', 'a2']);

      const seen: string[] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await predictions.list({ model: 'fraud', version: 1, limit: 2, cursor });
        seen.push(...page.predictions.map((p) => p.requestId));
        if (page.nextCursor === null) break;
        cursor = page.nextCursor;
      }
      expect(seen).toEqual(['same-time-2', 'same-time-1', 'a6', 'a5', 'a4', 'a3', 'a2', 'a1', 'a0']);
      const everything = await predictions.list({ limit: 100 });
      expect(everything.predictions).toHaveLength(11);
      await expectFerryError(
        predictions.list({ limit: 1, cursor: 'nonsense' }),
        'INVALID_ARGUMENT',
        'cursor',
      );
    });

    it('merges segments that overlap in time (replicas) into exact time order, both ways', async () => {
      const predictions = store();
      // Two flushes whose rows interleave, and many small segments (more than one read batch).
      await predictions.insert([1, 3, 5, 7].map((s) => record(`a${s}`, s)));
      await predictions.insert([2, 4, 6, 8].map((s) => record(`b${s}`, s)));
      for (let s = 10; s < 80; s += 1) await predictions.insert([record(`c${s}`, s)]);
      const expected = [
        ...['a1', 'b2', 'a3', 'b4', 'a5', 'b6', 'a7', 'b8'],
        ...Array.from({ length: 70 }, (_, i) => `c${10 + i}`),
      ];
      const scanned = (await collect(predictions.scan({ model: 'fraud' }, 7))).flat();
      expect(scanned.map((p) => p.requestId)).toEqual(expected);
      const seen: string[] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await predictions.list({ model: 'fraud', limit: 3, cursor });
        seen.push(...page.predictions.map((p) => p.requestId));
        if (page.nextCursor === null) break;
        cursor = page.nextCursor;
      }
      expect(seen).toEqual([...expected].reverse());
      const window = await predictions.list({ model: 'fraud', from: t(3), to: t(7), limit: 10 });
      expect(window.predictions.map((p) => p.requestId)).toEqual(['b6', 'a5', 'b4', 'a3']);
    });

    it('reads the summaries of a window segment by segment, every row in it once, whatever the segments’ bounds', async () => {
      const predictions = store();
      const written: PredictionRecord[] = [];
      const insert = async (records: PredictionRecord[]) => {
        written.push(...records);
        await predictions.insert(records);
      };
      // Segments before, across `from`, inside, across `to`, after, and across the whole window
      // with no row in it; another version and another model; more segments than one read batch.
      await insert([record('before', 1)]);
      await insert([9, 10, 11].map((s) => record(`from-${s}`, s, { latencyMs: s })));
      for (let s = 12; s < 20; s += 1) await insert([record(`in-${s}`, s, { latencyMs: s })]);
      await insert([19, 20, 21].map((s) => record(`to-${s}`, s, { version: 2, latencyMs: s })));
      await insert([record('after', 30)]);
      await insert([record('around-5', 5, { version: 3 }), record('around-25', 25, { version: 3 })]);
      await insert([record('other-model', 15, { model: 'churn' })]);
      const inWindow = written.filter(
        (r) =>
          r.model === 'fraud' &&
          Date.parse(r.at) >= Date.parse(t(10)) &&
          Date.parse(r.at) < Date.parse(t(20)),
      );
      const seen: { version: number; latency: number }[] = [];
      const versions = new Set<number>();
      for await (const segment of windowSummaries(
        fixture.database.db,
        { model: 'fraud', from: t(10), to: t(20) },
        2,
      )) {
        versions.add(segment.version);
        for (let row = 0; row < segment.summary.rows; row += 1) {
          if (segment.inWindow(row))
            seen.push({ version: segment.version, latency: segment.summary.latencies[row]! });
        }
      }
      const key = (a: { version: number; latency: number }) => `${a.version}:${a.latency}`;
      expect(seen.map(key).sort()).toEqual(
        inWindow.map((r) => key({ version: r.version, latency: r.latencyMs })).sort(),
      );
      expect(seen).toHaveLength(11); // 10, 11; 12–19; 19 of version 2
      // Version 3's segment spans the window without a row in it: read, but every row is out.
      expect([...versions].sort()).toEqual([1, 2, 3]);
      const only2 = [];
      for await (const segment of predictions.windowSummaries({ model: 'fraud', version: 2, from: t(10) })) {
        only2.push(segment.summary.rows);
      }
      expect(only2).toEqual([3]);
    });

    it('lists the versions logged in a window', async () => {
      const predictions = store();
      await predictions.insert([
        record('a', 1),
        record('b', 2, { version: 3 }),
        record('c', 50, { version: 2 }),
      ]);
      expect(await predictions.versions({ model: 'fraud', to: t(10) })).toEqual([1, 3]);
    });

    it('deletes by age and keeps the newest rows by count', async () => {
      const predictions = store();
      await predictions.insert(Array.from({ length: 30 }, (_, index) => record(`r${index}`, index)));
      expect(await predictions.deleteOlderThan(t(10))).toBe(10);
      expect(await predictions.keepNewest(5)).toBe(15);
      const left = (await collect(predictions.scan({}))).flat();
      expect(left.map((p) => p.requestId)).toEqual(['r25', 'r26', 'r27', 'r28', 'r29']);
      expect(await predictions.keepNewest(5)).toBe(0);
    });

    it('keeps the newest rows by count across overlapping segments, ties at the cutoff broken by segment and row', async () => {
      const predictions = store();
      // Three "replicas" whose segments overlap in time, several rows per millisecond, and more
      // segments than one read batch.
      const written: { id: string; ms: number; order: number }[] = [];
      let order = 0;
      for (let flush = 0; flush < 100; flush += 1) {
        for (const replica of ['a', 'b', 'c']) {
          const rows = Array.from({ length: 3 }, (_, k) => {
            const seconds = flush + (k === 2 ? 0.5 : 0) + (replica === 'c' ? 0.25 : 0);
            return record(`${replica}-${flush}-${k}`, seconds);
          });
          await predictions.insert(rows);
          rows.forEach((row) => written.push({ id: row.requestId, ms: Date.parse(row.at), order: order++ }));
        }
      }
      // Oldest first as a listing orders them: time, then segment (insertion), then row.
      const oldestFirst = [...written].sort((x, y) => x.ms - y.ms || x.order - y.order).map((row) => row.id);
      // 46 = 5 flushes and a0: the cutoff falls inside the tie of a0, a1, b0, b1; then a1 and b0.
      for (const keep of [854, 852, 400, 1]) {
        const before = (await collect(predictions.scan({}))).flat().length;
        expect(await predictions.keepNewest(keep)).toBe(before - keep);
        const left = (await collect(predictions.scan({}))).flat().map((p) => p.requestId);
        expect(left).toEqual(oldestFirst.slice(oldestFirst.length - keep));
      }
    });

    it('keeps the newest rows by count when segments span long, so later segments hold older rows', async () => {
      const predictions = store();
      // Segment i holds a row at i s and one at 1000 + i s: the 300 oldest rows are the first of each
      // segment, though the first read batch of segments holds more than 300 rows.
      for (let i = 0; i < 300; i += 1) {
        await predictions.insert([record(`early-${i}`, i), record(`late-${i}`, 1000 + i)]);
      }
      expect(await predictions.keepNewest(300)).toBe(300);
      const left = (await collect(predictions.scan({}))).flat().map((p) => p.requestId);
      expect(left).toEqual(Array.from({ length: 300 }, (_, i) => `late-${i}`));
    });

    it('runs retention over predictions and feedback in one pass', async () => {
      const predictions = store();
      const feedback = new FeedbackStore(fixture.database, () => new Date(t(0)));
      await predictions.insert(Array.from({ length: 12 }, (_, index) => record(`r${index}`, index * 60)));
      await feedback.store([{ requestId: 'r0', label: 'fraud' }]);
      const retention = new RetentionTask(
        { predictions, feedback },
        { maxAgeMs: 5 * 60_000, maxRows: 4, intervalMs: 60_000 },
        undefined,
        () => Date.parse(t(11 * 60)),
      );
      const result = await retention.run();
      expect(result).toEqual({
        predictions: { byAge: 6, byCount: 2 },
        feedback: { byAge: 1, byCount: 0 },
      });
      const left = (await collect(predictions.scan({}))).flat();
      expect(left.map((p) => p.requestId)).toEqual(['r8', 'r9', 'r10', 'r11']);
    });

    it('moves rows logged before segments into segments, with their packed features and feedback', async () => {
      const db = fixture.database.db;
      const layout = new PackedLayout(['age', 'country'], ['age']);
      const { id: layoutId } = await db
        .insertInto('prediction_layouts')
        .values({ digest: layout.digest, layout_json: layout.json })
        .returning('id')
        .executeTakeFirstOrThrow();
      const old = (requestId: string, seconds: number, model = 'fraud') => ({
        request_id: requestId,
        at: t(seconds),
        model,
        version: 1,
        features_json: JSON.stringify({ country: 'NL' }),
        layout_id: Number(layoutId),
        features_f32: Buffer.from(Float32Array.from([seconds + 0.5]).buffer),
        outputs_json: JSON.stringify({ score: 0.25 }),
        latency_ms: 2,
        status: 'ok',
        code: null,
        caller: 'ann',
        flags_json: null,
      });
      await db
        .insertInto('predictions')
        .values([old('o1', 1), old('o2', 2, 'churn'), old('o3', 3)])
        .execute();
      await db
        .insertInto('feedback')
        .values({
          request_id: 'o3',
          model: 'fraud',
          version: 1,
          label_json: '"fraud"',
          value: null,
          at: t(4),
          received_at: t(4),
          segment_id: null,
        })
        .execute();
      expect(await importLegacyPredictions(fixture.database)).toBe(3);
      expect(await importLegacyPredictions(fixture.database)).toBe(0);
      expect(await db.selectFrom('predictions').selectAll().execute()).toEqual([]);
      const page = await store().list({ model: 'fraud', limit: 10 });
      expect(page.predictions.map((p) => [p.requestId, p.features, p.feedback?.label ?? null])).toEqual([
        ['o3', { age: 3.5, country: 'NL' }, 'fraud'],
        ['o1', { age: 1.5, country: 'NL' }, null],
      ]);
      const outcomes = await new FeedbackStore(fixture.database).store([{ requestId: 'o2', label: 'stay' }]);
      expect(outcomes).toEqual(['stored']);
    });

    it('finds the segment of Ferry’s time-ordered ids and of ids callers chose, for feedback', async () => {
      const predictions = store();
      const made = newRequestId();
      await predictions.insert([
        record(made, 1),
        record('caller-chosen-1', 2),
        record(`${made.slice(0, 20)}0000000000ff`, 3),
        record('multi#0', 4),
        record('multi#1', 4),
      ]);
      await predictions.insert([record('caller-chosen-1', 5, { version: 2 })]);
      const found = await locatePredictions(fixture.database.db, [
        made,
        'caller-chosen-1',
        'multi#1',
        'multi',
        'never-logged',
        newRequestId(),
      ]);
      expect([...found.keys()].sort()).toEqual([made, 'caller-chosen-1', 'multi#1'].sort());
      // The newest segment holding an id wins.
      expect(found.get('caller-chosen-1')).toMatchObject({ model: 'fraud', version: 2 });
    });

    it('keeps one hash salt per database, made once', async () => {
      const first = await loadHashSalt(fixture.database);
      const again = await loadHashSalt(await fixture.open());
      expect(first).toMatch(/^[0-9a-f]{64}$/);
      expect(again).toBe(first);
    });
  });
});

describe('FeedbackStore', () => {
  forEachDialect((fixture) => {
    let clock = Date.parse(t(100));
    const feedbackStore = () => new FeedbackStore(fixture.database, () => new Date(clock));

    it('stores feedback for a logged prediction, replaces it when sent again, and refuses unknown ids', async () => {
      await new PredictionStore(fixture.database).insert([record('r1', 1), record('r2', 2, { version: 2 })]);
      const feedback = feedbackStore();
      expect(
        await feedback.store([
          { requestId: 'r1', label: 'fraud' },
          { requestId: 'nope', label: 'fraud' },
          { requestId: 'r2', value: 12.5, at: t(50) },
        ]),
      ).toEqual(['stored', 'unknown_request', 'stored']);
      expect(await feedback.get('r1')).toEqual({
        label: 'fraud',
        value: null,
        at: t(100),
        receivedAt: t(100),
      });
      expect(await feedback.get('nope')).toBeUndefined();

      clock = Date.parse(t(200));
      expect(await feedback.store([{ requestId: 'r1', label: 'ok' }])).toEqual(['updated']);
      expect(await feedback.get('r1')).toEqual({ label: 'ok', value: null, at: t(200), receivedAt: t(200) });
      // The same answer again is harmless: still one row, reported as updated.
      expect(await feedback.store([{ requestId: 'r1', label: 'ok' }])).toEqual(['updated']);
      const rows = await fixture.database.db
        .selectFrom('feedback')
        .selectAll()
        .orderBy('request_id')
        .execute();
      expect(rows.map((row) => [row.request_id, row.model, Number(row.version)])).toEqual([
        ['r1', 'fraud', 1],
        ['r2', 'fraud', 2],
      ]);
    });

    it('stores an id given twice in one call once, with its last answer', async () => {
      await new PredictionStore(fixture.database).insert([record('r1', 1)]);
      const outcomes = await feedbackStore().store([
        { requestId: 'r1', label: true },
        { requestId: 'r1', label: false },
      ]);
      expect(outcomes).toEqual(['stored', 'updated']);
      expect((await feedbackStore().get('r1'))?.label).toBe(false);
    });

    it('joins predictions of a window with their feedback, oldest first, or only those with feedback', async () => {
      const predictions = new PredictionStore(fixture.database);
      await predictions.insert([
        record('r1', 1),
        record('r2', 2),
        record('r3', 3, { version: 2 }),
        record('r4', 30),
        record('x', 2, { model: 'churn' }),
      ]);
      await feedbackStore().store([
        { requestId: 'r2', label: 1 },
        { requestId: 'r3', value: 0.5 },
        { requestId: 'x', label: 'left' },
      ]);
      const joined = await collect(
        joinedPredictions(predictions, 'fraud', { from: t(0), to: t(10), pageSize: 2 }),
      );
      expect(joined.map((p) => [p.requestId, p.feedback?.label ?? p.feedback?.value ?? null])).toEqual([
        ['r1', null],
        ['r2', 1],
        ['r3', 0.5],
      ]);
      const labelled = await collect(
        joinedPredictions(predictions, 'fraud', {
          from: new Date(t(0)),
          to: new Date(t(60)),
          withFeedbackOnly: true,
        }),
      );
      expect(labelled.map((p) => p.requestId)).toEqual(['r2', 'r3']);
      const version2 = await collect(
        joinedPredictions(predictions, 'fraud', { from: t(0), to: t(60), version: 2 }),
      );
      expect(version2.map((p) => p.requestId)).toEqual(['r3']);
    });
  });
});
