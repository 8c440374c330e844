import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The four numeric measurements the demo model reads, in input column order. */
export const PENGUIN_FEATURES = [
  'Beak Length (mm)',
  'Beak Depth (mm)',
  'Flipper Length (mm)',
  'Body Mass (g)',
] as const;

/** One of the four measurement columns. */
export type PenguinFeature = (typeof PENGUIN_FEATURES)[number];

/** The species the demo model tells apart, in output column order. */
export const PENGUIN_SPECIES = ['Adelie', 'Chinstrap', 'Gentoo'] as const;

/** One of the three Palmer Archipelago species. */
export type PenguinSpecies = (typeof PENGUIN_SPECIES)[number];

/** One complete penguin record: its measurements in `PENGUIN_FEATURES` order and its species. */
export interface PenguinRow {
  readonly features: readonly [number, number, number, number];
  readonly species: PenguinSpecies;
}

/** Where the data came from, precisely enough to record as lineage. */
export interface PenguinDataSource {
  readonly packageName: 'vega-datasets';
  readonly packageVersion: string;
  /** The file, named from the package: `vega-datasets/data/penguins.json`. */
  readonly path: string;
  /** The file as a lineage URI: `npm:vega-datasets@<version>/data/penguins.json`. */
  readonly uri: string;
  /** Lower-case hex sha256 of the file's bytes. */
  readonly sha256: string;
}

/** The complete rows of the penguins file, and how many incomplete ones were left out. */
export interface PenguinDataset {
  readonly rows: readonly PenguinRow[];
  readonly droppedRows: number;
  readonly source: PenguinDataSource;
}

const PACKAGE_NAME = 'vega-datasets';
const FILE_IN_PACKAGE = 'data/penguins.json';

/**
 * Load the Palmer penguins from the installed `vega-datasets` package (never from the network).
 * Rows missing the species or any of the four measurements are dropped.
 */
export function loadPenguins(): PenguinDataset {
  const packageRoot = findPackageRoot();
  const manifest = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  const bytes = readFileSync(join(packageRoot, FILE_IN_PACKAGE));
  const { rows, droppedRows } = parsePenguinRecords(JSON.parse(bytes.toString('utf8')));
  return {
    rows,
    droppedRows,
    source: {
      packageName: PACKAGE_NAME,
      packageVersion: manifest.version,
      path: `${PACKAGE_NAME}/${FILE_IN_PACKAGE}`,
      uri: `npm:${PACKAGE_NAME}@${manifest.version}/${FILE_IN_PACKAGE}`,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    },
  };
}

/**
 * Keep the records that have a known species and four finite measurements.
 * Throws on a species outside `PENGUIN_SPECIES`: that means the file changed and the model must too.
 */
export function parsePenguinRecords(records: unknown): { rows: PenguinRow[]; droppedRows: number } {
  if (!Array.isArray(records)) {
    throw new TypeError(`${PACKAGE_NAME}/${FILE_IN_PACKAGE} should hold a JSON array of records`);
  }
  const rows: PenguinRow[] = [];
  for (const record of records as unknown[]) {
    const row = toPenguinRow(record);
    if (row) rows.push(row);
  }
  return { rows, droppedRows: records.length - rows.length };
}

function toPenguinRow(record: unknown): PenguinRow | undefined {
  if (typeof record !== 'object' || record === null) return undefined;
  const fields = record as Record<string, unknown>;
  const species = fields['Species'];
  if (species === null || species === undefined) return undefined;
  if (!isPenguinSpecies(species)) {
    throw new RangeError(
      `unknown penguin species ${JSON.stringify(species)}; the demo knows ${PENGUIN_SPECIES.join(', ')}`,
    );
  }
  const [a, b, c, d] = PENGUIN_FEATURES.map((feature) => fields[feature]);
  if (!isFiniteNumber(a) || !isFiniteNumber(b) || !isFiniteNumber(c) || !isFiniteNumber(d)) return undefined;
  return { features: [a, b, c, d], species };
}

function isPenguinSpecies(value: unknown): value is PenguinSpecies {
  return (PENGUIN_SPECIES as readonly unknown[]).includes(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * The installed package's folder. `vega-datasets` does not export `./package.json`, so resolve its
 * entry point and walk up to the folder whose manifest bears its name.
 */
function findPackageRoot(): string {
  const entry = createRequire(import.meta.url).resolve(PACKAGE_NAME);
  for (let folder = dirname(entry); ; folder = dirname(folder)) {
    const manifestPath = join(folder, 'package.json');
    if (existsSync(manifestPath)) {
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { name?: unknown };
      if (manifest.name === PACKAGE_NAME) return folder;
    }
    if (dirname(folder) === folder) {
      throw new Error(`could not find the ${PACKAGE_NAME} package root above ${entry}; run \`npm install\``);
    }
  }
}
