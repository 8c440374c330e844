import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPenguins, parsePenguinRecords, PENGUIN_SPECIES } from './penguins-dataset.js';

/** The package folder, found independently of the loader: its entry point lives in `build/`. */
const packageRoot = dirname(dirname(createRequire(import.meta.url).resolve('vega-datasets')));

describe('loadPenguins', () => {
  const dataset = loadPenguins();

  it('keeps the 342 complete rows of the 344 in the file and counts the 2 dropped', () => {
    expect(dataset.rows).toHaveLength(342);
    expect(dataset.droppedRows).toBe(2);
    for (const row of dataset.rows) {
      expect(row.features.every(Number.isFinite)).toBe(true);
      expect(PENGUIN_SPECIES).toContain(row.species);
    }
  });

  it('reads the measurements in feature order', () => {
    expect(dataset.rows[0]).toEqual({ features: [39.1, 18.7, 181, 3750], species: 'Adelie' });
  });

  it('reports the sha256 of the file bytes, which the package itself describes', () => {
    const bytes = readFileSync(join(packageRoot, 'data/penguins.json'));
    expect(dataset.source.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    // datapackage.json records each file's git blob hash: sha1 of `blob <size>\0` and the bytes.
    const datapackage = JSON.parse(readFileSync(join(packageRoot, 'datapackage.json'), 'utf8')) as {
      resources: { path: string; hash: string }[];
    };
    const described = datapackage.resources.find((resource) => resource.path === 'penguins.json');
    const blobHash = createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
    expect(described?.hash).toBe(`sha1:${blobHash}`);
  });

  it('names the file by package, version and path', () => {
    const { version } = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(dataset.source).toMatchObject({
      packageName: 'vega-datasets',
      packageVersion: version,
      path: 'vega-datasets/data/penguins.json',
      uri: `npm:vega-datasets@${version}/data/penguins.json`,
    });
  });
});

describe('parsePenguinRecords', () => {
  const complete = {
    Species: 'Gentoo',
    'Beak Length (mm)': 46.1,
    'Beak Depth (mm)': 13.2,
    'Flipper Length (mm)': 211,
    'Body Mass (g)': 4500,
    Sex: null,
  };

  it('drops records with a missing species or measurement and keeps the rest', () => {
    const { rows, droppedRows } = parsePenguinRecords([
      complete,
      { ...complete, Species: null },
      { ...complete, 'Beak Depth (mm)': null },
      { ...complete, 'Body Mass (g)': undefined },
      { ...complete, 'Flipper Length (mm)': 'NA' },
      null,
    ]);
    expect(rows).toEqual([{ features: [46.1, 13.2, 211, 4500], species: 'Gentoo' }]);
    expect(droppedRows).toBe(5);
  });

  it('rejects a species the model does not know, naming the known ones', () => {
    expect(() => parsePenguinRecords([{ ...complete, Species: 'Emperor' }])).toThrow(
      /Adelie, Chinstrap, Gentoo/,
    );
  });

  it('rejects a file that is not an array of records', () => {
    expect(() => parsePenguinRecords({ rows: [] })).toThrow(TypeError);
  });
});
