import path from 'node:path';

/**
 * The database when --db is not given (SPEC §1): $BARGE_DB, else ./barge.db. One place, so
 * that what --help shows, what a command opens and what a printed command can leave out agree.
 */
export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  // An empty BARGE_DB (`BARGE_DB= barge …`) is unset, as most tools take it.
  return env.BARGE_DB || 'barge.db';
}

/** Whether `dbPath` is the database a command given no --db opens (`./barge.db` is `barge.db`). */
export function isDefaultDb(dbPath: string): boolean {
  return path.resolve(dbPath) === path.resolve(defaultDbPath());
}
