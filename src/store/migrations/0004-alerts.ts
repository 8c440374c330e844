import type { FerryMigration } from './ferry-migration.js';

/**
 * Alerts (src/monitoring/alerts): the current state of each (rule, model), every transition, and
 * the durable delivery of each notification and retraining trigger. Timestamps and JSON are text,
 * as everywhere (ADR 0002).
 *
 * `alert_events` is unique per (rule, model, window end): a window moves an alert at most once, so
 * when several replicas evaluate the same window only one records the transition and enqueues its
 * notifications (the others' transactions lose and change nothing).
 */
export const alertsMigration: FerryMigration = {
  async up(db, dialect) {
    await db.schema
      .createTable('alert_states')
      .addColumn('rule_name', 'text', (col) => col.notNull())
      .addColumn('model_name', 'text', (col) => col.notNull())
      .addColumn('state', 'text', (col) => col.notNull())
      .addColumn('since', 'text')
      .addColumn('breaches_json', 'text', (col) => col.notNull())
      .addColumn('version', 'integer')
      .addColumn('last_value', 'double precision')
      .addColumn('last_rows', 'integer')
      .addColumn('window_start', 'text', (col) => col.notNull())
      .addColumn('window_end', 'text', (col) => col.notNull())
      .addColumn('updated_at', 'text', (col) => col.notNull())
      .addPrimaryKeyConstraint('alert_states_pk', ['rule_name', 'model_name'])
      .execute();
    await db.schema.createIndex('alert_states_state_idx').on('alert_states').column('state').execute();

    await db.schema
      .createTable('alert_events')
      .addColumn('id', dialect === 'postgres' ? 'serial' : 'integer', (col) =>
        dialect === 'postgres' ? col.primaryKey() : col.primaryKey().autoIncrement(),
      )
      .addColumn('rule_name', 'text', (col) => col.notNull())
      .addColumn('model_name', 'text', (col) => col.notNull())
      .addColumn('version', 'integer')
      .addColumn('from_state', 'text', (col) => col.notNull())
      .addColumn('to_state', 'text', (col) => col.notNull())
      .addColumn('metric', 'text', (col) => col.notNull())
      .addColumn('feature', 'text')
      .addColumn('op', 'text', (col) => col.notNull())
      .addColumn('severity', 'text', (col) => col.notNull())
      .addColumn('value', 'double precision')
      .addColumn('threshold', 'double precision', (col) => col.notNull())
      .addColumn('window_start', 'text', (col) => col.notNull())
      .addColumn('window_end', 'text', (col) => col.notNull())
      .addColumn('readings_json', 'text', (col) => col.notNull())
      .addColumn('at', 'text', (col) => col.notNull())
      .addUniqueConstraint('alert_events_window_unique', ['rule_name', 'model_name', 'window_end'])
      .execute();
    await db.schema
      .createIndex('alert_events_model_idx')
      .on('alert_events')
      .columns(['model_name', 'id'])
      .execute();

    await db.schema
      .createTable('alert_deliveries')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('event_id', 'integer', (col) => col.notNull().references('alert_events.id'))
      .addColumn('channel', 'text', (col) => col.notNull())
      .addColumn('event_type', 'text', (col) => col.notNull())
      .addColumn('payload_json', 'text', (col) => col.notNull())
      .addColumn('state', 'text', (col) => col.notNull())
      .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('state_at', 'text')
      .addColumn('last_error', 'text')
      .addColumn('outcome', 'text')
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('updated_at', 'text', (col) => col.notNull())
      .execute();
    // Claiming scans pending deliveries by due time and sending ones by lease expiry.
    await db.schema
      .createIndex('alert_deliveries_due_idx')
      .on('alert_deliveries')
      .columns(['state', 'state_at'])
      .execute();
    await db.schema
      .createIndex('alert_deliveries_event_idx')
      .on('alert_deliveries')
      .column('event_id')
      .execute();
  },

  async down(db) {
    await db.schema.dropTable('alert_deliveries').execute();
    await db.schema.dropTable('alert_events').execute();
    await db.schema.dropTable('alert_states').execute();
  },
};
