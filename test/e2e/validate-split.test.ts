import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { barge, workdir } from '../helpers/cli.js';
import { bargeWithin } from '../helpers/process-waits.js';

// `barge validate` of one file on two threads (src/pipeline/validate-split.ts) must give
// exactly what one thread gives: the same summary, exit code, messages and report, lines and
// record numbers included. BARGE_WORKER=always splits even these small files;
// BARGE_WORKER=never is the one-thread run.

const SCHEMA = {
  table: 'items',
  columns: {
    id: { type: 'integer', required: true, min: 1 },
    email: { type: 'string', pattern: '^[a-z0-9.]+@[a-z.]+$' },
    price: { type: 'number', min: 0 },
    note: { type: 'string' },
  },
};

function csv(rows: number, lineBreak: string, note: (i: number) => string = (i) => `"a note, ${i}"`): string {
  let text = `id,email,price,note${lineBreak}`;
  for (let i = 1; i <= rows; i++) {
    const email = i % 97 === 0 ? 'not an email' : `user${i}@example.com`;
    const price = i % 131 === 0 ? 'free' : (i / 8).toFixed(2);
    text += `${i},${email},${price},${note(i)}${lineBreak}`;
  }
  return text;
}

/** Runs validate both ways; returns the two results with run ids and timings taken out. */
async function bothWays(dir: string, file: string, extra: string[] = []) {
  const results = [];
  for (const worker of ['never', 'always']) {
    const report = `report-${worker}.ndjson`;
    const run = await barge(dir, ['validate', file, '--schema', 'schema.json', '--errors', report, '--json', ...extra], { env: { BARGE_WORKER: worker } });
    const summary = run.stdout === '' ? null : JSON.parse(run.stdout);
    if (summary) {
      delete summary.durationMs;
      delete summary.recordsPerSecond;
      summary.reportPath = summary.reportPath === null ? null : path.basename(summary.reportPath).replace(worker, 'X');
    }
    const reportFile = path.join(dir, report);
    const entries = fs.existsSync(reportFile)
      ? fs.readFileSync(reportFile, 'utf8').trim().split('\n').map((line) => { const entry = JSON.parse(line); delete entry._barge_job; return entry; })
      : [];
    fs.rmSync(reportFile, { force: true });
    results.push({ exitCode: run.exitCode, stderr: run.stderr.replace(/\d[\d,]* records\/s|\d+\.\d s/g, '').replace(worker, 'X'), summary, entries });
  }
  return { one: results[0]!, two: results[1]! };
}

function setUp(files: Record<string, string>): string {
  const dir = workdir();
  fs.writeFileSync(path.join(dir, 'schema.json'), JSON.stringify(SCHEMA));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

describe('validate on two threads gives what one thread gives', () => {
  it('CSV with LF, quoted fields holding commas and line breaks, errors in both halves', async () => {
    // Multi-line notes away from the middle, so that the split is not inside one (see below).
    const dir = setUp({ 'items.csv': csv(20_000, '\n', (i) => (i % 7 === 0 && (i < 8000 || i > 12_000) ? `"two\nlines, ${i}"` : `"a note, ${i}"`)) });
    const { one, two } = await bothWays(dir, 'items.csv');
    expect(one.exitCode).toBe(1);
    expect(two).toEqual(one);
    expect(one.entries.length).toBe(20_000 / 97 + 20_000 / 131 - 20_000 / (97 * 131) | 0);
    // The last entries come from the second half, with the file's own line numbers.
    const last = one.entries[one.entries.length - 1];
    expect(last._barge_record).toBeGreaterThan(19_000);
    expect(last._barge_line).toBeGreaterThan(last._barge_record);
  });

  it('CSV with CRLF line ends', async () => {
    const dir = setUp({ 'items.csv': csv(12_000, '\r\n') });
    const { one, two } = await bothWays(dir, 'items.csv');
    expect(two).toEqual(one);
    expect(one.entries.some((entry) => entry._barge_record > 6000)).toBe(true);
  });

  it('the middle of the file falls inside a quoted field of many lines: the run starts again on one thread', async () => {
    const rows = csv(2_000, '\n').split('\n');
    const long = `"${'a line of a very long note\n'.repeat(20_000)}end"`;
    rows.splice(1000, 0, `1000000,long@example.com,1.00,${long}`);
    const text = rows.join('\n');
    const middle = Math.floor(Buffer.byteLength(text) / 2);
    expect(text.slice(0, middle).includes(long.slice(0, 100))).toBe(true);
    expect(text.slice(middle).includes('end"')).toBe(true);
    const dir = setUp({ 'items.csv': text });
    const { one, two } = await bothWays(dir, 'items.csv');
    expect(two).toEqual(one);
    expect(one.summary.counts.read).toBe(2001);
  });

  it('NDJSON with bad lines in both halves', async () => {
    let text = '';
    for (let i = 1; i <= 20_000; i++) {
      if (i % 499 === 0) text += '{"id": oops}\n';
      else if (i % 1001 === 0) text += '\n';
      else text += JSON.stringify({ id: i, email: i % 97 === 0 ? 'x' : `u${i}@example.com`, price: i / 4, note: `n ${i}` }) + '\n';
    }
    const dir = setUp({ 'items.ndjson': text });
    const { one, two } = await bothWays(dir, 'items.ndjson');
    expect(two).toEqual(one);
    expect(one.entries.filter((entry) => entry._barge_errors[0].code === 'invalid_json').length).toBe(40);
  });

  it('NDJSON integers beyond 2^53 in both halves: every entry keeps its line in _barge_raw', async () => {
    let text = '';
    for (let i = 1; i <= 20_000; i++) {
      text += (i === 3 ? '{"id":9007199254740993,"price":1}' : i === 19_990 ? '{"id":9007199254740995,"price":1}' : JSON.stringify({ id: i, price: i / 4 })) + '\n';
    }
    const dir = setUp({ 'big.ndjson': text });
    const { one, two } = await bothWays(dir, 'big.ndjson');
    expect(two).toEqual(one);
    expect(one.entries.map((entry) => entry._barge_raw)).toEqual(['{"id":9007199254740993,"price":1}', '{"id":9007199254740995,"price":1}']);
  });

  it('--max-errors reached in the second half', async () => {
    const dir = setUp({ 'items.csv': csv(20_000, '\n') });
    const { one, two } = await bothWays(dir, 'items.csv', ['--max-errors', '300']);
    expect(two).toEqual(one);
    expect(one.exitCode).toBe(1);
    // Record 16,781 (a multiple of 97 or 131: 173 + 128 - 1 of them up to there) is the 300th invalid one: reading stops there.
    expect(one.summary.counts).toEqual({ read: 16_781, valid: 16_481, rejected: 300 });
    expect(one.summary.stoppedEarly).toBe('stopped after 300 invalid records (--max-errors)');
    expect(one.entries).toHaveLength(300);
    expect(one.entries.at(-1)._barge_line).toBe(16_782);
    expect(one.stderr.split('\n').slice(0, 2)).toEqual(['barge: validate items.csv against "items" (file schema): 300 invalid records', '  read 16,781, valid 16,481, rejected 300']);
  });

  it('a stray quote in the second half: the same rejected record', async () => {
    const rows = csv(20_000, '\n').split('\n');
    rows[15_000] = '15000,bad@example.com,1.00,an "unquoted" quote';
    const dir = setUp({ 'items.csv': rows.join('\n') });
    const { one, two } = await bothWays(dir, 'items.csv');
    expect(one.exitCode).toBe(1);
    expect(one.entries.filter((entry) => entry._barge_errors[0].code === 'stray_quote').map((entry) => [entry._barge_line, entry._barge_raw, entry._barge_errors[0].message])).toEqual([
      [15001, '15000,bad@example.com,1.00,an "unquoted" quote', 'line 15001, column "note": a quote inside an unquoted field: quote the whole field and double the quotes ("an ""unquoted"" quote")'],
    ]);
    expect(two).toEqual(one);
  });
});

describe('validate on two threads: a schema inferred from the first rows', () => {
  it('infers from the same rows as one thread, also when the first half is shorter than --infer-rows', async () => {
    // `val` is a number up to row 2000, then text: inferred from 2500 rows it is a string,
    // from the first half's ~1500 alone it would be a number.
    let text = 'id,val\n';
    for (let i = 1; i <= 3000; i++) text += `${i},${i <= 2000 ? i * 3 : `word ${i}`}\n`;
    const dir = setUp({ 'items.csv': text });
    for (const rows of ['100', '2500']) {
      const results = [];
      for (const worker of ['never', 'always']) {
        const run = await barge(dir, ['validate', 'items.csv', '--infer-rows', rows, '--json'], { env: { BARGE_WORKER: worker } });
        const summary = JSON.parse(run.stdout);
        results.push({ exitCode: run.exitCode, schema: summary.schema, counts: summary.counts, first: summary.firstErrors });
      }
      expect(results[1]).toEqual(results[0]);
      expect(results[0]!.counts.rejected).toBe(rows === '100' ? 1000 : 0);
    }
  });
});

describe('validate: the second thread started before the command is read (startTailEarly)', () => {
  it('a file the split cannot take (a quote on its first line) runs on one thread; the unused worker does not hold the process', async () => {
    const dir = setUp({ 'quoted.csv': csv(300, '\n').replace('id,email,price,note', '"id",email,price,note') });
    // A worker left running holds the process open: killed after 30 s, the run is timedOut.
    const run = await bargeWithin(dir, ['validate', 'quoted.csv', '--schema', 'schema.json', '--json'], 30_000, { env: { BARGE_WORKER: 'always' } });
    expect(run.timedOut, run.stderr).toBe(false);
    expect(run.exitCode).toBe(1);
    expect(JSON.parse(run.stdout).counts).toEqual({ read: 300, valid: 300 - 3 - 2, rejected: 5 });
  });
});
