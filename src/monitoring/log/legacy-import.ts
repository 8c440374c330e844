import type { Logger } from '../../core/index.js';
import type { FerryDatabase } from '../../store/index.js';
import { PackedLayout } from './packed-features.js';
import type { PredictionRecord } from './prediction-record.js';
import { rowToRecord } from './prediction-rows.js';
import { insertSegment } from './prediction-store.js';
import { encodeSegment } from './segment-codec.js';

/** Old rows moved per transaction. */
const IMPORT_CHUNK_ROWS = 1000;

/** Ids per IN list. */
const IN_CHUNK = 500;

/**
 * Move predictions logged before segments (one row each in the `predictions` table, see migration
 * 0007) into segments, oldest first, a chunk per transaction: each chunk's segments are added,
 * its feedback pointed at them, and its old rows deleted together, so a crash midway loses and
 * repeats nothing. Returns how many rows moved; 0 (one cheap query) once the table is empty.
 */
export async function importLegacyPredictions(database: FerryDatabase, logger?: Logger): Promise<number> {
  const db = database.db;
  const layouts = new Map<number, PackedLayout>();
  let moved = 0;
  for (;;) {
    const rows = await db
      .selectFrom('predictions')
      .selectAll()
      .orderBy('id')
      .limit(IMPORT_CHUNK_ROWS)
      .execute();
    if (rows.length === 0) break;
    const missing = [
      ...new Set(rows.flatMap((row) => (row.layout_id === null ? [] : [Number(row.layout_id)]))),
    ].filter((id) => !layouts.has(id));
    if (missing.length > 0) {
      const found = await db
        .selectFrom('prediction_layouts')
        .select(['id', 'layout_json'])
        .where('id', 'in', missing)
        .execute();
      for (const row of found) layouts.set(Number(row.id), PackedLayout.fromJSON(row.layout_json));
    }
    const groups = new Map<string, PredictionRecord[]>();
    for (const row of rows) {
      const record = rowToRecord(row, (id) => layouts.get(id));
      const key = `${record.model}\u0000${record.version}`;
      let group = groups.get(key);
      if (group === undefined) groups.set(key, (group = []));
      group.push(record);
    }
    await db.transaction().execute(async (trx) => {
      for (const records of groups.values()) {
        const segmentId = await insertSegment(trx, encodeSegment(records));
        const ids = records.map((record) => record.requestId);
        for (let start = 0; start < ids.length; start += IN_CHUNK) {
          await trx
            .updateTable('feedback')
            .set({ segment_id: segmentId })
            .where('request_id', 'in', ids.slice(start, start + IN_CHUNK))
            .execute();
        }
      }
      const ids = rows.map((row) => Number(row.id));
      for (let start = 0; start < ids.length; start += IN_CHUNK) {
        await trx
          .deleteFrom('predictions')
          .where('id', 'in', ids.slice(start, start + IN_CHUNK))
          .execute();
      }
    });
    moved += rows.length;
  }
  if (moved > 0) logger?.info({ rows: moved }, `moved ${moved} logged predictions into segments`);
  return moved;
}
