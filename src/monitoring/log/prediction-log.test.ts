import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../core/index.js';
import { mulberry32 } from '../../demo/seeded-random.js';
import type { Signature } from '../../registry/index.js';
import type { PredictionEvent } from '../../serving/index.js';
import type { LoggedGroup, LoggedPredictions, PredictionRecord } from './prediction-record.js';
import { PredictionLog, type PredictionWriter } from './prediction-log.js';

const signature: Signature = {
  inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2], features: ['age', 'email'] }],
  outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 2], labels: ['ok', 'fraud'] }],
};

const event = (overrides: Partial<PredictionEvent> = {}): PredictionEvent => ({
  model: 'fraud',
  version: 1,
  signature,
  requestId: 'req-1',
  caller: 'ann',
  at: Date.UTC(2026, 0, 1),
  inputs: { x: { datatype: 'FP32', shape: [1, 2], data: new Float32Array([40, 7]) } },
  outputs: { probabilities: { datatype: 'FP32', shape: [1, 2], data: new Float32Array([0.75, 0.25]) } },
  rows: 1,
  latencyMs: 2,
  status: 'ok',
  ...overrides,
});

/** What the log stores for {@link event} with this request id and age (and any other fields). */
const storedRecord = (
  requestId: string,
  age: number,
  extra: Partial<PredictionRecord> = {},
): PredictionRecord => ({
  requestId,
  at: '2026-01-01T00:00:00.000Z',
  model: 'fraud',
  version: 1,
  features: { age, email: 7 },
  outputs: { 'probabilities[ok]': 0.75, 'probabilities[fraud]': 0.25 },
  latencyMs: 2,
  status: 'ok',
  caller: 'ann',
  ...extra,
});

/** Wait until callbacks scheduled with setImmediate so far have run. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

class MemoryWriter implements PredictionWriter {
  readonly records: PredictionRecord[] = [];
  inserts = 0;
  fail: Error | undefined;
  gate: Promise<void> | undefined;
  async write(groups: readonly LoggedGroup[]): Promise<void> {
    this.inserts += 1;
    await this.gate;
    if (this.fail !== undefined) throw this.fail;
    for (const group of groups) this.records.push(...group.records);
  }
}

function makeLog(monitoring: Record<string, unknown> = {}, options: { random?: () => number } = {}) {
  const writer = new MemoryWriter();
  const counts = { logged: new Map<string, number>(), dropped: new Map<string, number>() };
  const log = new PredictionLog({
    config: validateConfig({ monitoring }),
    writer,
    salt: 'test-salt',
    random: options.random,
    observer: {
      predictionsLogged: (model, n) => counts.logged.set(model, (counts.logged.get(model) ?? 0) + n),
      predictionsDropped: (model, n) => counts.dropped.set(model, (counts.dropped.get(model) ?? 0) + n),
    },
  });
  return { log, writer, counts };
}

describe('PredictionLog sampling', () => {
  it('logs nothing at sampleRate 0 and everything at 1', () => {
    const { log } = makeLog({ sampleRate: 0, overrides: { churn: { sampleRate: 1 } } });
    expect(Array.from({ length: 100 }, () => log.sample('fraud')).some(Boolean)).toBe(false);
    expect(Array.from({ length: 100 }, () => log.sample('churn')).every(Boolean)).toBe(true);
  });

  it('keeps about half at sampleRate 0.5, the same half for the same seed', () => {
    const draw = () => {
      const { log } = makeLog({ sampleRate: 0.5 }, { random: mulberry32(42) });
      return Array.from({ length: 2000 }, () => log.sample('fraud'));
    };
    const first = draw();
    const kept = first.filter(Boolean).length;
    expect(kept).toBeGreaterThan(900);
    expect(kept).toBeLessThan(1100);
    expect(draw()).toEqual(first);
  });
});

describe('PredictionLog buffer', () => {
  it('drops and counts what does not fit, never throwing, and warns in health', async () => {
    const { log, writer, counts } = makeLog({ bufferSize: 3 });
    for (let i = 0; i < 5; i++) expect(() => log.record(event({ requestId: `r${i}` }))).not.toThrow();
    // A 2-row request does not fit in the one row left.
    log.record(event({ rows: 2 }));
    expect(log.buffered).toBe(3);
    expect(log.dropped).toBe(4);
    expect(log.health()).toMatchObject({
      buffered: 3,
      dropped: 4,
      warning: expect.stringContaining('monitoring.bufferSize=3'),
    });
    await log.flush();
    expect(writer.records.map((r) => r.requestId)).toEqual(['r0', 'r1', 'r2']);
    expect(counts.logged.get('fraud')).toBe(3);
    expect(counts.dropped.get('fraud')).toBe(4);
    expect(log.buffered).toBe(0);
  });

  it('never throws from record, even for an event it cannot read', () => {
    const { log } = makeLog();
    const hostile = new Proxy({} as PredictionEvent, {
      get() {
        throw new Error('boom');
      },
    });
    expect(() => log.record(hostile)).not.toThrow();
  });

  it('counts rows being written against the buffer, so a stalled write makes new records drop', async () => {
    const { log, writer } = makeLog({ bufferSize: 2 });
    let release: () => void = () => undefined;
    writer.gate = new Promise((resolve) => (release = resolve));
    log.record(event({ requestId: 'a' }));
    log.record(event({ requestId: 'b' }));
    const flushing = log.flush();
    log.record(event({ requestId: 'c' }));
    expect(log.dropped).toBe(1);
    expect(log.buffered).toBe(2);
    release();
    await flushing;
    log.record(event({ requestId: 'd' }));
    await log.close();
    expect(writer.records.map((r) => r.requestId)).toEqual(['a', 'b', 'd']);
  });

  it('writes once monitoring.flushAtFill of the buffer is taken, without waiting for the timer', async () => {
    const { log, writer } = makeLog({ bufferSize: 10, flushAtFill: 0.5, flushIntervalMs: 600_000 });
    log.start();
    for (let i = 0; i < 4; i++) log.record(event({ requestId: `r${i}` }));
    await nextTurn();
    expect(writer.inserts).toBe(0);
    log.record(event({ requestId: 'r4' }));
    // Scheduled, never written inside record.
    expect(writer.inserts).toBe(0);
    await nextTurn();
    expect(writer.inserts).toBe(1);
    await log.flush();
    expect(writer.records.map((r) => r.requestId)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    expect(log.buffered).toBe(0);
    await log.close();
  });

  it('still drops and counts when the writer is slower than arrivals, flushing early or not', async () => {
    const { log, writer, counts } = makeLog({ bufferSize: 4, flushAtFill: 0.5, flushIntervalMs: 600_000 });
    log.start();
    let release: () => void = () => undefined;
    writer.gate = new Promise((resolve) => (release = resolve));
    for (let i = 0; i < 10; i++) log.record(event({ requestId: `r${i}` }));
    expect(log.dropped).toBe(6);
    await nextTurn();
    // The early write is stalled: its rows still take the buffer.
    expect(writer.inserts).toBe(1);
    log.record(event({ requestId: 'late' }));
    expect(log.dropped).toBe(7);
    release();
    await log.close();
    expect(writer.records.map((r) => r.requestId)).toEqual(['r0', 'r1', 'r2', 'r3']);
    expect(counts.dropped.get('fraud')).toBe(7);
  });

  it('flushes on the timer only at monitoring.flushAtFill 1', async () => {
    const { log, writer } = makeLog({ bufferSize: 2, flushAtFill: 1, flushIntervalMs: 600_000 });
    log.start();
    log.record(event({ requestId: 'a' }));
    log.record(event({ requestId: 'b' }));
    await nextTurn();
    expect(writer.inserts).toBe(0);
    expect(log.buffered).toBe(2);
    await log.close();
    expect(writer.records).toHaveLength(2);
  });

  it('counts the rows of a failed write as dropped and warns until a write succeeds', async () => {
    const { log, writer } = makeLog();
    writer.fail = new Error('disk full');
    log.record(event());
    await log.flush();
    expect(log.dropped).toBe(1);
    expect(log.warning).toContain('prediction log dropped 1 predictions');
    writer.fail = undefined;
    log.record(event());
    await log.flush();
    expect(writer.records).toHaveLength(1);
  });
});

describe('PredictionLog records', () => {
  it('writes one record per row with named features, suffixing request ids of multi-row requests', async () => {
    const { log, writer } = makeLog();
    log.record(
      event({
        requestId: 'batch',
        rows: 2,
        inputs: { x: { datatype: 'FP32', shape: [2, 2], data: new Float32Array([40, 7, 50, 8]) } },
        outputs: {
          probabilities: { datatype: 'FP32', shape: [2, 2], data: new Float32Array([0.75, 0.25, 0.5, 0.5]) },
        },
        flags: ['age: out of range'],
      }),
    );
    log.record(
      event({
        requestId: undefined,
        status: 'error',
        code: 'INVALID_TENSOR_DATA',
        inputs: undefined,
        outputs: undefined,
        rows: 0,
      }),
    );
    await log.flush();
    expect(writer.inserts).toBe(1);
    expect(writer.records).toEqual([
      storedRecord('batch#0', 40, { flags: ['age: out of range'] }),
      expect.objectContaining({ requestId: 'batch#1', features: { age: 50, email: 8 } }),
      expect.objectContaining({
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        status: 'error',
        code: 'INVALID_TENSOR_DATA',
        features: {},
        outputs: {},
      }),
    ]);
  });

  it('stores a request as it was when recorded, though the caller reuses its arrays afterwards', async () => {
    const { log, writer } = makeLog();
    const data = new Float32Array([40, 7]);
    log.record(event({ inputs: { x: { datatype: 'FP32', shape: [1, 2], data } } }));
    data.set([99, 99]);
    await log.flush();
    expect(writer.records[0]!.features).toEqual({ age: 40, email: 7 });
  });

  it('writes a version’s requests as segments of at most 1024 rows, in order', async () => {
    const { log, writer } = makeLog({ bufferSize: 5000, flushAtFill: 1 });
    const groups: number[] = [];
    log.subscribe((batch) => {
      for (const group of batch.groups) groups.push(group.columns.rows);
    });
    for (let k = 0; k < 2500; k += 1) log.record(event({ requestId: `r${k}`, latencyMs: k }));
    await log.flush();
    expect(groups).toEqual([1024, 1024, 452]);
    expect(writer.records.map((record) => record.latencyMs)).toEqual(
      Array.from({ length: 2500 }, (_, k) => k),
    );
  });

  it('keeps nothing of one flush in the next, though the version’s arrays are reused', async () => {
    const { log, writer } = makeLog();
    const x = (age: number) => ({
      x: { datatype: 'FP32' as const, shape: [1, 2], data: new Float32Array([age, 7]) },
    });
    // The first flush has a second caller, a flagged row, a failure and two rows more.
    log.record(event({ requestId: 'a', inputs: x(40), caller: 'bob', flags: ['age: out of range'] }));
    log.record(
      event({ requestId: 'b', status: 'error', code: 'INTERNAL', inputs: undefined, outputs: undefined }),
    );
    await log.flush();
    log.record(event({ requestId: 'c', inputs: x(41) }));
    await log.flush();
    expect(writer.records.slice(2)).toEqual([storedRecord('c', 41)]);
  });

  it('keeps nothing of a busy flush in the next, though its stages are reused', async () => {
    const { log, writer } = makeLog();
    const x = (age: number) => ({
      x: { datatype: 'FP32' as const, shape: [1, 2], data: new Float32Array([age, 7]) },
    });
    // Three stages' worth: every third request fails, every fifth is flagged, callers vary.
    for (let k = 0; k < 2500; k += 1) {
      log.record(
        event({
          requestId: `first-${k}`,
          caller: `caller-${k % 7}`,
          inputs: x(k),
          ...(k % 3 === 0 ? { status: 'error' as const, code: 'INTERNAL', outputs: undefined } : {}),
          ...(k % 5 === 0 ? { flags: ['age: out of range'] } : {}),
        }),
      );
    }
    await log.flush();
    for (let k = 0; k < 2100; k += 1) log.record(event({ requestId: `second-${k}`, inputs: x(-1 - k) }));
    await log.flush();
    const second = writer.records.slice(2500);
    expect(second).toHaveLength(2100);
    second.forEach((record, k) => expect(record).toEqual(storedRecord(`second-${k}`, -1 - k)));
  });

  it('redacts before writing and hands subscribers what was stored, without dropped or hashed features', async () => {
    const { log, writer } = makeLog({ redact: { drop: ['probabilities'], hash: ['email'] } });
    const batches: LoggedPredictions[] = [];
    log.subscribe((batch) => {
      batches.push(batch);
    });
    log.subscribe(() => {
      throw new Error('a broken subscriber');
    });
    log.record(event());
    await log.flush();
    const stored = writer.records[0]!;
    expect(stored.outputs).toEqual({});
    expect(stored.features.age).toBe(40);
    expect(stored.features.email).toMatch(/^[0-9a-f]{64}$/);
    expect(batches).toHaveLength(1);
    const [group, ...others] = batches[0]!.groups;
    expect(others).toEqual([]);
    expect(group).toMatchObject({
      model: 'fraud',
      version: 1,
      features: [{ name: 'age', kind: 'numeric', source: 'input', tensor: 'x', column: 0 }],
      records: [stored],
    });
    // The columns hold no dropped output.
    expect(group!.columns.outputs).toEqual([]);
  });

  it('reuses every stage a flush wrote for the next requests, and lets go of those a flush left unused', async () => {
    const { log } = makeLog({ bufferSize: 10_000, flushAtFill: 1 });
    const round = async (requests: number) => {
      for (let k = 0; k < requests; k += 1) log.record(event({ requestId: `r${k}` }));
      await log.flush();
      return log.stagesCreated;
    };
    // Three full stages and a fourth with ten rows; the next flush's requests take all four again.
    expect(await round(3 * 1024 + 10)).toBe(4);
    expect(await round(3 * 1024 + 10)).toBe(4);
    // A quiet flush uses one: the three it left are let go, so a busy one makes three anew.
    expect(await round(10)).toBe(4);
    expect(await round(3 * 1024 + 10)).toBe(7);
  });

  it('reuses a flush’s float columns only once its subscribers are done with them', async () => {
    const { log } = makeLog();
    const x = (age: number) => ({
      x: { datatype: 'FP32' as const, shape: [1, 2], data: new Float32Array([age, 7]) },
    });
    const held: { group: LoggedGroup; done: () => void }[] = [];
    log.subscribe(
      (batch) => new Promise<void>((resolve) => held.push({ group: batch.groups[0]!, done: resolve })),
    );
    const flushAges = async (...ages: number[]) => {
      ages.forEach((age, k) => log.record(event({ requestId: `r${age}-${k}`, inputs: x(age) })));
      await log.flush();
      return held[held.length - 1]!.group.columns.inputs[0]!.f32!;
    };
    const a = await flushAges(41, 42);
    const b = await flushAges(51, 52);
    // A subscriber still holds the first batch: the second got other storage.
    expect(b.buffer).not.toBe(a.buffer);
    expect([...a]).toEqual([41, 42]);
    held[0]!.done();
    await nextTurn();
    const c = await flushAges(61, 62);
    expect(c.buffer).toBe(a.buffer);
    expect([...c]).toEqual([61, 62]);
    // The second batch is still held: untouched.
    expect([...b]).toEqual([51, 52]);
  });

  it('stores the flags a flagger gives each row, after redaction', async () => {
    const { log, writer } = makeLog({ redact: { drop: ['email'] } });
    const seen: unknown[] = [];
    log.useFlagger((columns) => {
      const flagged = new Map<number, readonly string[]>();
      for (let row = 0; row < columns.rows; row += 1) {
        const { features } = columns.record(row);
        seen.push(features);
        if (typeof features.age === 'number' && features.age > 30)
          flagged.set(row, ['age: above the reference range']);
      }
      return flagged;
    });
    log.record(event());
    await log.flush();
    expect(seen).toEqual([{ age: 40 }]);
    expect(writer.records[0]!.flags).toEqual(['age: above the reference range']);
  });

  it('writes what is buffered on close, and logs nothing afterwards', async () => {
    const { log, writer } = makeLog({ flushIntervalMs: 60_000 });
    log.start();
    log.record(event());
    await log.close();
    expect(writer.records).toHaveLength(1);
    expect(log.sample('fraud')).toBe(false);
  });
});
