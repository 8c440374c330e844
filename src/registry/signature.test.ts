import { describe, expect, it } from 'vitest';
import type { Signature } from './registry-types.js';
import { applySignatureOverrides } from './signature.js';
import { expectFerryError } from '../../test/support/ferry-errors.js';

const signature: Signature = {
  inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 3] }],
  outputs: [
    { name: 'probabilities', datatype: 'FP32', shape: [-1, 2] },
    { name: 'embedding', datatype: 'FP32', shape: [-1, -1] },
  ],
};

async function rejects(overrides: unknown, message: string): Promise<void> {
  await expectFerryError(() => applySignatureOverrides(signature, overrides), 'INVALID_SIGNATURE', message);
}

describe('applySignatureOverrides', () => {
  it('adds feature names, labels and descriptions', () => {
    const result = applySignatureOverrides(signature, {
      inputs: { x: { features: ['age', 'income', 'tenure'], description: 'applicant' } },
      outputs: { probabilities: { labels: ['ok', 'fraud'] } },
    });
    expect(result.inputs[0]).toEqual({
      name: 'x',
      datatype: 'FP32',
      shape: [-1, 3],
      features: ['age', 'income', 'tenure'],
      description: 'applicant',
    });
    expect(result.outputs[0]?.labels).toEqual(['ok', 'fraud']);
    expect(result.outputs[1]).toEqual(signature.outputs[1]);
  });

  it('fixes a dynamic dimension, and then checks names against it', async () => {
    const result = applySignatureOverrides(signature, {
      outputs: { embedding: { shape: [-1, 4], features: ['a', 'b', 'c', 'd'] } },
    });
    expect(result.outputs[1]?.shape).toEqual([-1, 4]);
    await rejects({ outputs: { embedding: { shape: [-1, 4], features: ['a'] } } }, '4 columns');
  });

  it('accepts any number of names when the last dimension is dynamic', () => {
    const result = applySignatureOverrides(signature, { outputs: { embedding: { features: ['a', 'b'] } } });
    expect(result.outputs[1]?.features).toEqual(['a', 'b']);
  });

  it('rejects feature names whose count differs from the fixed last dimension', async () => {
    await rejects(
      { inputs: { x: { features: ['age', 'income'] } } },
      "input 'x' has 3 columns in its last dimension [-1, 3], but 2 feature names",
    );
  });

  it('rejects an override of an input the model does not have, listing the real ones', async () => {
    await rejects(
      { inputs: { z: { description: 'nope' } } },
      "overrides name input 'z', but the model's inputs are 'x'",
    );
  });

  it('rejects a shape override that changes a fixed dimension', async () => {
    await rejects({ inputs: { x: { shape: [-1, 4] } } }, "dimension 1 of input 'x' is fixed at 3");
  });

  it('rejects a shape override with a different rank', async () => {
    await rejects({ inputs: { x: { shape: [8] } } }, "input 'x' has 2 dimensions");
  });

  it('rejects labels on an input', async () => {
    await rejects({ inputs: { x: { labels: ['a', 'b', 'c'] } } }, 'cannot have labels');
  });

  it('rejects repeated feature names', async () => {
    await rejects({ inputs: { x: { features: ['a', 'a', 'b'] } } }, "repeat 'a'");
  });

  it('rejects unknown keys with the allowed ones', async () => {
    await rejects(
      { inputs: { x: { datatype: 'FP64' } } },
      "unknown key 'datatype'; the allowed keys are features, labels, featureKinds, description, shape",
    );
    await rejects({ parameters: {} }, "unknown key 'parameters'");
  });

  describe('featureKinds', () => {
    it('keeps one kind per named column', () => {
      const result = applySignatureOverrides(signature, {
        inputs: {
          x: { features: ['age', 'zip', 'tenure'], featureKinds: ['numeric', 'categorical', 'numeric'] },
        },
      });
      expect(result.inputs[0]?.featureKinds).toEqual(['numeric', 'categorical', 'numeric']);
    });

    it('takes one kind per column of an unnamed 2-D tensor with a fixed last dimension', () => {
      const result = applySignatureOverrides(signature, {
        inputs: { x: { featureKinds: ['numeric', 'numeric', 'categorical'] } },
      });
      expect(result.inputs[0]?.featureKinds).toEqual(['numeric', 'numeric', 'categorical']);
    });

    it('rejects kinds whose count differs from the named columns', async () => {
      await rejects(
        { inputs: { x: { features: ['a', 'b', 'c'], featureKinds: ['numeric'] } } },
        "input 'x' has 3 named columns but 1 featureKinds were given",
      );
    });

    it('rejects kinds for columns it cannot count, and unknown kinds', async () => {
      await rejects(
        { outputs: { embedding: { featureKinds: ['numeric'] } } },
        'featureKinds need named columns',
      );
      await rejects(
        { inputs: { x: { featureKinds: ['numeric', 'ordinal', 'numeric'] } } },
        '"numeric" or "categorical"',
      );
    });

    it('refuses numeric kinds for text columns', async () => {
      const text: Signature = { inputs: [{ name: 'city', datatype: 'BYTES', shape: [-1] }], outputs: [] };
      await expectFerryError(
        () => applySignatureOverrides(text, { inputs: { city: { featureKinds: ['numeric'] } } }),
        'INVALID_SIGNATURE',
        'can only be "categorical"',
      );
    });
  });
});
