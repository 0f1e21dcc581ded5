import { quoteIdent, SCHEMAS_TABLE } from '../schema/index.js';
import { tableExists, type Db } from '../store/open-database.js';

/**
 * Drops the table a batch/row job created, and the schema it kept for it, when the job failed
 * or was interrupted before committing a batch (SPEC §10: exit 2 writes nothing). The table was
 * created in its own transaction, so a malformed file or a Ctrl-C before the first batch left an
 * empty table behind, which `barge stats` listed and a later import with another schema met.
 *
 * Only while the table is still empty and no other job loading it is running, under the write
 * lock: another import of the same new table, started at the same time, may have committed rows
 * into it since, or found it and be about to (dropped, it failed with "no such table"; a job
 * left `running` by a killed process only keeps the empty table). Best effort: a lock held
 * elsewhere (busy) leaves the empty table where it is.
 */
export function dropCreatedTable(db: Db, table: string, jobId: string): void {
  try {
    db.transaction(() => {
      if (!tableExists(db, table)) return;
      if (db.prepare(`SELECT 1 FROM ${quoteIdent(table)} LIMIT 1`).get() !== undefined) return;
      const others = db.prepare("SELECT 1 FROM _barge_jobs WHERE table_name = ? COLLATE NOCASE AND status = 'running' AND id <> ? LIMIT 1");
      if (others.get(table, jobId) !== undefined) return;
      db.exec(`DROP TABLE ${quoteIdent(table)}`);
      if (tableExists(db, SCHEMAS_TABLE)) db.prepare(`DELETE FROM ${SCHEMAS_TABLE} WHERE table_name = ?`).run(table);
    }).immediate();
  } catch {
    // Busy, or the disk is full: the empty table stays.
  }
}
