import {
  CompiledQuery,
  type ExpressionBuilder,
  type Insertable,
  type Kysely,
  type SelectQueryBuilder,
} from 'kysely';
import { FerryError } from '../../core/index.js';
import type { FerryDatabase, PredictionsTable, Tables } from '../../store/index.js';
import { PackedLayout, packedFeaturesOf } from './packed-features.js';
import type { JoinedPrediction, PredictionRecord } from './prediction-record.js';
import {
  decodeCursor,
  encodeCursor,
  joinedRowToRecord,
  recordToRow,
  type JoinedRow,
  type Layouts,
} from './prediction-rows.js';

/**
 * Most rows per INSERT: 13 parameters a row stays far below SQLite's and Postgres's parameter
 * limits. A write is cut into INSERTs of this many rows, then of powers of two for the rest (500
 * rows: 256 + 128 + 64 + 32 + 16 + 4), so its statements take one of 9 shapes whatever its size and
 * the database reuses their prepared statements.
 */
export const INSERT_CHUNK_ROWS = 256;

/** The columns of an inserted prediction row, in the order the cached INSERTs bind them. */
const INSERT_COLUMNS = [
  'request_id',
  'at',
  'model',
  'version',
  'features_json',
  'layout_id',
  'features_f32',
  'outputs_json',
  'latency_ms',
  'status',
  'code',
  'caller',
  'flags_json',
] as const satisfies readonly (keyof Insertable<PredictionsTable>)[];

/** Rows per DELETE of a retention pass, so no single statement holds the database for long. */
const DELETE_CHUNK_ROWS = 5000;

/** Which predictions a read covers. `from` is inclusive and `to` exclusive (ISO-8601 text). */
export interface PredictionWindow {
  readonly model?: string | undefined;
  readonly version?: number | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  /** Only predictions that have feedback (an inner join). */
  readonly withFeedbackOnly?: boolean | undefined;
}

/** A page of a listing, newest first. */
export interface PredictionQuery extends PredictionWindow {
  /** Rows per page (1–1000). */
  readonly limit: number;
  /** The `nextCursor` of the previous page. */
  readonly cursor?: string | undefined;
}

/** One page of predictions, newest first, each with its feedback. */
export interface PredictionPage {
  readonly predictions: JoinedPrediction[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  readonly nextCursor: string | null;
}

type PredictionSelect = SelectQueryBuilder<
  Tables & { fb: Tables['feedback'] },
  'predictions' | 'fb',
  JoinedRow
>;

/**
 * The prediction log in the metadata database. Writes are batched (one transaction of INSERTs of
 * up to {@link INSERT_CHUNK_ROWS} rows); reads use the `(model, at, id)` index and page by keyset, so a
 * page costs the same however deep it is.
 */
export class PredictionStore {
  /** Ids of the layouts of packed features, by layout (written ones) and by id (read ones). */
  private readonly layoutIds = new WeakMap<PackedLayout, number>();
  private readonly layoutsById = new Map<number, PackedLayout>();
  /** SQL of a multi-row INSERT by row count, compiled once by Kysely for this database's dialect. */
  private readonly insertSql = new Map<number, string>();

  constructor(private readonly database: FerryDatabase) {}

  private get db(): Kysely<Tables> {
    return this.database.db;
  }

  /** Store records in one transaction (one commit), in INSERTs of the sizes {@link chunkSizes} gives. */
  async insert(records: readonly PredictionRecord[]): Promise<void> {
    if (records.length === 0) return;
    for (const record of records) {
      const layout = packedFeaturesOf(record)?.layout;
      if (layout !== undefined && !this.layoutIds.has(layout)) await this.saveLayout(layout);
    }
    const layoutId = (layout: PackedLayout) => this.layoutIds.get(layout)!;
    const rows = records.map((record) => recordToRow(record, layoutId));
    const sizes = chunkSizes(rows.length);
    const write = async (db: Kysely<Tables>) => {
      let start = 0;
      for (const size of sizes) {
        const parameters: unknown[] = [];
        for (const row of rows.slice(start, start + size)) {
          for (const column of INSERT_COLUMNS) parameters.push(row[column] ?? null);
        }
        await db.executeQuery(CompiledQuery.raw(this.insertSqlFor(size), parameters));
        start += size;
      }
    };
    // One INSERT commits alone; several share one commit (one fsync on SQLite).
    if (sizes.length === 1) await write(this.db);
    else await this.db.transaction().execute(write);
  }

  /**
   * The INSERT of `rows` rows, built and compiled by Kysely once per size: compiling thousands of
   * value nodes at every flush cost more than the database's own work (the flush binds new
   * parameters to the same SQL, which SQLite's statement cache then reuses).
   */
  private insertSqlFor(rows: number): string {
    let sql = this.insertSql.get(rows);
    if (sql === undefined) {
      const template = Object.fromEntries(INSERT_COLUMNS.map((column) => [column, null])) as never;
      const compiled = this.db
        .insertInto('predictions')
        .values(Array.from({ length: rows }, () => template))
        .compile();
      if (compiled.parameters.length !== rows * INSERT_COLUMNS.length) {
        throw new FerryError(
          'INTERNAL',
          `prediction INSERT compiled to ${compiled.parameters.length} parameters`,
        );
      }
      sql = compiled.sql;
      this.insertSql.set(rows, sql);
    }
    return sql;
  }

  /** Find or add a layout's row (by digest; a replica that added it first wins) and remember its id. */
  private async saveLayout(layout: PackedLayout): Promise<void> {
    await this.db
      .insertInto('prediction_layouts')
      .values({ digest: layout.digest, layout_json: layout.json })
      .onConflict((conflict) => conflict.column('digest').doNothing())
      .execute();
    const row = await this.db
      .selectFrom('prediction_layouts')
      .select('id')
      .where('digest', '=', layout.digest)
      .executeTakeFirstOrThrow();
    this.layoutIds.set(layout, Number(row.id));
    this.layoutsById.set(Number(row.id), layout);
  }

  /** Read the layouts of packed rows this store has not seen yet; returns the lookup for rowToRecord. */
  private async layoutsOf(rows: readonly { layout_id: number | null }[]): Promise<Layouts> {
    const missing = new Set<number>();
    for (const row of rows) {
      if (row.layout_id !== null && !this.layoutsById.has(Number(row.layout_id)))
        missing.add(Number(row.layout_id));
    }
    if (missing.size > 0) {
      const found = await this.db
        .selectFrom('prediction_layouts')
        .select(['id', 'layout_json'])
        .where('id', 'in', [...missing])
        .execute();
      for (const row of found) this.layoutsById.set(Number(row.id), PackedLayout.fromJSON(row.layout_json));
    }
    return (id) => this.layoutsById.get(id);
  }

  /** Predictions left-joined with their feedback, filtered by a window. */
  private joined(window: PredictionWindow): PredictionSelect {
    let query = this.db
      .selectFrom('predictions')
      .leftJoin('feedback as fb', 'fb.request_id', 'predictions.request_id')
      .selectAll('predictions')
      .select([
        'fb.label_json as fb_label_json',
        'fb.value as fb_value',
        'fb.at as fb_at',
        'fb.received_at as fb_received_at',
      ]);
    if (window.model !== undefined) query = query.where('predictions.model', '=', window.model);
    if (window.version !== undefined) query = query.where('predictions.version', '=', window.version);
    if (window.from !== undefined) query = query.where('predictions.at', '>=', window.from);
    if (window.to !== undefined) query = query.where('predictions.at', '<', window.to);
    if (window.withFeedbackOnly === true) query = query.where('fb.request_id', 'is not', null);
    return query;
  }

  /** One page of predictions, newest first (a 400 INVALID_ARGUMENT for a cursor not made here). */
  async list(query: PredictionQuery): Promise<PredictionPage> {
    let select = this.joined(query);
    if (query.cursor !== undefined) {
      const position = decodeCursor(query.cursor);
      if (position === undefined) {
        throw new FerryError(
          'INVALID_ARGUMENT',
          'cursor is not one this server returned; pass the nextCursor of the previous page',
        );
      }
      select = select.where((eb) => before(eb, position));
    }
    const rows = await select
      .orderBy('predictions.at', 'desc')
      .orderBy('predictions.id', 'desc')
      .limit(query.limit + 1)
      .execute();
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    const layouts = await this.layoutsOf(page);
    return {
      predictions: page.map((row) => joinedRowToRecord(row, layouts)),
      nextCursor:
        rows.length > query.limit && last !== undefined ? encodeCursor(last.at, Number(last.id)) : null,
    };
  }

  /**
   * Every prediction of a window with its feedback, oldest first, read in pages of `pageSize`
   * (keyset on `(at, id)`): memory stays bounded however large the window.
   */
  async *scan(window: PredictionWindow, pageSize = 1000): AsyncGenerator<JoinedPrediction[]> {
    let position: { at: string; id: number } | undefined;
    for (;;) {
      let select = this.joined(window);
      const after = position;
      if (after !== undefined) select = select.where((eb) => later(eb, after));
      const rows = await select
        .orderBy('predictions.at', 'asc')
        .orderBy('predictions.id', 'asc')
        .limit(pageSize)
        .execute();
      if (rows.length > 0) {
        const layouts = await this.layoutsOf(rows);
        yield rows.map((row) => joinedRowToRecord(row, layouts));
      }
      const last = rows[rows.length - 1];
      if (rows.length < pageSize || last === undefined) return;
      position = { at: last.at, id: Number(last.id) };
    }
  }

  /** Distinct versions logged for a model in a window, ascending. */
  async versions(window: PredictionWindow & { model: string }): Promise<number[]> {
    let query = this.db
      .selectFrom('predictions')
      .select('version')
      .distinct()
      .where('model', '=', window.model);
    if (window.from !== undefined) query = query.where('at', '>=', window.from);
    if (window.to !== undefined) query = query.where('at', '<', window.to);
    const rows = await query.orderBy('version').execute();
    return rows.map((row) => Number(row.version));
  }

  /** Delete predictions logged before `cutoff` (ISO-8601); returns how many. */
  async deleteOlderThan(cutoff: string): Promise<number> {
    return this.deleteInChunks((eb) => eb('at', '<', cutoff));
  }

  /** Delete the oldest predictions beyond the newest `maxRows`; returns how many. */
  async keepNewest(maxRows: number): Promise<number> {
    const boundary = await this.db
      .selectFrom('predictions')
      .select('id')
      .orderBy('id', 'desc')
      .limit(1)
      .offset(maxRows)
      .executeTakeFirst();
    if (boundary === undefined) return 0;
    const id = Number(boundary.id);
    return this.deleteInChunks((eb) => eb('id', '<=', id));
  }

  private async deleteInChunks(
    condition: (
      eb: ExpressionBuilder<Tables, 'predictions'>,
    ) => ReturnType<ExpressionBuilder<Tables, 'predictions'>['and']>,
  ): Promise<number> {
    let total = 0;
    for (;;) {
      const result = await this.db
        .deleteFrom('predictions')
        .where('id', 'in', (eb) =>
          eb.selectFrom('predictions').select('id').where(condition).limit(DELETE_CHUNK_ROWS),
        )
        .executeTakeFirst();
      const deleted = Number(result.numDeletedRows);
      total += deleted;
      if (deleted < DELETE_CHUNK_ROWS) return total;
    }
  }
}

/**
 * Rows per INSERT for a write of `rows`: {@link INSERT_CHUNK_ROWS} while more remain, then the
 * powers of two of the rest, largest first.
 */
export function chunkSizes(rows: number): number[] {
  const sizes: number[] = [];
  let left = rows;
  for (; left >= INSERT_CHUNK_ROWS; left -= INSERT_CHUNK_ROWS) sizes.push(INSERT_CHUNK_ROWS);
  for (let size = INSERT_CHUNK_ROWS >> 1; size >= 1; size >>= 1) {
    if (left >= size) {
      sizes.push(size);
      left -= size;
    }
  }
  return sizes;
}

type Position = { readonly at: string; readonly id: number };

/** Rows strictly before a position in (at, id) order. */
function before(
  eb: ExpressionBuilder<Tables & { fb: Tables['feedback'] }, 'predictions' | 'fb'>,
  p: Position,
) {
  return eb.or([
    eb('predictions.at', '<', p.at),
    eb.and([eb('predictions.at', '=', p.at), eb('predictions.id', '<', p.id)]),
  ]);
}

/** Rows strictly after a position in (at, id) order. */
function later(
  eb: ExpressionBuilder<Tables & { fb: Tables['feedback'] }, 'predictions' | 'fb'>,
  p: Position,
) {
  return eb.or([
    eb('predictions.at', '>', p.at),
    eb.and([eb('predictions.at', '=', p.at), eb('predictions.id', '>', p.id)]),
  ]);
}
