import { describe, expect, it } from 'vitest';
import { FerryError } from '../core/index.js';
import type { LoadState } from '../runtime/index.js';
import { Readiness } from './readiness.js';

function states(map: Record<string, LoadState['kind']>) {
  return {
    stateOf: (model: string, version: number): LoadState | undefined => {
      const kind = map[`${model}:${version}`];
      if (kind === undefined) return undefined;
      if (kind === 'failed')
        return { kind, error: new FerryError('MODEL_LOAD_FAILED', `model '${model}' broke`), at: 0 };
      if (kind === 'loading') return { kind, since: 0, done: new Promise(() => undefined) };
      return { kind: 'ready', model: {} as never, loadMs: 1 };
    },
  };
}

describe('Readiness', () => {
  it('is not ready until start-up preloading is over', () => {
    const readiness = new Readiness(states({}), true);
    expect(readiness.check()).toEqual({
      ready: false,
      reason: 'the server is still loading its preloaded models',
    });
    readiness.markStarted([]);
    expect(readiness.check()).toEqual({ ready: true });
  });

  it('with strict readiness, is not ready while a preloaded version failed or is loading', () => {
    const readiness = new Readiness(states({ 'a:1': 'ready', 'b:2': 'failed' }), true);
    readiness.markStarted([
      { model: 'a', version: 1 },
      { model: 'b', version: 2 },
    ]);
    expect(readiness.check()).toEqual({ ready: false, reason: "model 'b' broke" });
  });

  it('with strict readiness, is not ready when a preload entry named no version', () => {
    const readiness = new Readiness(states({}), true);
    readiness.markStarted([], ["preload 'nope@production': model 'nope' does not exist"]);
    expect(readiness.check()).toEqual({
      ready: false,
      reason: "preload 'nope@production': model 'nope' does not exist",
    });
  });

  it('without strict readiness, ignores model states', () => {
    const readiness = new Readiness(states({ 'b:2': 'failed' }), false);
    readiness.markStarted([{ model: 'b', version: 2 }]);
    expect(readiness.check()).toEqual({ ready: true });
  });

  it('is not ready once draining', () => {
    const readiness = new Readiness(states({}), true);
    readiness.markStarted([]);
    readiness.markDraining();
    expect(readiness.check()).toEqual({ ready: false, reason: 'the server is draining for shutdown' });
  });
});
