import { describe, expect, it } from 'vitest';
import { decodeSegment, encodeColumns, encodeSegment } from './segment-codec.js';
import { Mark, SegmentColumns } from './segment-columns.js';
import type { PredictionRecord } from './prediction-record.js';

const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1) + seconds * 1000).toISOString();

const stored = (encoded: ReturnType<typeof encodeColumns>) =>
  decodeSegment({
    model: encoded.model,
    version: encoded.version,
    rows: encoded.rows,
    request_ids: encoded.requestIds,
    summary: encoded.summary,
    body: encoded.body,
  });

describe('segment codec', () => {
  it('round-trips records of every shape: absent and null values, failures, codes, flags, callers', () => {
    const records: PredictionRecord[] = [
      {
        requestId: 'r1',
        at: at(1),
        model: 'fraud',
        version: 3,
        features: { amount: 12.5, country: 'NL', vip: true },
        outputs: { 'score[fraud]': 0.25 },
        latencyMs: 1.5,
        status: 'ok',
        caller: 'ann',
      },
      {
        requestId: 'r2',
        at: at(2),
        model: 'fraud',
        version: 3,
        features: {},
        outputs: {},
        latencyMs: 0.2,
        status: 'error',
        code: 'SHAPE_MISMATCH',
        caller: 'bob',
      },
      {
        requestId: 'r3#1',
        at: at(0),
        model: 'fraud',
        version: 3,
        features: { amount: null, ok: 'yes' },
        outputs: { 'score[fraud]': 0.75 },
        latencyMs: 3,
        status: 'ok',
        caller: 'ann',
        flags: ['amount: missing'],
      },
    ];
    const encoded = encodeSegment(records);
    expect(encoded).toMatchObject({ rows: 3, firstAt: at(0), lastAt: at(2), requestIds: 'r1\nr2\nr3#1' });
    const columns = stored(encoded);
    expect(columns.records()).toEqual(records);
    expect(Array.from(columns.marks)).toEqual([0, Mark.Error, Mark.LaterRow | Mark.Flagged]);
  });

  it('keeps float32 columns as 4 bytes a value, read back as their shortest decimal, NaN as null', () => {
    const rows = 1000;
    const f32 = Float32Array.from({ length: rows }, (_, i) => (i === 7 ? NaN : i + 0.1));
    const absent = new Uint8Array(rows);
    absent[3] = 1;
    const columns = new SegmentColumns({
      model: 'm',
      version: 1,
      ids: Array.from({ length: rows }, (_, i) => `id${i}`),
      times: Float64Array.from({ length: rows }, (_, i) => Date.UTC(2026, 0, 1) + i),
      latencies: new Float64Array(rows).fill(1),
      marks: new Uint8Array(rows),
      callers: ['anonymous'],
      callerOf: new Uint32Array(rows),
      codes: new Map(),
      flags: new Map(),
      inputs: [{ name: 'x', f32, absent }],
      outputs: [],
    });
    const encoded = encodeColumns(columns);
    // The JSON header names the column and lists the absent row; the values take 4 bytes each.
    expect(encoded.body.length).toBeLessThan(rows * 4 + 200);
    const decoded = stored(encoded);
    expect(decoded.record(0).features).toEqual({ x: 0.1 });
    expect(decoded.record(3).features).toEqual({});
    expect(decoded.record(7).features).toEqual({ x: null });
    expect(decoded.record(999).features).toEqual({ x: 999.1 });
  });

  it('selects rows and adds flags without touching the original', () => {
    const records = [1, 2, 3].map((s): PredictionRecord => ({
      requestId: `r${s}`,
      at: at(s),
      model: 'm',
      version: 1,
      features: { a: s },
      outputs: {},
      latencyMs: s,
      status: 'ok',
      caller: s === 2 ? 'bob' : 'ann',
    }));
    const columns = SegmentColumns.fromRecords(records);
    const flagged = columns.withFlags(new Map([[1, ['a: above the reference range']]]));
    expect(columns.record(1)).not.toHaveProperty('flags');
    expect(flagged.record(1).flags).toEqual(['a: above the reference range']);
    expect(flagged.select((row) => row !== 0).records()).toEqual([
      { ...records[1]!, flags: ['a: above the reference range'] },
      records[2],
    ]);
  });
});
