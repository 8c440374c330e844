import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  INACTIVE,
  nextAlertState,
  notificationOf,
  verdictOf,
  type AlertState,
  type WindowReading,
  type WindowVerdict,
} from './alert-state.js';

const HOUR = 3_600_000;
const window = (index: number) => ({ start: new Date(index * HOUR), end: new Date((index + 1) * HOUR) });
const reading = (index: number, value: number): WindowReading => ({
  window: window(index),
  value,
  rows: 100,
  version: 3,
  details: undefined,
});
const breach = (index: number, value = 0.9): WindowVerdict => ({
  kind: 'breaching',
  reading: reading(index, value),
});
const clear = (index: number, value = 0.1): WindowVerdict => ({
  kind: 'clear',
  reading: reading(index, value),
});
const none = (index: number): WindowVerdict => ({ kind: 'no-verdict', window: window(index) });

const run = (verdicts: WindowVerdict[], forWindows: number, from: AlertState = INACTIVE) =>
  verdicts.reduce<AlertState[]>(
    (states, verdict) => [...states, nextAlertState(states[states.length - 1] ?? from, verdict, forWindows)],
    [],
  );

describe('verdictOf', () => {
  const above = { op: 'above' as const, threshold: 0.5 };
  const below = { op: 'below' as const, threshold: 0.5 };

  it('breaches strictly above or below the threshold, and a value equal to it is clear', () => {
    expect(verdictOf(above, window(0), { value: 0.51, rows: 10 }).kind).toBe('breaching');
    expect(verdictOf(above, window(0), { value: 0.5, rows: 10 }).kind).toBe('clear');
    expect(verdictOf(below, window(0), { value: 0.49, rows: 10 }).kind).toBe('breaching');
    expect(verdictOf(below, window(0), { value: 0.5, rows: 10 }).kind).toBe('clear');
  });

  it('gives no verdict without a reading or with a value that is not a finite number', () => {
    expect(verdictOf(above, window(0), undefined)).toEqual({ kind: 'no-verdict', window: window(0) });
    expect(verdictOf(above, window(0), { value: Number.NaN, rows: 10 }).kind).toBe('no-verdict');
    expect(verdictOf(above, window(0), { value: Number.POSITIVE_INFINITY, rows: 10 }).kind).toBe(
      'no-verdict',
    );
  });

  it('keeps the reading with its window, version and details', () => {
    const verdict = verdictOf(above, window(2), { value: 0.7, rows: 40, version: 2, details: { a: 1 } });
    expect(verdict).toEqual({
      kind: 'breaching',
      reading: { window: window(2), value: 0.7, rows: 40, version: 2, details: { a: 1 } },
    });
  });
});

describe('nextAlertState', () => {
  it('fires on the first breaching window when forWindows is 1, and resolves on the first clear one', () => {
    expect(run([breach(0), breach(1), clear(2), clear(3)], 1)).toEqual([
      { kind: 'firing', since: window(0).end, breaches: [reading(0, 0.9)] },
      { kind: 'firing', since: window(0).end, breaches: [reading(0, 0.9)] },
      { kind: 'resolved', since: window(2).end },
      INACTIVE,
    ]);
  });

  it('is pending until forWindows windows in a row breach, then fires with those readings', () => {
    const states = run([breach(0, 0.6), breach(1, 0.7), breach(2, 0.8)], 3);
    expect(states[0]).toEqual({ kind: 'pending', since: window(0).start, breaches: [reading(0, 0.6)] });
    expect(states[1]).toEqual({
      kind: 'pending',
      since: window(0).start,
      breaches: [reading(0, 0.6), reading(1, 0.7)],
    });
    expect(states[2]).toEqual({
      kind: 'firing',
      since: window(2).end,
      breaches: [reading(0, 0.6), reading(1, 0.7), reading(2, 0.8)],
    });
  });

  it('goes back to inactive from pending on a clear window, without resolving', () => {
    expect(run([breach(0), clear(1)], 2).map((state) => state.kind)).toEqual(['pending', 'inactive']);
  });

  it('lets a window without a verdict neither extend, break, fire nor resolve', () => {
    expect(run([breach(0), none(1), breach(2)], 2).map((s) => s.kind)).toEqual([
      'pending',
      'pending',
      'firing',
    ]);
    const firing = nextAlertState(INACTIVE, breach(0), 1);
    expect(nextAlertState(firing, none(1), 1)).toBe(firing);
    const resolved = nextAlertState(firing, clear(1), 1);
    expect(nextAlertState(resolved, none(2), 1)).toBe(resolved);
    expect(nextAlertState(INACTIVE, none(0), 1)).toBe(INACTIVE);
  });

  it('from resolved: a clear window makes it inactive, a breaching one pending or firing again', () => {
    const resolved: AlertState = { kind: 'resolved', since: window(4).end };
    expect(nextAlertState(resolved, clear(5), 2)).toEqual(INACTIVE);
    expect(nextAlertState(resolved, breach(5), 2)).toMatchObject({ kind: 'pending', since: window(5).start });
    expect(nextAlertState(resolved, breach(5), 1)).toMatchObject({ kind: 'firing', since: window(5).end });
  });

  it('keeps a firing alert as it was while windows keep breaching', () => {
    const firing = nextAlertState(INACTIVE, breach(0), 1);
    expect(nextAlertState(firing, breach(1, 0.99), 1)).toBe(firing);
  });

  it('fires at once when forWindows was lowered below the run already pending', () => {
    const pending = run([breach(0), breach(1), breach(2)], 5).at(-1)!;
    expect(nextAlertState(pending, breach(3), 2)).toEqual({
      kind: 'firing',
      since: window(3).end,
      breaches: [reading(2, 0.9), reading(3, 0.9)],
    });
  });

  it('fires exactly when forWindows breaching verdicts follow the last clear one (no-verdicts skipped)', () => {
    const verdictKind = fc.constantFrom('breaching', 'clear', 'no-verdict');
    fc.assert(
      fc.property(
        fc.array(verdictKind, { maxLength: 40 }),
        fc.integer({ min: 1, max: 5 }),
        (kinds, forWindows) => {
          const verdicts = kinds.map((kind, index) =>
            kind === 'breaching' ? breach(index) : kind === 'clear' ? clear(index) : none(index),
          );
          const states = run(verdicts, forWindows);
          let runLength = 0;
          let wasFiring = false;
          let firings = 0;
          let previous: AlertState = INACTIVE;
          verdicts.forEach((verdict, index) => {
            const state = states[index]!;
            if (verdict.kind === 'breaching') runLength += 1;
            if (verdict.kind === 'clear') runLength = 0;
            const firing = runLength >= forWindows;
            if (verdict.kind === 'clear') {
              expect(state.kind).toBe(wasFiring ? 'resolved' : 'inactive');
            } else if (verdict.kind === 'breaching') {
              expect(state.kind).toBe(firing ? 'firing' : 'pending');
            } else {
              expect(state).toBe(previous);
            }
            if (notificationOf(previous.kind, state.kind) === 'alert.firing') firings += 1;
            if (verdict.kind !== 'no-verdict') wasFiring = state.kind === 'firing';
            previous = state;
          });
          // One firing notification per run of at least forWindows breaching verdicts.
          let runs = 0;
          let current = 0;
          for (const verdict of verdicts) {
            if (verdict.kind === 'breaching') {
              current += 1;
              if (current === forWindows) runs += 1;
            } else if (verdict.kind === 'clear') current = 0;
          }
          expect(firings).toBe(runs);
        },
      ),
    );
  });
});

describe('notificationOf', () => {
  it('notifies on entering firing and on resolving, and on nothing else', () => {
    expect(notificationOf('inactive', 'firing')).toBe('alert.firing');
    expect(notificationOf('pending', 'firing')).toBe('alert.firing');
    expect(notificationOf('resolved', 'firing')).toBe('alert.firing');
    expect(notificationOf('firing', 'resolved')).toBe('alert.resolved');
    expect(notificationOf('firing', 'firing')).toBeUndefined();
    expect(notificationOf('inactive', 'pending')).toBeUndefined();
    expect(notificationOf('pending', 'inactive')).toBeUndefined();
    expect(notificationOf('resolved', 'inactive')).toBeUndefined();
    expect(notificationOf('resolved', 'pending')).toBeUndefined();
  });
});
