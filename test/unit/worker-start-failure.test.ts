import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runExport } from '../../src/export/run-export.js';
import { runImport } from '../../src/pipeline/run-import.js';
import { runValidate } from '../../src/pipeline/run-validate.js';
import { startTailEarly } from '../../src/pipeline/validate-split.js';
import { startImportWorkerEarly } from '../../src/pipeline/validation-worker-start.js';
import { importConfig } from '../helpers/import-config.js';
import { tempDir } from '../helpers/temp-dirs.js';

// No thread to be had: under `ulimit -u` or a cgroup's pids.max, Node's Worker constructor throws
// (ERR_WORKER_INIT_FAILED, EAGAIN). Every run then keeps to one thread, as BARGE_WORKER=never.
// `made` counts the attempts.
const made = vi.hoisted(() => ({ workers: 0 }));
vi.mock('node:worker_threads', async (importActual) => {
  const actual = await importActual<typeof import('node:worker_threads')>();
  class NoThread {
    constructor() {
      made.workers += 1;
      throw Object.assign(new Error('Worker initialization failure: EAGAIN'), { code: 'ERR_WORKER_INIT_FAILED' });
    }
  }
  return { ...actual, default: { ...actual, Worker: NoThread }, Worker: NoThread };
});

const setting = process.env.BARGE_WORKER;
beforeEach(() => {
  process.env.BARGE_WORKER = 'always';
});
afterEach(() => {
  if (setting === undefined) delete process.env.BARGE_WORKER;
  else process.env.BARGE_WORKER = setting;
});

function items(dir: string): string {
  const input = path.join(dir, 'items.csv');
  fs.writeFileSync(input, 'id,name\n1,a\n2,b\n3,c\n');
  return input;
}

describe('a worker thread that cannot be created', () => {
  it('started early from bin/barge.js (import, validate): nothing is thrown (Node crashed with a stack trace and exit 1), and the run keeps to its own thread', async () => {
    const dir = tempDir('barge-no-thread-');
    const input = items(dir);
    // bin/barge.js passes the arguments after the command's name.
    made.workers = 0;
    expect(() => startImportWorkerEarly([input, '--db', 'x.db'])).not.toThrow();
    expect(made.workers).toBe(1);
    // The import that follows asks once more for its worker, then reads and validates in this thread.
    const imported = await runImport(importConfig(dir, [input], { mode: 'batch' }));
    expect(made.workers).toBe(2);
    expect(imported.counts).toMatchObject({ read: 3, inserted: 3, rejected: 0 });
    const db = new Database(path.join(dir, 'x.db'), { readonly: true });
    expect(db.prepare('SELECT group_concat(name) FROM items').pluck().get()).toBe('a,b,c');
    db.close();

    made.workers = 0;
    expect(() => startTailEarly([input])).not.toThrow();
    expect(made.workers).toBe(1);
    // So does validate (against the table just imported, so that it splits the file): its split
    // run cannot have its tail worker and gives way to a one-thread run.
    const validated = await runValidate(importConfig(dir, [input], { table: 'items' }));
    expect(made.workers).toBe(2);
    expect(validated.schemaOrigin).toBe('table');
    expect(validated.counts).toEqual({ read: 3, valid: 3, rejected: 0 });
    expect(validated.reportPath).toBeNull();
  });

  it('an import reads and validates in its own thread instead (it failed: "Worker initialization failure: EAGAIN")', async () => {
    const dir = tempDir('barge-no-thread-');
    const config = importConfig(dir, [items(dir)], { mode: 'batch' });
    made.workers = 0;
    const result = await runImport(config);
    expect(made.workers).toBe(1);
    expect(result.counts).toMatchObject({ read: 3, inserted: 3, rejected: 0 });
    const db = new Database(config.dbPath, { readonly: true });
    expect(db.prepare('SELECT group_concat(name) FROM items').pluck().get()).toBe('a,b,c');
    db.close();
  });

  it('an export formats every page in its own thread instead (it failed: "EAGAIN (an unexpected failure)")', async () => {
    const dir = tempDir('barge-no-thread-');
    const dbPath = path.join(dir, 'e.db');
    const db = new Database(dbPath);
    db.exec("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO items VALUES (1, 'a'), (2, 'b');");
    db.close();
    const out = path.join(dir, 'o.csv');
    made.workers = 0;
    await runExport({ dbPath, busyTimeoutMs: 5000, table: 'items', format: 'csv', out, gzip: false, countTotal: false }, { stdout: process.stdout });
    expect(made.workers).toBe(1);
    expect(fs.readFileSync(out, 'utf8')).toBe('id,name\n1,a\n2,b\n');
  });
});
