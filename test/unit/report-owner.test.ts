import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorReport } from '../../src/report/error-report.js';
import { firstEntryJob } from '../../src/report/report-owner.js';
import { nextFreeReportPath } from '../../src/pipeline/report-path.js';
import type { ReportEntry } from '../../src/report/report-entry.js';
import { tempDir } from '../helpers/temp-dirs.js';

function entry(job: string, id: number): ReportEntry {
  return {
    _barge_job: job, _barge_input: 'in.csv', _barge_line: id + 1, _barge_record: id, _barge_batch: 1,
    _barge_errors: [{ column: 'v', code: 'type', message: 'expected an integer', value: 'x' }],
    _barge_text: true, id: String(id), v: 'x, "q"\nline',
  };
}

describe('firstEntryJob: whose entries a report holds (a resume checks its own before it appends)', () => {
  for (const format of ['ndjson', 'csv', 'json'] as const) {
    it(`${format}: the first entry's job id; none for no file or no entry`, () => {
      const file = path.join(tempDir('barge-owner-'), `r.${format}`);
      expect(firstEntryJob(file, format)).toBeUndefined();
      const report = new ErrorReport(file, ['id', 'v']);
      report.add(entry('job "1", with, commas', 1));
      report.add(entry('other', 2));
      report.close();
      expect(firstEntryJob(file, format)).toBe('job "1", with, commas');
      fs.writeFileSync(file, 'id,v\n1,2\n');
      expect(firstEntryJob(file, format)).toBeNull();
      fs.writeFileSync(file, '');
      expect(firstEntryJob(file, format)).toBeUndefined();
    });
  }
  it('a JSON report of no entry, a CSV header alone: no entry to tell by', () => {
    const dir = tempDir('barge-owner-');
    fs.writeFileSync(path.join(dir, 'r.json'), '[\n]\n');
    expect(firstEntryJob(path.join(dir, 'r.json'), 'json')).toBeUndefined();
    fs.writeFileSync(path.join(dir, 'r.csv'), '_barge_job,_barge_input\n');
    expect(firstEntryJob(path.join(dir, 'r.csv'), 'csv')).toBeUndefined();
    // A wide table's header, longer than the head read.
    fs.writeFileSync(path.join(dir, 'r.csv'), `_barge_job,${Array.from({ length: 20_000 }, (_, i) => `column_${i}`).join(',')}\nj1,x\n`);
    expect(firstEntryJob(path.join(dir, 'r.csv'), 'csv')).toBeUndefined();
  });
});

describe('a default report that steps aside (stdin\'s) claims its name as it is made', () => {
  it('a file made under the chosen name meanwhile (another run started together): the next number', () => {
    const dir = tempDir('barge-step-');
    const chosen = path.join(dir, 'stdin.errors.ndjson');
    const step = nextFreeReportPath({ inputs: ['-'] })!;
    expect(step(chosen)).toBe(path.join(dir, 'stdin.errors-2.ndjson'));
    expect(step(path.join(dir, 'stdin.errors-2.ndjson'))).toBe(path.join(dir, 'stdin.errors-3.ndjson'));
    const report = new ErrorReport(chosen, ['id', 'v'], false, undefined, undefined, step);
    // The other run's report, made after this run chose the name and before its first entry.
    fs.writeFileSync(chosen, '{"_barge_job":"other"}\n');
    fs.writeFileSync(path.join(dir, 'stdin.errors-2.ndjson'), '{"_barge_job":"third"}\n');
    report.add(entry('mine', 1));
    report.close();
    expect(report.path).toBe(path.join(dir, 'stdin.errors-3.ndjson'));
    expect(fs.readFileSync(chosen, 'utf8')).toBe('{"_barge_job":"other"}\n');
    expect(firstEntryJob(report.path, 'ndjson')).toBe('mine');
  });
  it('--errors and a file input do not step aside (a later run of a file overwrites its report, as documented)', () => {
    expect(nextFreeReportPath({ inputs: ['-'], errorsPath: 'x.ndjson' })).toBeUndefined();
    expect(nextFreeReportPath({ inputs: ['in.csv'] })).toBeUndefined();
    expect(nextFreeReportPath({ inputs: ['in.errors.ndjson'] })!('/d/in.errors-2.ndjson')).toBe('/d/in.errors-3.ndjson');
  });
});
