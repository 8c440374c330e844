import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowScaleModel } from '../../../test/support/models.js';
import { FerryError } from '../../core/index.js';
import type { Signature } from '../../registry/index.js';
import { OnnxRuntime, type RuntimeSession } from '../../runtime/index.js';
import { summarizeProfile } from './profile-summary.js';
import { buildReferenceProfile, type ModelRunner } from './reference-builder.js';
import { readDataset } from './reference-dataset.js';

/** y = 2·x on [-1, 3]: features a, b (numeric) and c (a categorical code); outputs y[p], y[q], y[r]. */
const SIGNATURE: Signature = {
  inputs: [
    {
      name: 'x',
      datatype: 'FP32',
      shape: [-1, 3],
      features: ['a', 'b', 'c'],
      featureKinds: ['numeric', 'numeric', 'categorical'],
    },
  ],
  outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 3], labels: ['p', 'q', 'r'] }],
};

const CSV = ['a,b,c,label', '1,10,1,yes', '2,,2,no', '3,30,1,yes', '4,40,1,no', ''].join('\n');

let runtime: OnnxRuntime;
let session: RuntimeSession;
let runs: number[];
let run: ModelRunner;

beforeAll(async () => {
  runtime = new OnnxRuntime();
  session = await runtime.load(rowScaleModel(2), {
    intraOpThreads: 1,
    interOpThreads: 1,
    graphOptimizationLevel: 'all',
  });
  run = async (inputs, outputNames) => {
    runs.push(inputs.x?.shape[0] ?? 0);
    return session.run(inputs, outputNames);
  };
});

afterAll(async () => {
  await session?.release();
  await runtime?.close();
});

describe('building a reference profile', () => {
  it('profiles each input column and every output of the model run over the rows, in batches', async () => {
    runs = [];
    const built = await buildReferenceProfile({
      signature: SIGNATURE,
      table: readDataset(CSV, 'csv'),
      run,
      batchRows: 3,
    });
    expect(runs).toEqual([3, 1]);
    expect(built.rows).toBe(4);
    expect(built.ignoredColumns).toEqual(['label']);
    expect(built.notes).toEqual([
      expect.stringContaining('columns ignored (no input feature of the version has their name'),
    ]);
    const summary = summarizeProfile(built.profile);
    expect(Object.keys(summary)).toEqual(['a', 'b', 'c', 'y[p]', 'y[q]', 'y[r]']);
    expect(summary.a).toMatchObject({
      kind: 'numeric',
      source: 'input',
      count: 4,
      missing: 0,
      min: 1,
      max: 4,
      mean: 2.5,
      histogram: {
        // Deciles of 1, 2, 3, 4 (numpy's linear interpolation).
        edges: [1.3, 1.6, 1.9, 2.2, 2.5, 2.8, 3.1, 3.4, 3.7].map((edge) => expect.closeTo(edge, 10)),
        counts: [1, 0, 0, 1, 0, 0, 1, 0, 0, 1],
      },
      distinctValues: [
        [1, 1],
        [2, 1],
        [3, 1],
        [4, 1],
      ],
    });
    expect(summary.a?.kind === 'numeric' && summary.a.std).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(summary.b).toMatchObject({ count: 3, missing: 1, min: 10, max: 40 });
    expect(summary.c).toMatchObject({
      kind: 'categorical',
      count: 4,
      missing: 0,
      distinct: 2,
      topK: [
        { category: '1', count: 3, frequency: 0.75 },
        { category: '2', count: 1, frequency: 0.25 },
      ],
    });
    // Outputs: y = 2x; the row missing b runs with NaN, whose output is missing too.
    expect(summary['y[p]']).toMatchObject({
      kind: 'numeric',
      source: 'output',
      count: 4,
      min: 2,
      max: 8,
      mean: 5,
    });
    expect(summary['y[q]']).toMatchObject({ count: 3, missing: 1, min: 20, max: 80 });
    expect(summary['y[r]']).toMatchObject({ count: 4, min: 2, max: 4 });
  });

  it('takes NDJSON the same way', async () => {
    const ndjson = [
      { a: 1, b: 10, c: 1 },
      { a: 2, b: null, c: 2 },
      { features: { a: 3, b: 30, c: 1 } },
      { a: 4, b: 40, c: '1' },
    ]
      .map((row) => JSON.stringify(row))
      .join('\n');
    runs = [];
    const fromNdjson = await buildReferenceProfile({
      signature: SIGNATURE,
      table: readDataset(ndjson, 'ndjson'),
      run,
    });
    const fromCsv = await buildReferenceProfile({
      signature: SIGNATURE,
      table: readDataset(CSV, 'csv'),
      run,
    });
    expect(fromNdjson.profile.toJSON()).toEqual(fromCsv.profile.toJSON());
    expect(fromNdjson.ignoredColumns).toEqual([]);
  });

  it('names every feature column the dataset lacks', async () => {
    const error = await buildReferenceProfile({
      signature: SIGNATURE,
      table: readDataset('a,label\n1,x\n', 'csv'),
      run,
    }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(FerryError);
    expect((error as FerryError).code).toBe('INVALID_DATASET');
    expect((error as FerryError).message).toMatch(
      /^the reference dataset has no column for features 'b', 'c'; its columns are 'a', 'label'/,
    );
  });

  it('profiles only the inputs when the model cannot be fed from columns, and says why', async () => {
    const signature: Signature = {
      inputs: [
        { name: 'x', datatype: 'FP32', shape: [-1, 2], features: ['a', 'b'] },
        { name: 'image', datatype: 'FP32', shape: [-1, 2, 2] },
      ],
      outputs: [{ name: 'y', datatype: 'FP32', shape: [-1] }],
    };
    const built = await buildReferenceProfile({ signature, table: readDataset('a,b\n1,2\n', 'csv'), run });
    expect([...built.profile.features.keys()]).toEqual(['a', 'b']);
    expect(built.notes).toEqual([
      "input 'image' not profiled: rank 3 tensors are not profiled (only 1-D and 2-D)",
      "outputs not profiled: input 'image' has rank 3; only 1-D and 2-D inputs can be filled from columns",
    ]);
  });
});
