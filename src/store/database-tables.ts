import type { Generated } from 'kysely';

/**
 * Row types of Ferry's tables, as both dialects return them. Timestamps are ISO-8601 text and JSON
 * documents are text, so one query path serves SQLite and Postgres alike. Integer columns come
 * back as JavaScript numbers in both dialects (the Postgres pool parses `bigint` as a number).
 */
export interface Tables {
  models: ModelsTable;
  model_versions: ModelVersionsTable;
  aliases: AliasesTable;
  alias_events: AliasEventsTable;
}

/** A model: a name that groups versions. */
export interface ModelsTable {
  name: string;
  description: string;
  created_at: string;
  created_by: string;
  /** Highest version number ever allocated; numbers are never reused, even after a delete. */
  last_version: Generated<number>;
}

/** An immutable model version; only `tags_json` changes after insert. */
export interface ModelVersionsTable {
  model_name: string;
  version: number;
  sha256: string;
  size_bytes: number;
  format: string;
  created_at: string;
  created_by: string;
  signature_json: string;
  lineage_json: string;
  card: string | null;
  tags_json: string;
  onnx_json: string;
}

/** The current target of each alias. */
export interface AliasesTable {
  model_name: string;
  alias: string;
  version: number;
  updated_at: string;
  updated_by: string;
}

/** Every alias move, append-only. */
export interface AliasEventsTable {
  id: Generated<number>;
  model_name: string;
  alias: string;
  from_version: number | null;
  to_version: number | null;
  actor: string;
  reason: string | null;
  at: string;
}
