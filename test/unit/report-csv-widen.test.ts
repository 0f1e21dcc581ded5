import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { ErrorReport } from '../../src/report/error-report.js';
import { tempDir } from '../helpers/temp-dirs.js';
import type { ReportEntry } from '../../src/report/report-entry.js';
import { csvRecords } from '../../src/report/widen-csv-report.js';

// A CSV report's header is written with its first entry. A field first seen in a later entry was
// dropped from the report, and importing the report loaded that record without it. It is now
// written beyond the header as name and value, and the header widened when the report is closed.

const HEADER = '_barge_job,_barge_input,_barge_line,_barge_record,_barge_batch,_barge_errors,_barge_text,_barge_raw,id,name';

function entry(id: number, fields: Record<string, unknown> = {}, batch = id): ReportEntry {
  return {
    _barge_job: 'j1', _barge_input: 'in.ndjson', _barge_line: id, _barge_record: id, _barge_batch: batch,
    _barge_errors: [],
    id, name: `n${id}`, ...fields,
  };
}

/** The CSV line an entry starts with (its _barge_errors is [] here). */
function start(id: number, batch = id): string {
  return `j1,in.ndjson,${id},${id},${batch},[],,,${id},n${id}`;
}

function scratch(name: string): string {
  return path.join(tempDir('barge-widen-'), name);
}

function write(file: string, entries: ReportEntry[], resumable = false): ErrorReport {
  const report = new ErrorReport(file, ['id', 'name']);
  for (const e of entries) report.add(e);
  report.close();
  report.widen();
  if (!resumable) report.widen();
  return report;
}

const read = (file: string) => fs.readFileSync(file, 'utf8');

describe('a CSV report whose entries have fields its header lacks', () => {
  it('has them in its header once closed, each row padded, every value under its name', () => {
    const file = scratch('report.csv');
    const report = write(file, [
      entry(1),
      entry(2, { note: 'keep me' }),
      entry(3),
      entry(4, { code: 'X', note: 'a, "b"\nc' }),
      entry(5, { code: null, empty: '' }),
    ]);
    expect(read(file)).toBe([
      `${HEADER},note,code,empty`,
      `${start(1)},,,`,
      `${start(2)},keep me,,`,
      `${start(3)},,,`,
      `${start(4)},"a, ""b""\nc",X,`,
      `${start(5)},,,`,
      '',
    ].join('\n'));
    expect(report.size).toBe(fs.statSync(file).size);
    expect(report.closeWarning).toBeUndefined();
    // No temporary file is left beside it.
    expect(fs.readdirSync(path.dirname(file))).toEqual(['report.csv']);
  });

  it('until then (killed), holds them beyond the header as name/value pairs: the row is ragged, never short', () => {
    const file = scratch('report.csv');
    const report = new ErrorReport(file, ['id', 'name']);
    report.add(entry(1));
    report.add(entry(2, { note: 'keep me', 'odd,"name"': 7 }));
    report.flush(); // as the import does with a batch's entries, before the batch commits
    expect(read(file)).toBe(`${HEADER}\n${start(1)}\n${start(2)},note,keep me,"odd,""name""",7\n`);
    expect(report.size).toBe(fs.statSync(file).size);
  });

  it('keeps extra fields of its first entry in the header, as before, and adds later ones', () => {
    const file = scratch('report.csv');
    write(file, [entry(1, { first: 'f' }), entry(2, { later: 'l' }), entry(3, { first: 'g', later: 'm' })]);
    expect(read(file)).toBe([`${HEADER},first,later`, `${start(1)},f,`, `${start(2)},,l`, `${start(3)},g,m`, ''].join('\n'));
  });

  it('is not rewritten when no entry went beyond its header', () => {
    const file = scratch('report.csv');
    const report = new ErrorReport(file, ['id', 'name']);
    report.add(entry(1, { x: 1 }));
    report.add(entry(2));
    const inode = fs.statSync(file).ino;
    report.close();
    report.widen();
    expect(fs.statSync(file).ino).toBe(inode);
    expect(read(file)).toBe(`${HEADER},x\n${start(1)},1\n${start(2)},\n`);
  });

  it('close() without widen() (a job that may be resumed) leaves it as written; the resumed run cuts it back to the checkpoint and widens it whole', () => {
    // Batches 1 and 2 committed; batch 3 was reported but not committed when the run stopped.
    const entries = [
      entry(1, {}, 1), entry(2, { note: 'a' }, 1),
      entry(3, { code: 'c3' }, 2),
      entry(4, { late: 'never committed' }, 3),
    ];
    const file = scratch('report.csv');
    const first = new ErrorReport(file, ['id', 'name']);
    first.add(entries[0]!);
    first.add(entries[1]!);
    first.add(entries[2]!);
    const committed = first.size;
    first.add(entries[3]!);
    first.close();
    expect(read(file)).toBe(`${HEADER}\n${start(1, 1)}\n${start(2, 1)},note,a\n${start(3, 2)},code,c3\n${start(4, 3)},late,never committed\n`);

    // Resumed: batch 3 read again (without the field this time), then more.
    const resumed = new ErrorReport(file, ['id', 'name'], true, committed);
    expect(resumed.size).toBe(committed);
    const again = [entry(4, {}, 3), entry(5, { note: 'e', other: 'o' }, 4)];
    for (const e of again) resumed.add(e);
    resumed.close();
    resumed.widen();
    expect(read(file)).toBe([
      `${HEADER},note,code,other`,
      `${start(1, 1)},,,`,
      `${start(2, 1)},a,,`,
      `${start(3, 2)},,c3,`,
      `${start(4, 3)},,,`,
      `${start(5, 4)},e,,o`,
      '',
    ].join('\n'));

    // The same file as a run never stopped writes.
    const straight = scratch('report.csv');
    write(straight, [entries[0]!, entries[1]!, entries[2]!, ...again]);
    expect(read(file)).toBe(read(straight));
  });

  it('a resumed run with nothing new to report still widens what the earlier (killed) run wrote', () => {
    const file = scratch('report.csv');
    const first = new ErrorReport(file, ['id', 'name']);
    first.add(entry(1));
    first.add(entry(2, { note: 'n' }));
    const committed = first.size; // killed: never closed
    const resumed = new ErrorReport(file, ['id', 'name'], true, committed);
    resumed.close();
    resumed.widen();
    expect(read(file)).toBe(`${HEADER},note\n${start(1)},\n${start(2)},n\n`);
  });

  it('a resumed run reads a header holding a line break, a comma and a quote, and appends under it', () => {
    const file = scratch('report.csv');
    const first = new ErrorReport(file, ['id', 'name']);
    first.add(entry(1, { 'a\nb': 'x', 'c,"d"': 'y' }));
    const committed = first.size;
    first.close();
    const resumed = new ErrorReport(file, ['id', 'name'], true, committed);
    resumed.add(entry(2, { 'c,"d"': 'z', e: 'w' }));
    resumed.close();
    resumed.widen();
    const rows = parse(read(file), { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => [r['a\nb'], r['c,"d"'], r.e])).toEqual([['x', 'y', ''], ['', 'z', 'w']]);
  });

  it('streams: records across its read chunks, each row widened or padded as it was', () => {
    const file = scratch('report.csv');
    const entries: ReportEntry[] = [];
    const expected: Array<Record<string, string>> = [];
    for (let id = 1; id <= 3000; id++) {
      // Long values with quotes, commas and line breaks, so that records straddle 64 KB chunks.
      const fields: Record<string, unknown> = { name: `"${'x,\n'.repeat(id % 50)}" ${id}` };
      if (id % 7 === 0) fields[`extra ${id % 3}`] = `v${id},"q"\n`;
      entries.push(entry(id, fields));
      expected.push({ id: String(id), name: fields.name as string, 'extra 0': fields['extra 0'] as string ?? '', 'extra 1': fields['extra 1'] as string ?? '', 'extra 2': fields['extra 2'] as string ?? '' });
    }
    write(file, entries);
    expect(fs.statSync(file).size).toBeGreaterThan(4 * 65536);
    const header = parse(read(file), { to_line: 1 })[0] as string[];
    expect(header.slice(-3)).toEqual(['extra 1', 'extra 2', 'extra 0']);
    const rows = parse(read(file), { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => ({ id: r.id, name: r.name, 'extra 0': r['extra 0'], 'extra 1': r['extra 1'], 'extra 2': r['extra 2'] }))).toEqual(expected);
    // Every record has the header's fields.
    expect(new Set([...csvRecords(file)].map((r) => r.fields))).toEqual(new Set([header.length]));
  });

  it('a row edited by hand beyond the header (not name/value pairs) is left as it is, ragged', () => {
    const file = scratch('report.csv');
    const report = new ErrorReport(file, ['id', 'name']);
    report.add(entry(1));
    report.add(entry(2, { more: 'm' }));
    report.flush();
    fs.appendFileSync(file, `${start(3)},odd\n${start(4)},id,4\n${start(5)},x,1,x,2\n`);
    // The report object does not know of them: a resumed run's view of a file edited meanwhile.
    report.close();
    report.widen();
    expect(read(file)).toBe(`${HEADER},more\n${start(1)},\n${start(2)},m\n${start(3)},odd\n${start(4)},id,4\n${start(5)},x,1,x,2\n`);
  });

  it('a report that is a symbolic link has its target widened, the link kept', () => {
    const target = scratch('target.csv');
    const link = path.join(path.dirname(target), 'link.csv');
    fs.symlinkSync(target, link);
    write(link, [entry(1), entry(2, { note: 'n' })]);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(read(target)).toBe(`${HEADER},note\n${start(1)},\n${start(2)},n\n`);
  });

  it('a report with another hard link is left as written (a rename would part the two names)', () => {
    const file = scratch('report.csv');
    const other = path.join(path.dirname(file), 'other.csv');
    const report = new ErrorReport(file, ['id', 'name']);
    report.add(entry(1));
    fs.linkSync(file, other);
    report.add(entry(2, { note: 'n' }));
    report.close();
    report.widen();
    expect(read(file)).toBe(`${HEADER}\n${start(1)}\n${start(2)},note,n\n`);
    expect(read(other)).toBe(read(file));
  });

  it('left as written, with a warning, when the rewrite fails', () => {
    const file = scratch('report.csv');
    const report = new ErrorReport(file, ['id', 'name']);
    report.add(entry(1));
    report.add(entry(2, { note: 'n' }));
    // Every name the temporary file could take is taken.
    const dir = path.dirname(file);
    for (let attempt = 0; attempt <= 100; attempt++) {
      fs.writeFileSync(path.join(dir, `.report.csv.widening-${process.pid}${attempt === 0 ? '' : `-${attempt}`}.tmp`), 'not mine');
    }
    report.close();
    expect(() => report.widen()).not.toThrow();
    expect(read(file)).toBe(`${HEADER}\n${start(1)}\n${start(2)},note,n\n`);
    expect(report.closeWarning).toMatch(/^the error report .*report\.csv could not be rewritten with every entry's fields in its header/);
    expect(fs.readFileSync(path.join(dir, `.report.csv.widening-${process.pid}.tmp`), 'utf8')).toBe('not mine');
  });

  it('NDJSON and JSON reports hold every field as they did, resumable or not', () => {
    for (const resumable of [false, true]) {
      const ndjson = scratch('report.ndjson');
      write(ndjson, [entry(1), entry(2, { note: 'n' })], resumable);
      expect(read(ndjson).split('\n')[1]).toBe(JSON.stringify(entry(2, { note: 'n' })));
      const json = scratch('report.json');
      write(json, [entry(1), entry(2, { note: 'n' })], resumable);
      expect(JSON.parse(read(json))[1]).toEqual(entry(2, { note: 'n' }));
    }
  });
});
