import type { Insertable, Selectable } from 'kysely';
import type { Tables } from '../store/index.js';
import type { AliasEvent, Lineage, ModelRecord, Signature, VersionRecord } from './registry-types.js';

/** A row of `models` as read. */
export type ModelRow = Selectable<Tables['models']>;
/** A row of `model_versions` as read. */
export type VersionRow = Selectable<Tables['model_versions']>;
/** A row of `alias_events` as read. */
export type AliasEventRow = Selectable<Tables['alias_events']>;

/** Per-model version statistics joined into a ModelRecord. */
export interface VersionStats {
  readonly latestVersion: number | null;
  readonly versionCount: number;
}

/** The one place rows become records and records become rows. */
export const recordMapper = {
  toModelRecord(row: ModelRow, stats: VersionStats, aliases: Readonly<Record<string, number>>): ModelRecord {
    return {
      name: row.name,
      description: row.description,
      createdAt: row.created_at,
      createdBy: row.created_by,
      latestVersion: stats.latestVersion === null ? null : Number(stats.latestVersion),
      versionCount: Number(stats.versionCount),
      aliases,
    };
  },

  toVersionRecord(row: VersionRow, aliases: readonly string[]): VersionRecord {
    return {
      model: row.model_name,
      version: Number(row.version),
      sha256: row.sha256,
      sizeBytes: Number(row.size_bytes),
      format: 'onnx',
      createdAt: row.created_at,
      createdBy: row.created_by,
      signature: JSON.parse(row.signature_json) as Signature,
      lineage: JSON.parse(row.lineage_json) as Lineage,
      card: row.card,
      tags: JSON.parse(row.tags_json) as Record<string, string>,
      aliases: [...aliases].sort(),
      onnx: JSON.parse(row.onnx_json) as VersionRecord['onnx'],
    };
  },

  toVersionRow(record: Omit<VersionRecord, 'aliases'>): VersionRow {
    return {
      model_name: record.model,
      version: record.version,
      sha256: record.sha256,
      size_bytes: record.sizeBytes,
      format: record.format,
      created_at: record.createdAt,
      created_by: record.createdBy,
      signature_json: JSON.stringify(record.signature),
      lineage_json: JSON.stringify(record.lineage),
      card: record.card,
      tags_json: JSON.stringify(record.tags),
      onnx_json: JSON.stringify(record.onnx),
    };
  },

  toAliasEvent(row: Omit<AliasEventRow, 'id'>): AliasEvent {
    return {
      model: row.model_name,
      alias: row.alias,
      fromVersion: row.from_version === null ? null : Number(row.from_version),
      toVersion: row.to_version === null ? null : Number(row.to_version),
      actor: row.actor,
      reason: row.reason,
      at: row.at,
    };
  },

  toAliasEventRow(event: AliasEvent): Insertable<Tables['alias_events']> {
    return {
      model_name: event.model,
      alias: event.alias,
      from_version: event.fromVersion,
      to_version: event.toVersion,
      actor: event.actor,
      reason: event.reason,
      at: event.at,
    };
  },
};
