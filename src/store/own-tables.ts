import { BargeError } from '../errors.js';
import { catalogue } from '../schema/catalogue-pragma.js';
import type { Db } from './open-database.js';
import { asDatabaseError } from './sqlite-errors.js';

/**
 * barge's own tables and the columns every version of barge gave them. A table of that name
 * that another tool made (barge reserves the `_barge` prefix, but cannot stop others) failed
 * every command deep inside: "no such column: schema_json (an unexpected failure)", exit 3.
 */
const OWN_TABLES: ReadonlyArray<[string, readonly string[], string]> = [
  ['_barge_jobs', ['id', 'table_name', 'status', 'started_at', 'options'], 'its job history'],
  ['_barge_schemas', ['table_name', 'schema_json'], 'the schemas of the tables it made'],
];

/** `db`, once its `_barge_*` tables are barge's (checkOwnTables); closed when they are not. */
export function checkedOwnTables(db: Db, path: string): Db {
  try {
    checkOwnTables(db, path);
  } catch (error) {
    db.close();
    // Its catalogue is read here: SQLite's failure to open the -wal/-shm files (EMFILE) came
    // here, and was "unable to open database file (an unexpected failure)".
    throw asDatabaseError(error, path);
  }
  return db;
}

/** Throws a usage error naming a `_barge_*` table of the database that barge did not make. */
function checkOwnTables(db: Db, path: string): void {
  for (const [table, columns, what] of OWN_TABLES) {
    const present = catalogue<{ name: string }>(db, 'table_xinfo', table).map((column) => column.name);
    if (present.length === 0) continue;
    const missing = columns.find((column) => !present.includes(column));
    if (missing === undefined) continue;
    throw new BargeError(
      'usage',
      `database "${path}" has a table "${table}" that barge did not make (it has no column "${missing}"): barge keeps ${what} there; rename that table (sqlite3 ${JSON.stringify(path)} 'ALTER TABLE ${table} RENAME TO other_name'), or pass another --db`,
    );
  }
}
