import type { Knex } from 'knex';

/**
 * Member import (docs/import.md): one `imports` row per file, keyed by the file's SHA-256 (a rerun of a finished
 * file changes nothing; a rerun of an interrupted one continues after `last_line`, the last line of the last
 * committed batch); `import_members`, what each good line became (the guest, created or updated, the consent's
 * date and source as the file gave them) and whether its workflow was started or reloaded; `import_problems`, the
 * bad lines by line and field (the report, `GET /v1/admin/imports/:id/report`). The guest's home property is a
 * column of `guests`.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('imports', (t) => {
    t.bigIncrements('id');
    t.text('kind').notNullable().defaultTo('members');
    t.text('file_name').notNullable();
    t.text('file_hash').notNullable();
    t.bigInteger('file_bytes').notNullable();
    // running | workflows | finished | failed
    t.text('status').notNullable().defaultTo('running');
    t.integer('last_line').notNullable().defaultTo(1);
    // How far into the file the last committed batch reached (progress and ETA).
    t.bigInteger('bytes_read').notNullable().defaultTo(0);
    t.integer('rows_read').notNullable().defaultTo(0);
    t.integer('created').notNullable().defaultTo(0);
    t.integer('updated').notNullable().defaultTo(0);
    t.integer('unchanged').notNullable().defaultTo(0);
    t.integer('rejected').notNullable().defaultTo(0);
    t.integer('workflows_total').notNullable().defaultTo(0);
    t.integer('workflows_done').notNullable().defaultTo(0);
    // The audit_log row of the import: the `requestId` of every reloadGuest Update it sends.
    t.bigInteger('audit_id').nullable();
    t.text('created_by').notNullable();
    t.text('report_path').nullable();
    t.text('error').nullable();
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('rows_done_at', { useTz: true }).nullable();
    t.timestamp('finished_at', { useTz: true }).nullable();
    t.unique(['kind', 'file_hash']);
  });
  await knex.raw(`alter table imports
    add constraint imports_status check (status in ('running', 'workflows', 'finished', 'failed'))`);

  await knex.schema.createTable('import_members', (t) => {
    t.bigInteger('import_id').notNullable().references('imports.id');
    t.integer('line').notNullable();
    t.uuid('guest_id').notNullable().references('guests.id');
    t.text('member_number').notNullable();
    // created | updated | unchanged
    t.text('outcome').notNullable();
    t.timestamp('consent_at', { useTz: true }).nullable();
    t.text('consent_source').nullable();
    t.timestamp('workflow_at', { useTz: true }).nullable();
    t.primary(['import_id', 'line']);
    t.unique(['import_id', 'member_number']);
    t.index(['guest_id']);
  });
  await knex.raw(
    'create index import_members_workflow_pending on import_members (import_id, line) where workflow_at is null',
  );

  await knex.schema.createTable('import_problems', (t) => {
    t.bigInteger('import_id').notNullable().references('imports.id');
    t.integer('line').notNullable();
    t.text('field').notNullable();
    t.text('message').notNullable();
    t.index(['import_id', 'line']);
  });

  await knex.schema.alterTable('guests', (t) => {
    t.text('home_property').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('guests', (t) => t.dropColumn('home_property'));
  for (const table of ['import_problems', 'import_members', 'imports'])
    await knex.schema.dropTableIfExists(table);
}
