import type { FerryMigration } from './ferry-migration.js';

/**
 * Async inference jobs: the durable queue (`state`, leases), the stored request and result, and the
 * delivery state of each job's callback. Timestamps and JSON are text, as everywhere (ADR 0002).
 */
export const jobsMigration: FerryMigration = {
  async up(db) {
    await db.schema
      .createTable('jobs')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('model_name', 'text', (col) => col.notNull())
      .addColumn('model_ref', 'text', (col) => col.notNull())
      .addColumn('version', 'integer', (col) => col.notNull())
      .addColumn('request_json', 'text', (col) => col.notNull())
      .addColumn('request_sha256', 'text', (col) => col.notNull())
      .addColumn('callback_url', 'text')
      .addColumn('submitted_by', 'text', (col) => col.notNull())
      .addColumn('state', 'text', (col) => col.notNull())
      .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('run_after', 'text', (col) => col.notNull())
      .addColumn('lease_owner', 'text')
      .addColumn('lease_expires_at', 'text')
      .addColumn('result_json', 'text')
      .addColumn('error_code', 'text')
      .addColumn('error_message', 'text')
      .addColumn('callback_state', 'text')
      .addColumn('callback_attempts', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('callback_at', 'text')
      .addColumn('callback_error', 'text')
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('updated_at', 'text', (col) => col.notNull())
      .addColumn('completed_at', 'text')
      .addColumn('expires_at', 'text')
      .execute();
    // Claiming scans queued jobs in arrival order and running jobs by lease expiry.
    await db.schema.createIndex('jobs_state_idx').on('jobs').columns(['state', 'created_at']).execute();
    await db.schema
      .createIndex('jobs_callback_idx')
      .on('jobs')
      .columns(['callback_state', 'callback_at'])
      .execute();
    await db.schema.createIndex('jobs_expires_idx').on('jobs').column('expires_at').execute();
    await db.schema.createIndex('jobs_created_idx').on('jobs').column('created_at').execute();
  },

  async down(db) {
    await db.schema.dropTable('jobs').execute();
  },
};
