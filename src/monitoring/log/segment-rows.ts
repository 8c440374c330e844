import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import type { PredictionSegmentsTable, Tables } from '../../store/index.js';
import type { FeedbackRecord } from './prediction-record.js';
import { rowToFeedback } from './prediction-rows.js';
import { decodeSegment, decodeSummary, type SegmentSummary } from './segment-codec.js';
import type { SegmentColumns } from './segment-columns.js';

/** Which predictions a read covers. `from` is inclusive and `to` exclusive (ISO-8601 text). */
export interface PredictionWindow {
  readonly model?: string | undefined;
  readonly version?: number | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  /** Only predictions that have feedback. */
  readonly withFeedbackOnly?: boolean | undefined;
}

/** A segment as read: its summary always, its rows and feedback when the read needs them. */
export class LoadedSegment {
  readonly summary: SegmentSummary;
  private decoded: SegmentColumns | undefined;

  constructor(
    readonly row: Pick<
      Selectable<PredictionSegmentsTable>,
      'id' | 'model' | 'version' | 'first_at' | 'last_at' | 'rows' | 'summary'
    > &
      Partial<Pick<Selectable<PredictionSegmentsTable>, 'request_ids' | 'body'>>,
    /** Feedback of the segment's requests by request id (empty when not read). */
    readonly feedback: ReadonlyMap<string, FeedbackRecord> = new Map(),
  ) {
    this.summary = decodeSummary(row.summary, Number(row.rows));
  }

  get id(): number {
    return Number(this.row.id);
  }

  /** The segment's rows (needs `request_ids` and `body` to have been read). */
  get rows(): SegmentColumns {
    const { request_ids: requestIds, body } = this.row;
    if (requestIds === undefined || body === undefined) throw new Error('segment body not read');
    this.decoded ??= decodeSegment({ ...this.row, request_ids: requestIds, body }, this.summary);
    return this.decoded;
  }
}

/** One row of one segment, at its time (ms). */
export interface RowRef {
  readonly segment: LoadedSegment;
  readonly row: number;
  readonly ms: number;
}

/** Oldest first (`asc`: by time, segment, row) or newest first (`desc`: the reverse). */
export type Direction = 'asc' | 'desc';

/** How {@link rowsInOrder} reads. */
export interface RowOrderOptions {
  readonly direction: Direction;
  /** Read feedback of the segments' requests (implied by `withFeedbackOnly`). */
  readonly withFeedback?: boolean;
  /** Keep only rows this accepts (for example: before a listing's cursor). */
  readonly where?: ((ref: RowRef) => boolean) | undefined;
  /** Segments per query. */
  readonly batch?: number;
}

const compareAsc = (a: RowRef, b: RowRef): number =>
  a.ms - b.ms || a.segment.id - b.segment.id || a.row - b.row;
const compareDesc = (a: RowRef, b: RowRef): number => compareAsc(b, a);

const msOf = (iso: string | undefined, fallback: number): number =>
  iso === undefined ? fallback : Date.parse(iso);

/**
 * Every row of a window in order, read segment batch by segment batch: segments are read by
 * `(first_at, id)` ascending (or `(last_at, id)` descending), and a row is yielded once no segment
 * still unread can hold an earlier (later) one, so memory holds a few segments however large the
 * window. Segments of several replicas may overlap in time; the order is still exact.
 */
export async function* rowsInOrder(
  db: Kysely<Tables>,
  window: PredictionWindow,
  options: RowOrderOptions,
): AsyncGenerator<RowRef> {
  const fromMs = msOf(window.from, -Infinity);
  const toMs = msOf(window.to, Infinity);
  const asc = options.direction === 'asc';
  const batch = options.batch ?? 32;
  const withFeedback = options.withFeedback === true || window.withFeedbackOnly === true;
  let pending: RowRef[] = [];
  let position: { key: string; id: number } | undefined;
  for (;;) {
    let query = db
      .selectFrom('prediction_segments')
      .select(['id', 'model', 'version', 'first_at', 'last_at', 'rows', 'summary', 'request_ids', 'body']);
    query = query.where(segmentsOverlapping(window));
    if (window.withFeedbackOnly === true) {
      query = query.where((eb) =>
        eb.exists(
          eb
            .selectFrom('feedback')
            .select('feedback.segment_id')
            .whereRef('feedback.segment_id', '=', 'prediction_segments.id'),
        ),
      );
    }
    const keyColumn = asc ? 'first_at' : 'last_at';
    if (position !== undefined) query = query.where(segmentsAfter(keyColumn, options.direction, position));
    const segments = await query
      .orderBy(keyColumn, asc ? 'asc' : 'desc')
      .orderBy('id', asc ? 'asc' : 'desc')
      .limit(batch)
      .execute();
    const feedback = withFeedback
      ? await feedbackOf(
          db,
          segments.map((segment) => Number(segment.id)),
        )
      : undefined;
    for (const row of segments) {
      const segment = new LoadedSegment(row, feedback?.get(Number(row.id)));
      const { times } = segment.summary;
      for (let index = 0; index < times.length; index += 1) {
        const ms = times[index]!;
        if (ms < fromMs || ms >= toMs) continue;
        const ref: RowRef = { segment, row: index, ms };
        if (window.withFeedbackOnly === true && !segment.feedback.has(segment.rows.ids[index]!)) continue;
        if (options.where !== undefined && !options.where(ref)) continue;
        pending.push(ref);
      }
    }
    const last = segments[segments.length - 1];
    const done = segments.length < batch || last === undefined;
    pending.sort(asc ? compareAsc : compareDesc);
    if (done) {
      yield* pending;
      return;
    }
    // Unread segments start at or after (end at or before) the last one read: rows strictly
    // before (after) that time can go.
    const boundary = Date.parse(asc ? last.first_at : last.last_at);
    let ready = 0;
    while (ready < pending.length && (asc ? pending[ready]!.ms < boundary : pending[ready]!.ms > boundary))
      ready += 1;
    const out = pending.slice(0, ready);
    pending = pending.slice(ready);
    yield* out;
    position = { key: asc ? last.first_at : last.last_at, id: Number(last.id) };
  }
}

/** A segment with rows in a window, as {@link windowSummaries} reads it: its summary only. */
export interface WindowSummary {
  readonly version: number;
  readonly summary: SegmentSummary;
  /** Is row `row` in the window? (Every row is when the segment lies inside it.) */
  readonly inWindow: (row: number) => boolean;
}

/**
 * The summaries of every segment with a row in a window, in no particular order, a batch of
 * segments per query: for counts over a window, which need neither time order nor a row object
 * per prediction (as {@link rowsInOrder} makes).
 */
export async function* windowSummaries(
  db: Kysely<Tables>,
  window: PredictionWindow,
  batch = 256,
): AsyncGenerator<WindowSummary> {
  const fromMs = msOf(window.from, -Infinity);
  const toMs = msOf(window.to, Infinity);
  const everyRow = () => true;
  let position: { key: string; id: number } | undefined;
  for (;;) {
    let query = db
      .selectFrom('prediction_segments')
      .select(['id', 'version', 'first_at', 'last_at', 'rows', 'summary']);
    query = query.where(segmentsOverlapping(window));
    if (position !== undefined) query = query.where(segmentsAfter('first_at', 'asc', position));
    const segments = await query.orderBy('first_at').orderBy('id').limit(batch).execute();
    for (const row of segments) {
      const summary = decodeSummary(row.summary, Number(row.rows));
      const { times } = summary;
      const inside = Date.parse(row.first_at) >= fromMs && Date.parse(row.last_at) < toMs;
      yield {
        version: Number(row.version),
        summary,
        inWindow: inside ? everyRow : (index) => times[index]! >= fromMs && times[index]! < toMs,
      };
    }
    const last = segments[segments.length - 1];
    if (segments.length < batch || last === undefined) return;
    position = { key: last.first_at, id: Number(last.id) };
  }
}

/** Segments of the window's model and version whose time span meets the window. */
function segmentsOverlapping(window: PredictionWindow) {
  return (eb: ExpressionBuilder<Tables, 'prediction_segments'>) =>
    eb.and([
      ...(window.model === undefined ? [] : [eb('model', '=', window.model)]),
      ...(window.version === undefined ? [] : [eb('version', '=', window.version)]),
      ...(window.from === undefined ? [] : [eb('last_at', '>=', window.from)]),
      ...(window.to === undefined ? [] : [eb('first_at', '<', window.to)]),
    ]);
}

/** Where segments read in `(key, id)` order go on after `position`: the keyset of a batched read. */
export function segmentsAfter(
  key: 'first_at' | 'last_at',
  direction: Direction,
  position: { readonly key: string; readonly id: number },
) {
  const beyond = direction === 'asc' ? '>' : '<';
  return (eb: ExpressionBuilder<Tables, 'prediction_segments'>) =>
    eb.or([
      eb(key, beyond, position.key),
      eb.and([eb(key, '=', position.key), eb('id', beyond, position.id)]),
    ]);
}

/** Feedback by segment, then by request id. */
async function feedbackOf(
  db: Kysely<Tables>,
  segmentIds: readonly number[],
): Promise<Map<number, Map<string, FeedbackRecord>>> {
  const bySegment = new Map<number, Map<string, FeedbackRecord>>();
  if (segmentIds.length === 0) return bySegment;
  const rows = await db.selectFrom('feedback').selectAll().where('segment_id', 'in', segmentIds).execute();
  for (const row of rows) {
    const segment = Number(row.segment_id);
    let map = bySegment.get(segment);
    if (map === undefined) bySegment.set(segment, (map = new Map<string, FeedbackRecord>()));
    map.set(row.request_id, rowToFeedback(row));
  }
  return bySegment;
}
