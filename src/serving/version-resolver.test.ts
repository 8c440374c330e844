import { describe, expect, it } from 'vitest';
import type { VersionRecord, VersionRef } from '../registry/index.js';
import { VersionResolver } from './version-resolver.js';

function lookup() {
  const calls: string[] = [];
  let version = 1;
  return {
    calls,
    bump: () => (version += 1),
    getVersion: (model: string, ref: VersionRef) => {
      calls.push(`${model}:${ref.kind}`);
      return Promise.resolve({ model, version } as VersionRecord);
    },
  };
}

describe('VersionResolver', () => {
  it('answers from its cache until the TTL passes', async () => {
    const source = lookup();
    const clock = { now: 0 };
    const resolver = new VersionResolver(source, 1000, () => clock.now);
    const ref: VersionRef = { kind: 'alias', alias: 'production' };
    await resolver.resolve('m', ref);
    source.bump();
    expect((await resolver.resolve('m', ref)).version).toBe(1);
    clock.now = 1001;
    expect((await resolver.resolve('m', ref)).version).toBe(2);
    expect(source.calls).toHaveLength(2);
  });

  it('forgets a model at once when invalidated, and only that model', async () => {
    const source = lookup();
    const resolver = new VersionResolver(source, 60_000);
    await resolver.resolve('m', { kind: 'default' });
    await resolver.resolve('other', { kind: 'default' });
    source.bump();
    resolver.invalidate('m');
    expect((await resolver.resolve('m', { kind: 'default' })).version).toBe(2);
    expect((await resolver.resolve('other', { kind: 'default' })).version).toBe(1);
  });

  it('hands out the signature object it first read for a version, at every re-read', async () => {
    const reads: VersionRecord[] = [];
    const read = (version: number, input: string) =>
      ({
        model: 'm',
        version,
        aliases: [`read-${reads.length}`],
        signature: { inputs: [{ name: input }], outputs: [] },
      }) as unknown as VersionRecord;
    const source = {
      next: read(1, 'a'),
      getVersion: () => {
        reads.push(source.next);
        return Promise.resolve(source.next);
      },
    };
    const resolver = new VersionResolver(source, 0);
    const first = await resolver.resolve('m', { kind: 'default' });
    source.next = read(1, 'a');
    const again = await resolver.resolve('m', { kind: 'default' });
    expect(again.signature).toBe(first.signature);
    // The rest of the record is the fresh read (aliases move).
    expect(again.aliases).toEqual(['read-1']);
    source.next = read(2, 'b');
    const other = await resolver.resolve('m', { kind: 'default' });
    expect(other.signature).toBe(reads[2]!.signature);
    // The same number with another signature (deleted and pushed again) is another version.
    source.next = read(1, 'c');
    const repushed = await resolver.resolve('m', { kind: 'default' });
    expect(repushed.signature).toBe(reads[3]!.signature);
    expect(repushed.signature).not.toBe(first.signature);
  });

  it('never caches with a TTL of 0', async () => {
    const source = lookup();
    const resolver = new VersionResolver(source, 0);
    await resolver.resolve('m', { kind: 'number', version: 1 });
    await resolver.resolve('m', { kind: 'number', version: 1 });
    expect(source.calls).toHaveLength(2);
  });
});
