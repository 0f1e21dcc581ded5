import type Database from 'better-sqlite3';
import { quoteIdent } from './names.js';

export type CataloguePragma = 'table_info' | 'table_xinfo' | 'table_list' | 'index_list' | 'index_info' | 'index_xinfo' | 'foreign_key_list';

/**
 * The rows of one of SQLite's catalogue pragmas about one table or index, read with a PRAGMA
 * statement (`PRAGMA table_info("t")`), not with the table-valued functions
 * (`SELECT … FROM pragma_table_info(?)`): a table or view named pragma_table_info (which another
 * tool may make, and barge made when asked for --table pragma_table_info) hides the function,
 * and every command failed on every table of the database ("'pragma_table_info' is not a
 * function", exit 3).
 */
export function catalogue<T>(db: Database.Database, pragma: CataloguePragma, name: string): T[] {
  return db.pragma(`${pragma}(${quoteIdent(name)})`) as T[];
}
