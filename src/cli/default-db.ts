/**
 * The database when --db is not given (SPEC §1): $BARGE_DB, else ./barge.db. One place, so
 * that what --help shows, what a command opens and what a printed command can leave out agree.
 */
export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  // An empty BARGE_DB (`BARGE_DB= barge …`) is unset, as most tools take it.
  return env.BARGE_DB || 'barge.db';
}
