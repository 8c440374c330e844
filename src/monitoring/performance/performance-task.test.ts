import { describe, expect, it } from 'vitest';
import type { Signature } from '../../registry/index.js';
import type { FeedbackRecord } from '../log/prediction-record.js';
import { evaluationRecord, resolvePerformanceTask, type TaskSettings } from './performance-task.js';

const AUTO: TaskSettings = { task: 'auto', predictionOutput: '', scoreOutput: '', positiveClass: '' };

const INPUT = { name: 'x', datatype: 'FP32', shape: [-1, 2], features: ['a', 'b'] } as const;

/** The demo penguin model: probabilities with labels, an INT64 class index and a BYTES species. */
const PENGUINS: Signature = {
  inputs: [INPUT],
  outputs: [
    { name: 'probabilities', datatype: 'FP32', shape: [-1, 3], labels: ['Adelie', 'Chinstrap', 'Gentoo'] },
    { name: 'class_index', datatype: 'INT64', shape: [-1] },
    { name: 'species', datatype: 'BYTES', shape: [-1] },
  ],
};

const feedback = (label: FeedbackRecord['label'], value: number | null = null): FeedbackRecord => ({
  label,
  value,
  at: '2024-01-01T00:00:00.000Z',
  receivedAt: '2024-01-01T00:00:00.000Z',
});

describe('resolvePerformanceTask', () => {
  it('reads a classifier with a class-name output and labelled probabilities', () => {
    expect(resolvePerformanceTask(PENGUINS, AUTO)).toEqual({
      kind: 'classification',
      prediction: { kind: 'feature', feature: 'species' },
      scores: {
        output: 'probabilities',
        columns: [
          { label: 'Adelie', feature: 'probabilities[Adelie]' },
          { label: 'Chinstrap', feature: 'probabilities[Chinstrap]' },
          { label: 'Gentoo', feature: 'probabilities[Gentoo]' },
        ],
      },
    });
  });

  it('takes the argmax of the scores when no output holds the class', () => {
    const signature: Signature = {
      inputs: [INPUT],
      outputs: [{ name: 'p', datatype: 'FP32', shape: [-1, 2], labels: ['no', 'yes'] }],
    };
    const task = resolvePerformanceTask(signature, AUTO);
    expect(task).toMatchObject({ kind: 'classification', prediction: { kind: 'argmax', output: 'p' } });
    expect(
      evaluationRecord(task as never, {
        outputs: { 'p[no]': 0.3, 'p[yes]': 0.7 },
        feedback: feedback('yes'),
      }),
    ).toEqual({ actual: 'yes', predicted: 'yes', scores: { no: 0.3, yes: 0.7 } });
  });

  it('uses an INT64 class output when it is the only class output, labels compared as text', () => {
    const signature: Signature = {
      inputs: [INPUT],
      outputs: [{ name: 'label', datatype: 'INT64', shape: [-1] }],
    };
    const task = resolvePerformanceTask(signature, AUTO);
    expect(task).toEqual({
      kind: 'classification',
      prediction: { kind: 'feature', feature: 'label' },
      scores: null,
    });
    expect(evaluationRecord(task as never, { outputs: { label: '1' }, feedback: feedback(1) })).toEqual({
      actual: '1',
      predicted: '1',
    });
  });

  it('reads a regressor from a numeric 1-D output, or the only column of an [N, 1] output', () => {
    const vector: Signature = {
      inputs: [INPUT],
      outputs: [{ name: 'price', datatype: 'FP32', shape: [-1] }],
    };
    expect(resolvePerformanceTask(vector, AUTO)).toEqual({ kind: 'regression', prediction: 'price' });
    const column: Signature = {
      inputs: [INPUT],
      outputs: [{ name: 'variable', datatype: 'FP32', shape: [-1, 1] }],
    };
    const task = resolvePerformanceTask(column, AUTO);
    expect(task).toEqual({ kind: 'regression', prediction: 'variable[0]' });
    expect(
      evaluationRecord(task as never, { outputs: { 'variable[0]': 2.5 }, feedback: feedback(null, 3) }),
    ).toEqual({
      actual: 3,
      predicted: 2.5,
    });
  });

  it('follows the task, predictionOutput and scoreOutput settings', () => {
    expect(resolvePerformanceTask(PENGUINS, { ...AUTO, predictionOutput: 'class_index' })).toMatchObject({
      kind: 'classification',
      prediction: { kind: 'feature', feature: 'class_index' },
    });
    expect(resolvePerformanceTask(PENGUINS, { ...AUTO, predictionOutput: 'probabilities' })).toMatchObject({
      prediction: { kind: 'argmax', output: 'probabilities' },
    });
    const twoScores: Signature = {
      inputs: [INPUT],
      outputs: [
        { name: 'raw', datatype: 'FP32', shape: [-1, 2], labels: ['a', 'b'] },
        { name: 'calibrated', datatype: 'FP32', shape: [-1, 2], labels: ['a', 'b'] },
      ],
    };
    expect(resolvePerformanceTask(twoScores, { ...AUTO, scoreOutput: 'calibrated' })).toMatchObject({
      scores: { output: 'calibrated' },
      prediction: { kind: 'argmax', output: 'calibrated' },
    });
    const numeric: Signature = { inputs: [INPUT], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1] }] };
    expect(resolvePerformanceTask(numeric, { ...AUTO, task: 'classification' })).toEqual({
      kind: 'classification',
      prediction: { kind: 'feature', feature: 'y' },
      scores: null,
    });
    expect(resolvePerformanceTask(PENGUINS, { ...AUTO, task: 'regression' })).toMatchObject({
      kind: 'unresolved',
    });
  });

  it('says why it cannot resolve a task, naming the setting', () => {
    const wide: Signature = { inputs: [INPUT], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 3] }] };
    expect(resolvePerformanceTask(wide, AUTO)).toEqual({
      kind: 'unresolved',
      reason: expect.stringContaining('monitoring.predictionOutput'),
    });
    expect(resolvePerformanceTask(PENGUINS, { ...AUTO, predictionOutput: 'nope' })).toEqual({
      kind: 'unresolved',
      reason: expect.stringContaining("'nope' is not an output"),
    });
  });
});

describe('evaluationRecord', () => {
  const task = resolvePerformanceTask(PENGUINS, AUTO);
  const outputs = {
    'probabilities[Adelie]': 0.7,
    'probabilities[Chinstrap]': 0.2,
    'probabilities[Gentoo]': 0.1,
    class_index: '0',
    species: 'Adelie',
  };

  it('compares the predicted class with the feedback label, with the scores by label', () => {
    expect(evaluationRecord(task as never, { outputs, feedback: feedback('Gentoo') })).toEqual({
      actual: 'Gentoo',
      predicted: 'Adelie',
      scores: { Adelie: 0.7, Chinstrap: 0.2, Gentoo: 0.1 },
    });
  });

  it('gives nothing without feedback, without a label, or without the prediction', () => {
    expect(evaluationRecord(task as never, { outputs, feedback: null })).toBeNull();
    expect(evaluationRecord(task as never, { outputs: {}, feedback: feedback('Adelie') })).toBeNull();
    const regression = resolvePerformanceTask(
      { inputs: [INPUT], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1] }] },
      AUTO,
    );
    expect(
      evaluationRecord(regression as never, { outputs: { y: 1 }, feedback: feedback('high') }),
    ).toBeNull();
  });
});
