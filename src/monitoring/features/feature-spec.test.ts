import { describe, expect, it } from 'vitest';
import type { Signature } from '../../registry/index.js';
import { featuresOf } from './feature-spec.js';

describe('featuresOf', () => {
  it('names one feature per column of a 2-D input from its feature names, with declared kinds', () => {
    const signature: Signature = {
      inputs: [
        {
          name: 'x',
          datatype: 'FP32',
          shape: [-1, 3],
          features: ['age', 'zip', 'income'],
          featureKinds: ['numeric', 'categorical', 'numeric'],
        },
      ],
      outputs: [],
    };
    expect(featuresOf(signature)).toEqual({
      features: [
        { name: 'age', kind: 'numeric', source: 'input', tensor: 'x', column: 0 },
        { name: 'zip', kind: 'categorical', source: 'input', tensor: 'x', column: 1 },
        { name: 'income', kind: 'numeric', source: 'input', tensor: 'x', column: 2 },
      ],
      skipped: [],
    });
  });

  it('makes up names <input>[j] for unnamed columns, and skips a dynamic column count without names', () => {
    const { features, skipped } = featuresOf({
      inputs: [
        { name: 'x', datatype: 'INT32', shape: [-1, 2] },
        { name: 'embedding', datatype: 'FP32', shape: [-1, -1] },
      ],
      outputs: [],
    });
    expect(features.map((f) => [f.name, f.kind, f.column])).toEqual([
      ['x[0]', 'numeric', 0],
      ['x[1]', 'numeric', 1],
    ]);
    expect(skipped).toEqual([
      {
        source: 'input',
        tensor: 'embedding',
        reason: 'its column count is dynamic and it has no feature names',
      },
    ]);
  });

  it('gives a 1-D input one feature named after it; BYTES and BOOL are categorical', () => {
    const { features } = featuresOf({
      inputs: [
        { name: 'amount', datatype: 'FP64', shape: [-1] },
        { name: 'country', datatype: 'BYTES', shape: [-1] },
        { name: 'member', datatype: 'BOOL', shape: [-1] },
      ],
      outputs: [],
    });
    expect(features).toEqual([
      { name: 'amount', kind: 'numeric', source: 'input', tensor: 'amount', column: null },
      { name: 'country', kind: 'categorical', source: 'input', tensor: 'country', column: null },
      { name: 'member', kind: 'categorical', source: 'input', tensor: 'member', column: null },
    ]);
  });

  it('skips inputs of rank above 2 and scalars, saying why', () => {
    const { features, skipped } = featuresOf({
      inputs: [
        { name: 'image', datatype: 'FP32', shape: [-1, 3, 224, 224] },
        { name: 'temperature', datatype: 'FP32', shape: [] },
      ],
      outputs: [{ name: 'total', datatype: 'FP32', shape: [] }],
    });
    expect(features).toEqual([]);
    expect(skipped.map((s) => [s.source, s.tensor, s.reason])).toEqual([
      ['input', 'image', 'rank 4 tensors are not profiled (only 1-D and 2-D)'],
      ['input', 'temperature', 'a scalar input is not one value per row'],
      ['output', 'total', 'a scalar output is not one value per row'],
    ]);
  });

  it('turns outputs into features: class scores by label, class labels categorical, values numeric', () => {
    const { features } = featuresOf({
      inputs: [],
      outputs: [
        { name: 'probabilities', datatype: 'FP32', shape: [-1, 2], labels: ['ok', 'fraud'] },
        { name: 'label', datatype: 'INT64', shape: [-1] },
        { name: 'species', datatype: 'BYTES', shape: [-1] },
        { name: 'price', datatype: 'FP32', shape: [-1] },
        { name: 'y', datatype: 'FP32', shape: [-1, 2] },
      ],
    });
    expect(features.map((f) => [f.name, f.kind, f.source, f.tensor, f.column])).toEqual([
      ['probabilities[ok]', 'numeric', 'output', 'probabilities', 0],
      ['probabilities[fraud]', 'numeric', 'output', 'probabilities', 1],
      ['label', 'categorical', 'output', 'label', null],
      ['species', 'categorical', 'output', 'species', null],
      ['price', 'numeric', 'output', 'price', null],
      ['y[0]', 'numeric', 'output', 'y', 0],
      ['y[1]', 'numeric', 'output', 'y', 1],
    ]);
  });
});
