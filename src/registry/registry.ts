import type { ArtifactStore } from '../artifacts/index.js';
import { FerryError } from '../core/index.js';
import type { OnnxModelInfo } from '../onnx/index.js';
import { isForeignKeyViolation, withTransaction, type FerryDatabase } from '../store/index.js';
import { validateActor } from './actor.js';
import { moveAlias } from './alias-moves.js';
import { validateLineage } from './lineage.js';
import { parseModelCard, type ModelCard } from './model-card.js';
import { validateModelName } from './model-name.js';
import { inspectOnnxArtifact, onnxFacts } from './onnx-artifact.js';
import { registryErrors } from './registry-errors.js';
import {
  aliasEvents,
  findVersionRow,
  isArtifactReferenced,
  modelRecords,
  requireModelRow,
  resolveVersionNumber,
  versionRecord,
  versionRecords,
} from './registry-queries.js';
import type {
  Actor,
  AliasEvent,
  ModelDetail,
  ModelRecord,
  PushInput,
  PushResult,
  VersionRecord,
  VersionRef,
} from './registry-types.js';
import { applySignatureOverrides, signatureFromOnnx } from './signature.js';
import { validateTags } from './tags.js';
import { registerVersion } from './version-registration.js';
import { validateAlias } from './version-ref.js';

/** Settings of a Registry (from the `registry` section of the configuration). */
export interface RegistryOptions {
  /** Largest artifact a push accepts, in bytes (ARTIFACT_TOO_LARGE beyond). */
  readonly maxArtifactBytes: number;
  /** The alias a `default` reference means when the model has it; otherwise the latest version. */
  readonly defaultAlias: string;
  /** Source of timestamps; injectable for tests. */
  readonly clock?: () => Date;
}

const MAX_DESCRIPTION_LENGTH = 4096;

/**
 * The model registry: models, their immutable content-addressed versions, movable aliases with a
 * recorded history, lineage, signatures and model cards. Metadata lives in the database and
 * artifacts in the artifact store; every write is one transaction.
 */
export class Registry {
  private readonly clock: () => Date;

  constructor(
    private readonly database: FerryDatabase,
    private readonly artifacts: ArtifactStore,
    private readonly options: RegistryOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * Register an ONNX file as the next version of a model (creating the model if needed). Pushing
   * bytes the model already has returns that version with `created: false` (and still moves the
   * alias). Everything is checked before any metadata is written; the version, its alias move and the
   * alias event commit together or not at all.
   */
  async push(input: PushInput): Promise<PushResult> {
    const model = validateModelName(input.model);
    const { actor, reason } = validateActor(input);
    const alias = input.alias === undefined ? undefined : validateAlias(input.alias);
    const description = checkDescription(input.description);
    const card = input.card === undefined || input.card === '' ? null : checkCard(input.card);
    const lineage = validateLineage(input.lineage);
    const tags = validateTags(input.tags);

    const stored = await this.artifacts.put(input.artifact, { maxBytes: this.options.maxArtifactBytes });
    const bytes = await this.artifacts.get(stored.sha256);
    const info = await this.inspectOrDiscard(stored.sha256, bytes);
    const signature = applySignatureOverrides(signatureFromOnnx(info), input.signature);

    const result = await withTransaction(this.database.db, (trx) =>
      registerVersion(trx, {
        model,
        description,
        sha256: stored.sha256,
        sizeBytes: stored.sizeBytes,
        signature,
        lineage,
        card,
        tags,
        onnx: onnxFacts(info),
        alias,
        actor,
        reason,
        at: this.now(),
      }),
    );
    // A concurrent delete of another version with the same bytes may have removed the blob.
    if (!(await this.artifacts.has(stored.sha256))) await this.artifacts.put(bytes);
    return result;
  }

  /** Every model, by name. */
  listModels(): Promise<ModelRecord[]> {
    return modelRecords(this.database.db);
  }

  /** One model, with its latest version, version count and aliases; MODEL_NOT_FOUND when absent. */
  async getModel(name: string): Promise<ModelRecord> {
    const [record] = await modelRecords(this.database.db, name);
    if (record === undefined) throw registryErrors.modelNotFound(name);
    return record;
  }

  /** Every version of a model, oldest first; MODEL_NOT_FOUND when the model is absent. */
  async listVersions(name: string): Promise<VersionRecord[]> {
    await requireModelRow(this.database.db, name);
    return versionRecords(this.database.db, name);
  }

  /** A model with all its versions and the version served when a request names none (null if none). */
  async describeModel(name: string): Promise<ModelDetail> {
    const model = await this.getModel(name);
    const versions = await versionRecords(this.database.db, name);
    const defaultVersion =
      versions.length === 0
        ? null
        : await resolveVersionNumber(this.database.db, name, { kind: 'default' }, this.options.defaultAlias);
    return { model, versions, defaultVersion };
  }

  /**
   * The version a reference means: a number, an alias, or `default` (the `defaultAlias` alias when
   * the model has it, else the latest version). VERSION_NOT_FOUND or MODEL_NOT_FOUND otherwise.
   */
  async getVersion(name: string, ref: VersionRef): Promise<VersionRecord> {
    const { db } = this.database;
    const version = await resolveVersionNumber(db, name, ref, this.options.defaultAlias);
    return versionRecord(db, name, version);
  }

  /** A version's model card, split into Markdown and front-matter metadata. */
  async getCard(name: string, ref: VersionRef): Promise<ModelCard> {
    const { card } = await this.getVersion(name, ref);
    if (card === null) return { markdown: null, metadata: {} };
    return parseModelCard(card);
  }

  /** Replace a version's tags (the only mutable part of a version) and return the version. */
  async setTags(
    name: string,
    version: number,
    tags: Readonly<Record<string, string>>,
  ): Promise<VersionRecord> {
    const checked = validateTags(tags);
    return withTransaction(this.database.db, async (trx) => {
      const { numUpdatedRows } = await trx
        .updateTable('model_versions')
        .set({ tags_json: JSON.stringify(checked) })
        .where('model_name', '=', name)
        .where('version', '=', version)
        .executeTakeFirstOrThrow();
      if (numUpdatedRows === 0n) {
        await requireModelRow(trx, name);
        throw registryErrors.versionNotFound(name, version);
      }
      return versionRecord(trx, name, version);
    });
  }

  /**
   * Point an alias at a version and record who, when, from where and why. Pointing it where it
   * already points changes nothing and returns the alias's last event.
   */
  async setAlias(name: string, alias: string, version: number, actor: Actor): Promise<AliasEvent> {
    const checkedAlias = validateAlias(alias);
    const who = validateActor(actor);
    return withTransaction(this.database.db, async (trx) => {
      if ((await findVersionRow(trx, name, version)) === undefined) {
        await requireModelRow(trx, name);
        throw registryErrors.versionNotFound(name, version);
      }
      return moveAlias(trx, { model: name, alias: checkedAlias, toVersion: version, ...who, at: this.now() });
    });
  }

  /** Remove an alias, recording the move to nothing; ALIAS_NOT_FOUND when it does not exist. */
  async deleteAlias(name: string, alias: string, actor: Actor): Promise<AliasEvent> {
    const checkedAlias = validateAlias(alias);
    const who = validateActor(actor);
    return withTransaction(this.database.db, async (trx) => {
      await requireModelRow(trx, name);
      return moveAlias(trx, { model: name, alias: checkedAlias, toVersion: null, ...who, at: this.now() });
    });
  }

  /** The recorded moves of a model's aliases (or of one alias), newest first. */
  async aliasHistory(name: string, alias?: string): Promise<AliasEvent[]> {
    const checkedAlias = alias === undefined ? undefined : validateAlias(alias);
    await requireModelRow(this.database.db, name);
    return aliasEvents(this.database.db, name, checkedAlias);
  }

  /**
   * Delete a version. VERSION_IN_USE while any alias points at it. Its artifact is removed too
   * when no other version (of any model) has the same bytes. Returns the deleted version.
   */
  async deleteVersion(name: string, version: number, actor: Actor): Promise<VersionRecord> {
    validateActor(actor);
    const deleted = await withTransaction(this.database.db, async (trx) => {
      const record = await versionRecord(trx, name, version);
      if (record.aliases.length > 0) throw registryErrors.versionInUse(name, version, record.aliases);
      try {
        await trx
          .deleteFrom('model_versions')
          .where('model_name', '=', name)
          .where('version', '=', version)
          .execute();
      } catch (error) {
        // An alias was pointed at the version meanwhile: run again to report VERSION_IN_USE.
        if (isForeignKeyViolation(error))
          throw new FerryError('CONFLICT', 'the version changed meanwhile; retry');
        throw error;
      }
      return record;
    });
    if (!(await isArtifactReferenced(this.database.db, deleted.sha256))) {
      await this.artifacts.delete(deleted.sha256);
    }
    return deleted;
  }

  /** The artifact bytes of a version, verified against its sha256 by the artifact store. */
  readArtifact(version: VersionRecord): Promise<Uint8Array> {
    return this.artifacts.get(version.sha256);
  }

  private now(): string {
    return this.clock().toISOString();
  }

  /**
   * Parse the stored artifact. When the bytes themselves are unusable, delete the blob unless a
   * version already uses it: the verdict depends on the bytes alone, so no concurrent push of the
   * same bytes can succeed with it. Failures that depend on the push's other inputs keep the blob.
   */
  private async inspectOrDiscard(sha256: string, bytes: Uint8Array): Promise<OnnxModelInfo> {
    try {
      return inspectOnnxArtifact(bytes);
    } catch (error) {
      if (!(await isArtifactReferenced(this.database.db, sha256))) await this.artifacts.delete(sha256);
      throw error;
    }
  }
}

function checkDescription(description: string | undefined): string | undefined {
  if (description === undefined) return undefined;
  if (typeof description !== 'string' || description.length > MAX_DESCRIPTION_LENGTH) {
    throw new FerryError(
      'INVALID_ARGUMENT',
      `a model description is text of at most ${MAX_DESCRIPTION_LENGTH} characters`,
    );
  }
  return description;
}

function checkCard(card: string): string {
  if (typeof card !== 'string')
    throw new FerryError('INVALID_MODEL_CARD', 'the model card must be Markdown text');
  parseModelCard(card);
  return card;
}
