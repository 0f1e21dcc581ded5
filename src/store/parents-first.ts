import type { Db } from './open-database.js';
import type { TableReferences } from './table-references.js';
import type { FieldError } from '../schema/types.js';

/** What writeParentsFirst needs of the batch writer. */
export interface ParentsFirstWriter {
  db: Db;
  references: TableReferences;
  /** Writes the rows at `places`, adding counts and failures to the outcome; the places that failed. */
  write(places: readonly number[]): Set<number>;
  /** A failure of the row at `index`. */
  fail(index: number, error: FieldError): void;
  /** holdForJob: rows (indexes) to hold for the rest of the job. */
  hold(indexes: readonly number[]): void;
  /** Batch and row modes: a reference is looked for in the batch and the table only. */
  perBatch: boolean;
  /** The outcome so far; calling what it returns puts the outcome back as it was (a savepoint undone). */
  snapshot(): () => void;
}

const LATER_BATCH = '; in batch and row modes a row can refer only to rows of its own batch or earlier ones';

/**
 * Writes rows of a table with a key to itself (or a deferred key) parents first. A row whose
 * parent row is missing from another table is rejected unwritten; one whose parent row in this
 * table is not there yet waits, indexed by the key it waits for, and is written as soon as a
 * row holding that key is (a chain of any length in one pass). Then, `last` (the end of the
 * transaction: a batch's in batch and row modes, the job's in atomic mode), the rows still
 * waiting are sorted out by the keys they wait for, among themselves:
 * - a row waiting for a key no waiting row holds is an orphan, rejected, and with it every row
 *   whose chain of parents leads to it;
 * - rows that refer to each other in a cycle are written together with the keys deferred
 *   (SQLite checks them at COMMIT), then the keys immediate again, and the rows under them
 *   written parents first as above.
 * Only the cycle's rows are written deferred: a deferred key makes SQLite look for the
 * children of every row written (a scan of the table without an index on the key), and a
 * 20,000-row tree written so took 3.5 s. Not `last`: the rows still waiting are held.
 */
export function writeParentsFirst(writer: ParentsFirstWriter, rows: readonly (readonly unknown[])[], last: boolean): void {
  const refs = writer.references;
  const waiting = new Map<string, number[]>();
  const awaitedOf = new Map<number, string>();
  let ready: number[] = [];
  const sort = (index: number) => {
    const problem = refs.problem(rows[index]!);
    if (problem === undefined) {
      ready.push(index);
    } else if (problem.self) {
      awaitedOf.set(index, problem.awaited!);
      const list = waiting.get(problem.awaited!);
      if (list === undefined) waiting.set(problem.awaited!, [index]);
      else list.push(index);
    } else {
      writer.fail(index, problem.error);
    }
  };
  const drain = () => {
    for (;;) {
      while (ready.length > 0) {
        const written = ready;
        ready = [];
        const failed = writer.write(written);
        for (const index of written) {
          if (failed.has(index)) continue;
          for (const key of refs.keysHeld(rows[index]!)) {
            const released = waiting.get(key);
            if (released === undefined) continue;
            waiting.delete(key);
            for (const j of released) sort(j);
          }
        }
        ready.sort((a, b) => a - b);
      }
      // A key the index did not match (6 against "6", a NOCASE key): one probe of each.
      const still = waitingRows();
      waiting.clear();
      for (const index of still) sort(index);
      if (ready.length === 0) return;
    }
  };
  const waitingRows = () => [...waiting.values()].flat().sort((a, b) => a - b);

  for (let index = 0; index < rows.length; index++) sort(index);
  drain();
  const left = waitingRows();
  if (left.length === 0) return;
  if (!last) {
    writer.hold(left);
    return;
  }
  // Among the rows left, who holds which key, and whose parent is which.
  const holder = new Map<string, number>();
  for (const index of left) for (const key of refs.keysHeld(rows[index]!)) holder.set(key, index);
  const parentOf = (index: number) => holder.get(awaitedOf.get(index)!);
  const children = new Map<number, number[]>();
  for (const index of left) {
    const parent = parentOf(index);
    if (parent === undefined) continue;
    const list = children.get(parent);
    if (list === undefined) children.set(parent, [index]);
    else list.push(index);
  }
  const rejected = new Set<number>();
  const reject = (roots: readonly number[]) => {
    const queue = roots.filter((index) => !rejected.has(index));
    for (const index of queue) rejected.add(index);
    const firsts = new Set(queue);
    for (let i = 0; i < queue.length; i++) {
      for (const child of children.get(queue[i]!) ?? []) {
        if (rejected.has(child)) continue;
        rejected.add(child);
        queue.push(child);
      }
    }
    for (const index of queue.sort((a, b) => a - b)) {
      const problem = refs.problem(rows[index]!);
      const error = problem?.error ?? { column: null, code: 'foreign_key', message: 'its parent row was rejected', value: null };
      // A row under a rejected one: its parent is in the input, but not loaded.
      const why = !firsts.has(index) ? '; the row holding it is rejected too (a row above it refers to one that is missing)' : writer.perBatch && problem?.self === true ? LATER_BATCH : '';
      writer.fail(index, { ...error, message: `${error.message}${why}` });
    }
  };
  reject(left.filter((index) => parentOf(index) === undefined));
  const cycles = onCycles(left.filter((index) => !rejected.has(index)), parentOf);
  if (cycles.length > 0) writeCycles(writer, rows, cycles, reject);
  // The rows under the cycles, parents first, the keys immediate again.
  writer.db.pragma('defer_foreign_keys = OFF');
  waiting.clear();
  awaitedOf.clear();
  ready = [];
  const cycleSet = new Set(cycles);
  for (const index of left) if (!rejected.has(index) && !cycleSet.has(index)) sort(index);
  drain();
  reject(waitingRows());
}

/**
 * The rows on a cycle of `parentOf` (each row's one parent among them: keys are unique). A
 * walk from each row follows parents until it meets a row already seen; meeting one of its own
 * walk, the walk from there on is a cycle.
 */
export function onCycles(indexes: readonly number[], parentOf: (index: number) => number | undefined): number[] {
  const state = new Map<number, 'walking' | 'done'>();
  const found: number[] = [];
  for (const start of indexes) {
    const path: number[] = [];
    let at: number | undefined = start;
    while (at !== undefined && !state.has(at)) {
      state.set(at, 'walking');
      path.push(at);
      at = parentOf(at);
    }
    // A loop, not push(...): a cycle of 200,000 rows in one batch overflowed the stack.
    if (at !== undefined && state.get(at) === 'walking') for (let i = path.indexOf(at); i < path.length; i++) found.push(path[i]!);
    for (const index of path) state.set(index, 'done');
  }
  return found.sort((a, b) => a - b);
}

/**
 * Rows on cycles, written with the keys deferred, in a savepoint: kept when each then finds its
 * parent row; else undone, those that do not (SQLite's check and barge's disagreeing: a NOCASE
 * key, an affinity) rejected with the rows under them, and the rest tried again.
 */
function writeCycles(writer: ParentsFirstWriter, rows: readonly (readonly unknown[])[], cycles: readonly number[], reject: (roots: readonly number[]) => void): void {
  writer.db.pragma('defer_foreign_keys = ON');
  let trying = [...cycles];
  while (trying.length > 0) {
    writer.db.exec('SAVEPOINT barge_cycle');
    const undo = writer.snapshot();
    const failed = writer.write(trying);
    const orphans = trying.filter((index) => !failed.has(index) && writer.references.problemWritten(rows[index]!) !== undefined);
    if (orphans.length === 0) {
      writer.db.exec('RELEASE barge_cycle');
      return;
    }
    writer.db.exec('ROLLBACK TO barge_cycle; RELEASE barge_cycle');
    undo();
    reject(orphans);
    trying = trying.filter((index) => !orphans.includes(index));
  }
}
