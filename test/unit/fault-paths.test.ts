import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EXIT, exitCodeFor } from '../../src/errors.js';
import { fileSink } from '../../src/export/sink.js';
import { sayWhatStays } from '../../src/pipeline/import-outcome.js';
import { checksumFile } from '../../src/pipeline/record-source.js';
import { planSplit } from '../../src/pipeline/validate-split.js';
import { ErrorReport } from '../../src/report/error-report.js';
import { toInputError } from '../../src/source/open-input.js';
import type { Db } from '../../src/store/open-database.js';
import { checkedOwnTables } from '../../src/store/own-tables.js';
import { translateSqliteError } from '../../src/store/sqlite-errors.js';
import { tempDir } from '../helpers/temp-dirs.js';

// The system-call failures an audit injected with strace (EIO on read and close, EMFILE, ENOSPC
// in $TMPDIR), injected here through fs (vi.spyOn) or a fake connection: no strace, no root.

/** A Node-style system-call failure, as fs gives it: `EIO: i/o error, close`. */
function ioError(syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`EIO: i/o error, ${syscall}`), { code: 'EIO', errno: -5, syscall });
}

/** What `run` throws (undefined when it returns). */
function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

const workerSetting = process.env.BARGE_WORKER;
afterEach(() => {
  vi.restoreAllMocks();
  if (workerSetting === undefined) delete process.env.BARGE_WORKER;
  else process.env.BARGE_WORKER = workerSetting;
});

describe('system-call failures the audit injected', () => {
  it('an export whose temporary file fails to close (EIO) fails with one line naming --out; the old file stays, the temporary file goes (it said nothing and replaced the old file)', async () => {
    const dir = tempDir('barge-faults-');
    const out = path.join(dir, 'o.csv');
    fs.writeFileSync(out, 'old\n');
    const sink = fileSink(out, false);
    const close = fs.close;
    vi.spyOn(fs, 'close').mockImplementation(((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
      close(fd, () => callback(ioError('close')));
    }) as typeof fs.close);
    await sink.write('a,b\n');
    await expect(sink.finish()).rejects.toThrow(`cannot write ${out}: i/o error (EIO)`);
    expect(fs.readdirSync(dir)).toEqual(['o.csv']);
    expect(fs.readFileSync(out, 'utf8')).toBe('old\n');
  });

  it('an input whose read fails (EIO) while it is hashed for the job record is named, worded as any read error (it was "EIO: i/o error, read", no file named)', async () => {
    const input = path.join(tempDir('barge-faults-'), 'x.csv');
    fs.writeFileSync(input, 'id\n1\n');
    vi.spyOn(fs, 'readSync').mockImplementation(() => { throw ioError('read'); });
    const error = await checksumFile(input).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'BargeError', code: 'io', message: `cannot read input "${input}": i/o error (EIO); fix that and try again` });
  });

  it('validate\'s look at where to split an input that fails to read (EIO) gives up the split: the one-thread run reads it and says so (it threw "EIO: i/o error, read", no file named)', () => {
    const input = path.join(tempDir('barge-faults-'), 'x.csv');
    fs.writeFileSync(input, 'id\n1\n2\n');
    process.env.BARGE_WORKER = 'always';
    vi.spyOn(fs, 'readSync').mockImplementation(() => { throw ioError('read'); });
    expect(planSplit([input], { header: true, encoding: 'utf8' })).toBeUndefined();
  });

  it('an error report whose close fails (EIO) is named, as any failed write of it (it was "EIO: i/o error, close", the job failed with those words)', () => {
    const file = path.join(tempDir('barge-faults-'), 'x.errors.ndjson');
    const report = new ErrorReport(file, ['id']);
    report.add({ _barge_job: 'j1', _barge_input: 'x.csv', _barge_line: 2, _barge_record: 1, _barge_batch: 1, _barge_errors: [], id: 'a' });
    const closeSync = fs.closeSync;
    vi.spyOn(fs, 'closeSync').mockImplementation((fd) => {
      closeSync(fd);
      throw ioError('close');
    });
    const error = thrownBy(() => report.close());
    expect((error as Error).message).toBe(`cannot write the error report "${file}": i/o error (EIO); pass another --errors`);
    expect(error).toMatchObject({ name: 'BargeError', code: 'io' });
  });

  it('a batch job whose input fails to read midway (EIO) says how it goes on, as a database\'s I/O error does: fix that and resume it (it said only what stays, and Node\'s "EIO: i/o error, read")', () => {
    const job = {
      jobId: 'J1',
      counts: { read: 16_000, inserted: 16_000, updated: 0, ignored: 0, rejected: 0 },
      batchesCommitted: 16,
      failedJob: { id: 'J1', mode: 'batch' as const, resumable: true, dbPath: 't.db' },
      reportPath: null,
    };
    const said = sayWhatStays(toInputError(ioError('read'), 'x.csv'), job, false, false);
    expect((said as Error).message).toBe('cannot read input "x.csv": i/o error (EIO); fix that and resume it: barge import --resume J1 --db t.db (job J1: the 16 batches committed before this, 16,000 records, stay)');
    expect(exitCodeFor(said)).toBe(EXIT.failure);
  });

  it('a database whose -wal/-shm files cannot be opened (EMFILE) as its tables are checked: one line naming it, exit 3 (it was "unable to open database file (an unexpected failure)")', () => {
    const cantOpen = Object.assign(new Error('unable to open database file'), { code: 'SQLITE_CANTOPEN' });
    let closed = false;
    const db = { pragma: () => { throw cantOpen; }, close: () => { closed = true; } } as unknown as Db;
    const error = thrownBy(() => checkedOwnTables(db, 't.db'));
    expect((error as Error).message).toBe('database "t.db": cannot open it or its -wal/-shm files (SQLite: unable to open database file; too many files open, see ulimit -n, or its directory\'s permissions); fix that and try again');
    expect(error).toMatchObject({ name: 'BargeError', code: 'database' });
    expect(exitCodeFor(error)).toBe(EXIT.failure);
    expect(closed).toBe(true);
  });

  it('a full disk may be $TMPDIR\'s, where an export\'s sort spills (SQLite\'s etilqs_* files): the message does not blame the database alone', () => {
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    expect(translateSqliteError(full, 'database "e.db"').message).toBe('database "e.db": the disk is full (the database\'s, or the one SQLite\'s sorts spill to: SQLITE_TMPDIR, else TMPDIR, else /var/tmp); free space and try again');
  });
});
