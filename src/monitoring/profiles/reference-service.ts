import { createHash } from 'node:crypto';
import { FerryError } from '../../core/index.js';
import type { VersionRecord, VersionRef } from '../../registry/index.js';
import type { LoadedModel } from '../../runtime/index.js';
import { summarizeProfile, type FeatureSummary } from './profile-summary.js';
import type { ReferenceCache } from './reference-cache.js';
import { buildReferenceProfile, type ModelRunner } from './reference-builder.js';
import { readDataset, type DatasetFormat } from './reference-dataset.js';
import type { ReferenceRecord, ReferenceStore } from './reference-store.js';

/** The part of the registry references need. */
export interface VersionSource {
  getVersion(model: string, ref: VersionRef): Promise<VersionRecord>;
}

/** Where a runner for a version comes from (the model manager). */
export interface ModelSource {
  acquire(version: VersionRecord): Promise<LoadedModel>;
}

/** A runner over the version's loaded session (loading it first when needed). */
export function runnerFrom(models: ModelSource): (version: VersionRecord) => Promise<ModelRunner> {
  return async (version) => {
    const loaded = await models.acquire(version);
    return (inputs, outputNames) => loaded.session.run(inputs, outputNames);
  };
}

/** A reference profile as the API shows it: where it came from and a summary per feature and output. */
export interface ReferenceView {
  readonly model: string;
  readonly version: number;
  readonly source: string;
  readonly digest: string;
  readonly rows: number;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly notes: readonly string[];
  readonly features: Readonly<Record<string, FeatureSummary>>;
}

/** A reference dataset as a caller sends it. */
export interface ReferenceUpload {
  readonly model: string;
  readonly ref: VersionRef;
  readonly body: Uint8Array | string;
  readonly format: DatasetFormat;
  /** Name of the dataset, stored with the profile (default `reference.<format>`). */
  readonly source?: string | undefined;
  readonly actor: string;
}

/** The API view of a stored reference. */
export function referenceView(record: ReferenceRecord): ReferenceView {
  return {
    model: record.model,
    version: record.version,
    source: record.source,
    digest: record.digest,
    rows: record.rows,
    createdAt: record.createdAt,
    createdBy: record.createdBy,
    notes: record.notes,
    features: summarizeProfile(record.profile),
  };
}

const MAX_SOURCE_LENGTH = 256;

/**
 * Attach and read reference profiles: a dataset is parsed, its inputs profiled, the version's
 * model run over it for the outputs (see buildReferenceProfile), and the profile stored, replacing
 * any earlier one of the version.
 */
export class ReferenceService {
  constructor(
    private readonly deps: {
      readonly versions: VersionSource;
      readonly store: ReferenceStore;
      readonly cache?: ReferenceCache | undefined;
      /** A runner for the version's model; without it only inputs are profiled. */
      readonly runner?: ((version: VersionRecord) => Promise<ModelRunner>) | undefined;
      readonly clock?: () => Date;
    },
  ) {}

  /** Build and store the reference profile of a version from a dataset; returns its view. */
  async attach(upload: ReferenceUpload): Promise<ReferenceView> {
    const source = upload.source ?? `reference.${upload.format}`;
    if (source.length === 0 || source.length > MAX_SOURCE_LENGTH) {
      throw new FerryError('INVALID_ARGUMENT', `source must be 1-${MAX_SOURCE_LENGTH} characters`);
    }
    const version = await this.deps.versions.getVersion(upload.model, upload.ref);
    const bytes = typeof upload.body === 'string' ? Buffer.from(upload.body, 'utf8') : upload.body;
    const text = typeof upload.body === 'string' ? upload.body : Buffer.from(bytes).toString('utf8');
    const table = readDataset(text, upload.format);
    const run = this.deps.runner === undefined ? undefined : await this.deps.runner(version);
    const built = await buildReferenceProfile({ signature: version.signature, table, run });
    const record: ReferenceRecord = {
      model: version.model,
      version: version.version,
      profile: built.profile,
      source,
      digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
      rows: built.rows,
      notes: built.notes,
      createdAt: (this.deps.clock?.() ?? new Date()).toISOString(),
      createdBy: upload.actor,
    };
    await this.deps.store.put(record);
    this.deps.cache?.set(record);
    return referenceView(record);
  }

  /** The reference of a version; REFERENCE_NOT_FOUND when it has none. */
  async describe(model: string, ref: VersionRef): Promise<ReferenceView> {
    const version = await this.deps.versions.getVersion(model, ref);
    const record = await this.deps.store.get(version.model, version.version);
    if (record === undefined) throw noReference(version);
    return referenceView(record);
  }

  /**
   * Remove a version's reference profile (REFERENCE_NOT_FOUND when it has none): drift reports and
   * validation then have nothing to compare with until another is attached. Live profiles stay.
   */
  async detach(model: string, ref: VersionRef): Promise<void> {
    const version = await this.deps.versions.getVersion(model, ref);
    const removed = await this.deps.store.delete(version.model, version.version);
    this.deps.cache?.invalidate(version.model, version.version);
    if (!removed) throw noReference(version);
  }
}

function noReference(version: { readonly model: string; readonly version: number }): FerryError {
  return new FerryError(
    'REFERENCE_NOT_FOUND',
    `model '${version.model}' version ${version.version} has no reference profile; attach one with \`ferry monitor reference ${version.model}:${version.version} data.csv\` or PUT /api/v1/models/${version.model}/versions/${version.version}/reference`,
  );
}
