import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorReport } from '../../src/report/error-report.js';
import { tempDir } from '../helpers/temp-dirs.js';
import type { ReportEntry } from '../../src/report/report-entry.js';

// A resumed job's report is cut back to its size at the last committed batch (the checkpoint
// records it), so the entries of a batch that never committed are not there twice.

function entry(id: number): ReportEntry {
  return {
    _barge_job: 'j1', _barge_input: 'in.csv', _barge_line: id + 1, _barge_record: id, _barge_batch: Math.ceil(id / 2),
    _barge_errors: [{ column: 'qty', code: 'invalid_type', message: `line ${id + 1}, column "qty": expected an integer`, value: 'x' }],
    _barge_text: true, id: String(id), qty: 'x, "quoted"',
  };
}

function scratch(name: string): string {
  return path.join(tempDir('barge-report-'), name);
}

describe('ErrorReport: a resumed job\'s report', () => {
  for (const format of ['ndjson', 'csv'] as const) {
    it(`${format}: cut back to the committed size, then appended to; size counts every byte written`, () => {
      const file = scratch(`report.${format}`);
      const first = new ErrorReport(file, ['id', 'qty']);
      expect(first.size).toBe(0);
      first.add(entry(1));
      first.add(entry(2));
      const committed = first.size;
      expect(committed).toBe(fs.statSync(file).size);
      first.add(entry(3)); // a batch that never committed
      first.close();
      const whole = fs.readFileSync(file, 'utf8');

      const resumed = new ErrorReport(file, ['id', 'qty'], true, committed);
      expect(fs.statSync(file).size).toBe(committed);
      expect(resumed.size).toBe(committed);
      resumed.add(entry(3));
      resumed.add(entry(4));
      resumed.close();
      expect(resumed.size).toBe(fs.statSync(file).size);

      // The same file a run never killed writes.
      const straight = scratch(`report.${format}`);
      const once = new ErrorReport(straight, ['id', 'qty']);
      for (const id of [1, 2, 3, 4]) once.add(entry(id));
      once.close();
      expect(fs.readFileSync(file, 'utf8')).toBe(fs.readFileSync(straight, 'utf8'));
      expect(whole.length).toBeGreaterThan(committed);
    });
  }

  it('json: the array is continued after the committed entries, and stays a whole array meanwhile', () => {
    const file = scratch('report.json');
    const first = new ErrorReport(file, ['id', 'qty']);
    first.add(entry(1));
    first.add(entry(2));
    const committed = first.size;
    first.add(entry(3)); // a batch that never committed; killed before close(): no closing bracket
    const ids = () => (JSON.parse(fs.readFileSync(file, 'utf8')) as ReportEntry[]).map((e) => e.id);

    // Resumed with nothing new to report: the committed entries, as a valid array.
    const idle = new ErrorReport(file, ['id', 'qty'], true, committed);
    idle.close();
    expect(ids()).toEqual(['1', '2']);

    const resumed = new ErrorReport(file, ['id', 'qty'], true, committed);
    expect(resumed.size).toBe(committed);
    resumed.add(entry(3));
    resumed.add(entry(4));
    resumed.close();
    const straight = scratch('report.json');
    const once = new ErrorReport(straight, ['id', 'qty']);
    for (const id of [1, 2, 3, 4]) once.add(entry(id));
    once.close();
    expect(fs.readFileSync(file, 'utf8')).toBe(fs.readFileSync(straight, 'utf8'));
    expect(ids()).toEqual(['1', '2', '3', '4']);
  });

  it('json: rewritten when the checkpoint has no size (an older job) or no committed entry', () => {
    const file = scratch('report.json');
    const first = new ErrorReport(file, ['id', 'qty']);
    first.add(entry(1));
    first.close();
    for (const resumeAt of [undefined, 0]) {
      const again = new ErrorReport(file, ['id', 'qty'], true, resumeAt);
      again.add(entry(5));
      again.close();
      expect((JSON.parse(fs.readFileSync(file, 'utf8')) as ReportEntry[]).map((e) => e.id)).toEqual(['5']);
    }
  });

  it('left as it is when the checkpoint has no size (a job of an older version), or the file is shorter', () => {
    const file = scratch('report.ndjson');
    const first = new ErrorReport(file, ['id', 'qty']);
    first.add(entry(1));
    first.close();
    const size = fs.statSync(file).size;
    expect(new ErrorReport(file, ['id', 'qty'], true, undefined).size).toBe(size);
    expect(new ErrorReport(file, ['id', 'qty'], true, size + 100).size).toBe(size);
    expect(fs.statSync(file).size).toBe(size);
  });

  it('cut to nothing when no batch had committed, and a missing report is no error', () => {
    const file = scratch('report.ndjson');
    const first = new ErrorReport(file, ['id', 'qty']);
    first.add(entry(1));
    first.close();
    expect(new ErrorReport(file, ['id', 'qty'], true, 0).size).toBe(0);
    expect(fs.statSync(file).size).toBe(0);
    expect(new ErrorReport(scratch('none.ndjson'), ['id', 'qty'], true, 0).size).toBe(0);
  });
});

describe('ErrorReport: a CSV report cut mid-entry, and a write that fails midway', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** A rejected record whose value is quoted over two lines in a CSV report. */
  function multiLine(id: number): ReportEntry {
    return { ...entry(id), qty: `bad${id}\nvalue` };
  }

  // A resumed job whose CSV report was cut shorter than its checkpoint (by hand, a full disk) is cut
  // back to its last whole entry. A line break inside a quoted field is not an entry's end: cut
  // there, the report kept half an entry, the resumed run appended after it, and the report could
  // not be read back (fed to barge import, its rows ragged or swallowed into one field).
  it('csv: a report cut shorter than the checkpoint is cut back past a line break inside a quoted value, to its last whole entry', () => {
    const file = scratch('report.csv');
    const first = new ErrorReport(file, ['id', 'qty']);
    first.add(multiLine(1));
    first.add(multiLine(2));
    const committed = first.size;
    first.close();
    const whole = fs.readFileSync(file);
    // Cut by a few bytes: the second entry's "bad2\nvalue" loses its end, not its line break.
    fs.truncateSync(file, whole.length - 4);
    expect(fs.readFileSync(file, 'utf8')).toContain('bad2\nva');

    const resumed = new ErrorReport(file, ['id', 'qty'], true, committed);
    const header = parse(whole, { to_line: 1 })[0] as string[];
    const oneEntry = (parse(whole) as string[][]).slice(0, 2);
    // The header and the first entry, whole.
    const kept = fs.readFileSync(file, 'utf8');
    expect(parse(kept)).toEqual(oneEntry);
    expect(resumed.size).toBe(Buffer.byteLength(kept));
    expect(resumed.lostEntriesWarning(2)).toBe(
      `the error report ${file} is shorter than the ${committed} bytes the job had written: entries of the 2 records rejected before the job stopped are lost from it (the job's counts still include them)`,
    );

    resumed.add(multiLine(3));
    resumed.close();
    const records = parse(fs.readFileSync(file, 'utf8')) as string[][];
    expect(records[0]).toEqual(header);
    expect(records.length).toBe(3);
    for (const record of records) expect(record.length).toBe(header.length);
    const qty = header.indexOf('qty');
    expect(records.slice(1).map((r) => r[qty])).toEqual(['bad1\nvalue', 'bad3\nvalue']);
  });

  // A full disk makes a write fail partway (some bytes written, then ENOSPC): the report is cut back
  // to its last whole entry, and the next write must go at that end. Written where the failed one
  // had reached, the report got a run of NUL bytes in the middle (a gap the file system fills with
  // zeros) once space was freed: a report that no longer parses, fed back or read.
  it('ndjson: after a write that failed partway (ENOSPC), the next entries follow the last whole one, with no gap of zero bytes', () => {
    const file = scratch('report.ndjson');
    const report = new ErrorReport(file, ['id', 'qty']);
    report.add(entry(1));
    report.flush();
    const before = fs.statSync(file).size;

    const realWrite = fs.writeSync.bind(fs) as (fd: number, buffer: Buffer, offset: number, length: number, position: number) => number;
    const spy = vi.spyOn(fs, 'writeSync');
    // Part of the entry goes out, then the disk is full.
    spy.mockImplementationOnce(((fd: number, buffer: Buffer, offset: number, _length: number, position: number) =>
      realWrite(fd, buffer, offset, 10, position)) as unknown as typeof fs.writeSync);
    spy.mockImplementationOnce((() => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
    }) as unknown as typeof fs.writeSync);
    report.add(entry(2));
    expect(() => report.flush()).toThrow(`cannot write the error report "${file}": the disk is full`);
    expect(spy).toHaveBeenCalledTimes(2);
    expect(fs.statSync(file).size).toBe(before);
    expect(report.size).toBe(before);

    // Space freed: written on.
    report.add(entry(3));
    report.close();
    const bytes = fs.readFileSync(file);
    expect(bytes.includes(0)).toBe(false);
    expect(report.size).toBe(bytes.length);
    const ids = bytes.toString('utf8').split('\n').filter((line) => line !== '').map((line) => (JSON.parse(line) as ReportEntry).id);
    expect(ids).toEqual(['1', '3']);
  });
});
