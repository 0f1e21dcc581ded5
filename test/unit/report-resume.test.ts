import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
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
