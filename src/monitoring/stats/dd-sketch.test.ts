import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DDSketch } from './dd-sketch.js';
import { shortFloat32 as shortest } from '../features/extract-rows.js';

const ALPHA = 0.01;
/** Float slack on top of α for values that fall on a bin boundary. */
const SLACK = 1e-12;

function sketchOf(values: readonly number[], alpha = ALPHA): DDSketch {
  const sketch = new DDSketch(alpha);
  for (const value of values) sketch.add(value);
  return sketch;
}

/** The true lower quantile: the element of rank ⌊q(n − 1)⌋ of the sorted values. */
function lowerQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))] ?? NaN;
}

function expectWithinRelativeError(estimate: number | null, truth: number, alpha: number): void {
  expect(estimate).not.toBeNull();
  expect(Math.abs((estimate ?? NaN) - truth)).toBeLessThanOrEqual((alpha + SLACK) * Math.abs(truth));
}

const finite = fc.double({ min: -1e9, max: 1e9, noNaN: true, noDefaultInfinity: true });
const quantiles = [0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1];

describe('DDSketch', () => {
  it('keeps every quantile within the relative accuracy of the true lower quantile', () => {
    fc.assert(
      fc.property(fc.array(finite, { minLength: 1, maxLength: 300 }), (values) => {
        const sketch = sketchOf(values);
        for (const q of quantiles)
          expectWithinRelativeError(sketch.quantile(q), lowerQuantile(values, q), ALPHA);
      }),
    );
  });

  it('honours a coarser accuracy too', () => {
    const values = Array.from({ length: 1000 }, (_, i) => (i - 300) * 1.37);
    const sketch = sketchOf(values, 0.05);
    for (const q of quantiles) expectWithinRelativeError(sketch.quantile(q), lowerQuantile(values, q), 0.05);
  });

  it('handles negative values, zeros and exact min and max', () => {
    const sketch = sketchOf([-100, -10, 0, 0, 10, 100]);
    expect(sketch.count).toBe(6);
    expect(sketch.min).toBe(-100);
    expect(sketch.max).toBe(100);
    expect(sketch.quantile(0)).toBe(-100);
    expect(sketch.quantile(1)).toBe(100);
    expect(sketch.quantile(0.4)).toBe(0);
    expectWithinRelativeError(sketch.quantile(0.2), -10, ALPHA);
    expectWithinRelativeError(sketch.quantile(0.8), 10, ALPHA);
  });

  it('gives a merge of a split stream exactly the sketch of the whole stream', () => {
    fc.assert(
      fc.property(fc.array(finite, { maxLength: 200 }), fc.nat(), fc.nat(), (values, i, j) => {
        const [cut1, cut2] = [i % (values.length + 1), j % (values.length + 1)].sort((a, b) => a - b);
        const parts = [values.slice(0, cut1), values.slice(cut1, cut2), values.slice(cut2)].map((p) =>
          sketchOf(p),
        );
        const [a, b, c] = parts as [DDSketch, DDSketch, DDSketch];
        const whole = sketchOf(values).toJSON();
        expect(a.merge(b).merge(c).toJSON()).toEqual(whole);
        expect(a.merge(b.merge(c)).toJSON()).toEqual(whole);
        expect(c.merge(a).merge(b).toJSON()).toEqual(whole);
      }),
    );
  });

  it('centred on an offset, keeps every quantile within α of its distance to the offset', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }),
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        (values, offset) => {
          const sketch = new DDSketch(ALPHA, offset);
          for (const value of values) sketch.add(value);
          expect(sketch.min === Math.min(...values)).toBe(true); // −0 is kept as 0
          expect(sketch.max === Math.max(...values)).toBe(true);
          for (const q of quantiles) {
            const truth = lowerQuantile(values, q);
            // Float slack: relative to the magnitudes, and absolute for subnormal differences.
            const bound =
              ALPHA * Math.abs(truth - offset) + 1e-9 * (Math.abs(truth) + Math.abs(offset)) + 1e-300;
            expect(Math.abs((sketch.quantile(q) ?? NaN) - truth)).toBeLessThanOrEqual(bound);
          }
        },
      ),
    );
  });

  it('resolves a small spread at a large magnitude once centred: 47.6 ± 0.1 gets its own bins', () => {
    const values = Array.from({ length: 101 }, (_, i) => 47.5 + i * 0.002);
    const plain = sketchOf(values);
    const centred = new DDSketch(ALPHA, 47.6);
    for (const value of values) centred.add(value);
    expect(plain.bins().length).toBeLessThanOrEqual(2); // bins 2α·47.6 ≈ 0.95 wide hide the spread
    expect(centred.bins().length).toBeGreaterThan(50);
    expect(centred.quantile(0.25)).toBeCloseTo(47.55, 3);
  });

  it('merges exactly when offsets agree, and re-bins the other side when they differ', () => {
    const values = Array.from({ length: 300 }, (_, i) => 100 + Math.sin(i) * 3);
    const at = (offset: number, part: readonly number[]) => {
      const sketch = new DDSketch(ALPHA, offset);
      for (const value of part) sketch.add(value);
      return sketch;
    };
    const [first, second] = [values.slice(0, 120), values.slice(120)];
    expect(at(100, first).merge(at(100, second)).toJSON()).toEqual(at(100, values).toJSON());
    const mixed = at(100, first).merge(at(0, second));
    expect(mixed.offset).toBe(100);
    expect([mixed.count, mixed.min, mixed.max]).toEqual([300, Math.min(...values), Math.max(...values)]);
    for (const q of quantiles) {
      // Error of the offset-0 side's representative (α·|x|) plus its re-binning (α·|x − 100|).
      const truth = lowerQuantile(values, q);
      const bound = ALPHA * Math.abs(truth) * (1 + ALPHA) + ALPHA * Math.abs(truth - 100) + 1e-9;
      expect(Math.abs((mixed.quantile(q) ?? NaN) - truth)).toBeLessThanOrEqual(bound);
    }
    const json = JSON.parse(JSON.stringify(mixed.toJSON()));
    expect(json.offset).toBe(100);
    expect(DDSketch.fromJSON(json).toJSON()).toEqual(mixed.toJSON());
  });

  it('estimates the CDF at a value within one bin of the true CDF', () => {
    fc.assert(
      fc.property(fc.array(finite, { minLength: 1, maxLength: 200 }), finite, (values, x) => {
        const cdf = sketchOf(values).cdf(x) ?? NaN;
        const share = (t: number) => values.filter((v) => v <= t).length / values.length;
        const [low, high] = x >= 0 ? [x / (1 + ALPHA), x / (1 - ALPHA)] : [x / (1 - ALPHA), x / (1 + ALPHA)];
        expect(cdf).toBeGreaterThanOrEqual(share(low * (1 - SLACK)) - 1e-12);
        expect(cdf).toBeLessThanOrEqual(share(high * (1 + SLACK)) + 1e-12);
      }),
    );
  });

  it('survives a JSON round trip unchanged', () => {
    fc.assert(
      fc.property(fc.array(finite, { maxLength: 100 }), (values) => {
        const json = sketchOf(values).toJSON();
        const back = DDSketch.fromJSON(JSON.parse(JSON.stringify(json)));
        expect(back.toJSON()).toEqual(json);
        expect(back.quantile(0.5)).toEqual(sketchOf(values).quantile(0.5));
      }),
    );
  });

  it('answers null for quantiles and CDF of an empty sketch', () => {
    const sketch = new DDSketch();
    expect(sketch.quantile(0.5)).toBeNull();
    expect(sketch.cdf(1)).toBeNull();
    expect(sketch.toJSON()).toMatchObject({ count: 0, min: null, max: null });
  });

  it('refuses to merge sketches of different accuracy', () => {
    expect(() => new DDSketch(0.01).merge(new DDSketch(0.02))).toThrow(/same accuracy/);
  });

  it('refuses non-finite values and quantiles outside [0, 1]', () => {
    const sketch = sketchOf([1]);
    expect(() => sketch.add(Number.NaN)).toThrow(/finite/);
    expect(() => sketch.quantile(1.5)).toThrow(/\[0, 1\]/);
  });

  it('refuses stored JSON whose bins do not add up to its count', () => {
    const json = { ...sketchOf([1, 2, 3]).toJSON(), count: 4 };
    expect(() => DDSketch.fromJSON(json)).toThrow(/inconsistent/);
  });
});

describe('DDSketch.addFloat32', () => {
  it('makes exactly the sketch of the stored decimals, ties at the offset included', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.integer({ min: -400, max: 400 }).map((i) => i / 10),
            fc.double({ min: -1e6, max: 1e6, noNaN: true }),
          ),
          { minLength: 1, maxLength: 200 },
        ),
        fc.integer({ min: -400, max: 400 }).map((i) => i / 10),
        (decimals, offset) => {
          const byDecimal = new DDSketch(0.01, offset);
          const byFloat = new DDSketch(0.01, offset);
          for (const value of decimals) {
            const raw = Math.fround(value);
            byDecimal.add(shortest(raw));
            byFloat.addFloat32(raw, shortest);
          }
          expect(byFloat.toJSON()).toEqual(byDecimal.toJSON());
        },
      ),
    );
  });
});

describe('DDSketch.addFloat32Rows', () => {
  it('makes the sketch addFloat32 makes of the finite values at those rows, runs and ties included', () => {
    const element = fc.oneof(
      fc.integer({ min: -40, max: 40 }).map((i) => i / 10),
      fc.double({ min: -1e6, max: 1e6, noNaN: true }),
      fc.constantFrom(NaN, Infinity, -Infinity),
    );
    fc.assert(
      fc.property(
        fc.array(element, { minLength: 1, maxLength: 200 }),
        fc.array(fc.nat(), { maxLength: 300 }),
        fc.nat(),
        fc.integer({ min: -40, max: 40 }).map((i) => i / 10),
        (elements, picks, cut, offset) => {
          const values = Float32Array.from(elements);
          const rows = picks.map((pick) => pick % values.length);
          const split = cut % (rows.length + 1);
          const byValue = new DDSketch(0.01, offset);
          const byRows = new DDSketch(0.01, offset);
          for (const row of rows)
            if (Number.isFinite(values[row]!)) byValue.addFloat32(values[row]!, shortest);
          // In two batches: what one batch leaves (the last value binned, the extremes) carries over.
          byRows.addFloat32Rows(values, rows.slice(0, split), shortest);
          byRows.addFloat32Rows(values, Int32Array.from(rows.slice(split)), shortest);
          expect(byRows.toJSON()).toEqual(byValue.toJSON());
        },
      ),
    );
  });

  it('bins float32 values next to bin boundaries as their stored decimals', () => {
    // Float32 values on either side of the boundaries γ^k: their decimals may fall in the next bin.
    const gamma = 1.01 / 0.99;
    const boundaries = Array.from({ length: 1200 }, (_, i) => gamma ** (i - 600));
    const floats = boundaries.flatMap((b) => [
      Math.fround(b),
      Math.fround(b * (1 + 2 ** -24)),
      Math.fround(b * (1 - 2 ** -24)),
    ]);
    // Extremes first, so the boundary values are not new minima or maxima (which convert anyway).
    const values = Float32Array.from([-1e30, 1e30, ...floats, ...floats.map((x) => -x)]);
    const rows = Array.from(values, (_, row) => row);
    const byDecimal = new DDSketch(0.01);
    const byRows = new DDSketch(0.01);
    for (const raw of values) byDecimal.add(shortest(raw));
    byRows.addFloat32Rows(values, rows, shortest);
    expect(byRows.toJSON()).toEqual(byDecimal.toJSON());
  });
});
