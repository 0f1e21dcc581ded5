import { BargeError } from '../errors.js';
import type { SchemaSpec } from '../schema/types.js';
import { tableExists, type Db } from '../store/open-database.js';
import type { SchemaOrigin } from './resolve-schema.js';
import type { ImportConfig } from './import-config.js';
import { checkNamesFree, checkReferencedTables, checkTableMatchesSchema, hasAnyUniqueKey, hasUniqueKey } from './table-checks.js';
import { orphanRowids, referencesInto, replaceProblem, truncateProblem, type Reference } from './truncate-references.js';
import { triggersOf } from '../store/table-traits.js';
import { visible } from '../schema/names.js';

/**
 * Whether the import's table can take what the options ask of it, checked before a record is
 * read: the schema against an existing table (or a new one's names free), the tables it
 * refers to, --truncate and --on-conflict replace against the rows that point into it, and
 * --on-conflict update's key. Throws the refusal; returns what the run goes on with.
 */
export function checkImportTarget(
  db: Db, spec: SchemaSpec, origin: SchemaOrigin, config: ImportConfig, target: readonly string[],
): { existed: boolean; truncatedReferences: Reference[] } {
  const existed = tableExists(db, spec.table);
  if (existed && origin === 'file') checkTableMatchesSchema(db, spec, { replacingRows: config.truncate });
  if (!existed) checkNamesFree(db, spec);
  checkReferencedTables(db, spec);
  // --truncate of a table other tables' rows point at: refused, or (atomic) checked at the end.
  // A resumed job truncates only if no batch of it committed (prepareResume).
  const references = config.truncate && existed ? referencesInto(db, spec.table) : [];
  const refused = truncateProblem(db, spec.table, config.mode === 'atomic', references);
  if (refused) throw refused;
  // The rows that already pointed nowhere, which the check after the reload must not blame on it.
  for (const reference of references) reference.orphansBefore = orphanRowids(db, spec.table, reference);
  // --on-conflict replace of a table other tables' rows point at with an ON DELETE action.
  if (config.onConflict === 'replace' && existed) {
    // Its own rows too: a table referencing itself (a boss column) lost a row's whole subtree.
    const replaceRefused = replaceProblem(referencesInto(db, spec.table, true), spec.table) ?? replaceTriggersProblem(db, spec.table);
    if (replaceRefused) throw replaceRefused;
  }
  // ignore and replace act on a conflict, which a table without a key never has: a daily rerun
  // made idempotent with --on-conflict ignore added every row again, exit 0.
  // Not on a resume: the job's own options, which it cannot change, loaded its first batches.
  // A new table's key is the schema's, its conflict target; an existing one's any unique index.
  if ((config.onConflict === 'ignore' || config.onConflict === 'replace') && config.resume === undefined
    && !(existed ? hasAnyUniqueKey(db, spec.table) : target.length > 0)) {
    throw new BargeError('usage', existed
      ? `--on-conflict ${config.onConflict} acts on records whose primary or unique key a row already holds, and table "${spec.table}" has neither, so no record conflicts and every one would be added again; add a primary key or unique index to the table, or import without --on-conflict`
      : `--on-conflict ${config.onConflict} acts on records whose primary or unique key a row already holds, and the new table "${spec.table}" would have neither, so every record would be added again on each run; pass a --schema declaring "primaryKey" (barge schema infer <input> writes one to edit)`);
  }
  if (config.onConflict === 'update' && target.length === 0) {
    // An existing table's key is the table's, which a schema file cannot add; a new one's is the schema's.
    throw new BargeError('usage', existed
      ? `--on-conflict update matches rows by a primary key or unique constraint, and table "${spec.table}" has neither; import into a new table (--table) with a --schema declaring "primaryKey"`
      : `--on-conflict update needs a primary key or unique key on "${spec.table}"; pass a --schema declaring "primaryKey" (barge schema infer <input> writes one to edit)`);
  }
  if (config.onConflict === 'update' && existed && !hasUniqueKey(db, spec.table, target)) {
    throw new BargeError('usage', `--on-conflict update matches rows on ${target.map((c) => JSON.stringify(c)).join(', ')}, but table "${spec.table}" has no primary key or unique constraint on ${target.length === 1 ? 'that column' : 'those columns'}; add one to the table, or import without --on-conflict update`);
  }
  return { existed, truncatedReferences: references };
}

/**
 * Why --on-conflict replace cannot load a table with triggers: SQLite runs the statements of a
 * trigger under the outer statement's conflict action, so INSERT OR REPLACE made a trigger's
 * INSERT OR IGNORE into another table a REPLACE (measured: it deleted a row there, and that
 * row's children by ON DELETE CASCADE; exit 0), and the DELETE of a replaced row fires no
 * DELETE trigger (an FTS5 index kept in step by triggers was left corrupt). --on-conflict
 * update runs the triggers as their SQL says.
 */
function replaceTriggersProblem(db: Db, table: string): BargeError | undefined {
  const triggers = triggersOf(db, table);
  if (triggers.length === 0) return undefined;
  const one = triggers.length === 1;
  return new BargeError(
    'usage',
    `--on-conflict replace cannot load "${table}": it has ${one ? 'a trigger' : 'triggers'} (${triggers.map(visible).join(', ')}), which SQLite would run under REPLACE too (a conflict inside ${one ? 'it' : 'them'} replaces rows of other tables) and whose DELETE triggers a replaced row skips; load with --on-conflict update instead`,
  );
}
