import { describe, expect, it } from 'vitest';
import { binIndex, quantileEdges } from './histogram.js';

describe('quantileEdges', () => {
  it('cuts at the deciles with linear interpolation, as numpy.quantile', () => {
    const values = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4];
    // np.quantile(values, [0.1, …, 0.9]) = [1.9, 2.8, 3, 3.6, 4.5, 5, 6.3, 8, 9]
    const expected = [1.9, 2.8, 3, 3.6, 4.5, 5, 6.3, 8, 9];
    quantileEdges(values).forEach((edge, i) => expect(edge).toBeCloseTo(expected[i] ?? NaN, 12));
  });

  it('drops repeated edges so they stay strictly increasing', () => {
    const edges = quantileEdges([0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    expect(edges).toHaveLength(3);
    [0, 0.2, 1].forEach((edge, i) => expect(edges[i]).toBeCloseTo(edge, 12));
    expect(quantileEdges([7, 7, 7])).toEqual([7]);
    expect(quantileEdges([])).toEqual([]);
  });
});

describe('binIndex', () => {
  it('puts values below the first edge and from the last edge on in the open outer bins', () => {
    const edges = [1, 2, 3];
    expect(binIndex(edges, -100)).toBe(0);
    expect(binIndex(edges, 0.999)).toBe(0);
    expect(binIndex(edges, 1)).toBe(1);
    expect(binIndex(edges, 2.5)).toBe(2);
    expect(binIndex(edges, 3)).toBe(3);
    expect(binIndex(edges, 1e9)).toBe(3);
    expect(binIndex([], 5)).toBe(0);
  });
});
