import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runExport } from '../../src/export/run-export.js';
import { runImport } from '../../src/pipeline/run-import.js';
import { startTailEarly } from '../../src/pipeline/validate-split.js';
import { startImportWorkerEarly } from '../../src/pipeline/validation-worker-start.js';
import { importConfig } from '../helpers/import-config.js';
import { tempDir } from '../helpers/temp-dirs.js';

// No thread to be had: under `ulimit -u` or a cgroup's pids.max, Node's Worker constructor throws
// (ERR_WORKER_INIT_FAILED, EAGAIN). Every run then keeps to one thread, as BARGE_WORKER=never.
vi.mock('node:worker_threads', async (importActual) => {
  const actual = await importActual<typeof import('node:worker_threads')>();
  class NoThread {
    constructor() {
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
  it('started early from bin/barge.js (import, validate): nothing is thrown (Node crashed with a stack trace and exit 1)', () => {
    const input = items(tempDir('barge-no-thread-'));
    expect(() => startImportWorkerEarly(['import', input, '--db', 'x.db'])).not.toThrow();
    expect(() => startTailEarly([input])).not.toThrow();
  });

  it('an import reads and validates in its own thread instead (it failed: "Worker initialization failure: EAGAIN")', async () => {
    const dir = tempDir('barge-no-thread-');
    const config = importConfig(dir, [items(dir)], { mode: 'batch' });
    const result = await runImport(config);
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
    await runExport({ dbPath, busyTimeoutMs: 5000, table: 'items', format: 'csv', out, gzip: false, countTotal: false }, { stdout: process.stdout });
    expect(fs.readFileSync(out, 'utf8')).toBe('id,name\n1,a\n2,b\n');
  });
});
