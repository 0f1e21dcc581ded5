import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { barge, workdir } from '../helpers/cli.js';
import { NUMBERED_SCHEMA, writeNumberedCsv } from '../helpers/generate.js';
import { waitForBatches, waitUntil } from '../helpers/waits.js';

/**
 * The database file deleted or replaced while an import writes it: SQLite goes on writing the
 * old file, gone once barge closes it. The import said "succeeded", exit 0, with nothing left.
 */
describe('the database deleted or replaced while an import runs', () => {
  function setUp(): string {
    const dir = workdir();
    writeNumberedCsv(path.join(dir, 'big.csv'), 400_000);
    fs.writeFileSync(path.join(dir, 'schema.json'), JSON.stringify(NUMBERED_SCHEMA));
    return dir;
  }

  const removeDatabase = (db: string) => {
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(db + suffix, { force: true });
  };

  it('row mode, deleted after some batches committed: exit 3 naming it, not a success', async () => {
    const dir = setUp();
    const db = path.join(dir, 'x.db');
    let done = false;
    const run = barge(dir, ['import', 'big.csv', '--schema', 'schema.json', '--db', 'x.db', '--mode', 'row', '--batch-size', '100', '--json']).finally(() => { done = true; });
    await waitForBatches(db, 3);
    expect(done).toBe(false);
    removeDatabase(db);
    const result = await run;
    expect(result.exitCode, result.stderr).toBe(3);
    expect(result.stderr.trimEnd().split('\n').at(-1)).toBe('barge: error: database "x.db" was deleted while the import ran: what it wrote went with the old file; import again');
    expect(JSON.parse(result.stdout)).toMatchObject({ command: 'import', error: { code: 'database' }, exitCode: 3 });
    expect(fs.existsSync(db)).toBe(false);
  });

  it('atomic, deleted while its transaction grows: exit 3 at the end, not a success', async () => {
    const dir = setUp();
    const db = path.join(dir, 'x.db');
    let done = false;
    const run = barge(dir, ['import', 'big.csv', '--schema', 'schema.json', '--db', 'x.db']).finally(() => { done = true; });
    // The transaction's pages spill into the WAL once the page cache is full.
    await waitUntil('the WAL to grow', () => (fs.statSync(db + '-wal', { throwIfNoEntry: false })?.size ?? 0) > 4 << 20);
    expect(done).toBe(false);
    removeDatabase(db);
    const result = await run;
    expect(result.exitCode, result.stderr).toBe(3);
    expect(result.stderr.trimEnd().split('\n').at(-1)).toBe('barge: error: database "x.db" was deleted while the import ran: what it wrote went with the old file; import again');
  });

  it('batch mode, another database moved into its place: exit 3, "replaced"; the other file is left as it was', async () => {
    const dir = setUp();
    const db = path.join(dir, 'x.db');
    fs.writeFileSync(path.join(dir, 'small.csv'), 'id,name,qty\n1,a,1\n');
    const other = await barge(dir, ['import', 'small.csv', '--schema', 'schema.json', '--db', 'other.db']);
    expect(other.exitCode, other.stderr).toBe(0);
    const before = fs.readFileSync(path.join(dir, 'other.db'));
    let done = false;
    const run = barge(dir, ['import', 'big.csv', '--schema', 'schema.json', '--db', 'x.db', '--mode', 'batch', '--batch-size', '100']).finally(() => { done = true; });
    await waitForBatches(db, 3);
    expect(done).toBe(false);
    fs.renameSync(path.join(dir, 'other.db'), db);
    const result = await run;
    expect(result.exitCode, result.stderr).toBe(3);
    expect(result.stderr.trimEnd().split('\n').at(-1)).toBe('barge: error: database "x.db" was replaced while the import ran: what it wrote went with the old file; import again');
    expect(fs.readFileSync(db).equals(before)).toBe(true);
    // Opened, the other file is still itself: the WAL beside its new path held the old file's
    // frames, which the next connection applied to it ("row missing from index", a damaged
    // b-tree, the other's job row replaced by this job's "failed").
    expect(fs.statSync(`${db}-wal`, { throwIfNoEntry: false })?.size ?? 0).toBe(0);
    const opened = new Database(db);
    try {
      expect(opened.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(opened.prepare('SELECT count(*) AS n FROM numbered').get()).toEqual({ n: 1 });
      expect(opened.prepare('SELECT status, inserted FROM _barge_jobs').all()).toEqual([{ status: 'succeeded', inserted: 1 }]);
    } finally {
      opened.close();
    }
  });
});
