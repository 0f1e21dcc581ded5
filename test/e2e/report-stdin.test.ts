import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, readNdjson, rows, workdir } from '../helpers/cli.js';

/**
 * A report fed back on stdin: the stdin being read may be the default report itself, which
 * the run must not truncate while it reads it (it lost 43,655 of 50,000 records that way).
 */

const SCHEMA = { table: 't', primaryKey: ['id'], columns: { id: { type: 'integer', required: true }, n: { type: 'integer', min: 0 } } };

/** `sh -c` with the CLI, so that `<` is a real redirect (stdin is the file itself, not a pipe). */
async function shell(dir: string, command: string) {
  const result = await execa('sh', ['-c', command.replace('barge', `node ${JSON.stringify(BIN)}`)], {
    cwd: dir, reject: false, env: { ...process.env, BARGE_DB: '', NO_COLOR: '1' },
  });
  return { exitCode: result.exitCode, stderr: String(result.stderr) };
}

/** The summary of a run of the 50,000 records fed back: record 1 rejected again, the new report beside the old. */
function expectSummary(stderr: string, dir: string): void {
  const told = stderr.split('\n');
  expect([told[0], told[1], told[3], told[4], told[5]]).toEqual([
    'barge: import of stdin into "t": partial: 1 record rejected, 49,999 loaded',
    '  read 50,000, inserted 49,999, rejected 1',
    '  stdin:line 1, column "n": expected an integer >= 0, got -1',
    '  stdin was read as NDJSON, its format sniffed from its first bytes; if it is not, pass --format',
    `  report: ${path.join(fs.realpathSync(dir), 'stdin.errors-2.ndjson')} (fix the records and import it again)`,
  ]);
  expect(told).toHaveLength(6);
}

/** The new report's one entry: record 1 of stdin. */
function expectReport(dir: string): void {
  expect(readNdjson(path.join(dir, 'stdin.errors-2.ndjson'))).toMatchObject([
    { _barge_input: 'stdin', _barge_line: 1, _barge_record: 1, _barge_batch: 1, _barge_errors: [{ column: 'n', code: 'too_small', message: 'line 1, column "n": expected an integer >= 0, got -1', value: -1 }], id: 1, n: -1 },
  ]);
}

function setUp(): string {
  const dir = workdir();
  fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify(SCHEMA));
  // Big enough (1.1 MB) that the run opens its report long before it has read its input.
  const lines: string[] = [];
  for (let i = 1; i <= 50_000; i++) lines.push(JSON.stringify({ id: i, n: i === 1 ? -1 : i }));
  fs.writeFileSync(path.join(dir, 'stdin.errors.ndjson'), lines.join('\n') + '\n');
  return dir;
}

describe('a report fed back on stdin', () => {
  it('redirected from the file (`< stdin.errors.ndjson`): every record is read, the file kept, the new report beside it', async () => {
    const dir = setUp();
    const before = fs.readFileSync(path.join(dir, 'stdin.errors.ndjson'), 'utf8');
    const result = await shell(dir, 'barge import - --schema s.json --mode row --no-progress < stdin.errors.ndjson');
    expect(result.exitCode).toBe(1);
    expectSummary(result.stderr, dir);
    expect(rows(path.join(dir, 'barge.db'), 'SELECT count(*) AS n FROM t')).toEqual([{ n: 49_999 }]);
    expect(fs.readFileSync(path.join(dir, 'stdin.errors.ndjson'), 'utf8')).toBe(before);
    expectReport(dir);
  });

  it('through a pipe (`cat stdin.errors.ndjson | barge import -`): the same', async () => {
    const dir = setUp();
    const before = fs.readFileSync(path.join(dir, 'stdin.errors.ndjson'), 'utf8');
    const result = await shell(dir, 'cat stdin.errors.ndjson | barge import - --schema s.json --mode row --no-progress');
    expect(result.exitCode).toBe(1);
    expectSummary(result.stderr, dir);
    expect(rows(path.join(dir, 'barge.db'), 'SELECT count(*) AS n FROM t')).toEqual([{ n: 49_999 }]);
    expect(fs.readFileSync(path.join(dir, 'stdin.errors.ndjson'), 'utf8')).toBe(before);
    expectReport(dir);
  });

  it('--errors naming the file stdin is redirected from is refused, as for a named input (exit 2, nothing written)', async () => {
    const dir = setUp();
    const result = await shell(dir, 'barge import - --schema s.json --errors stdin.errors.ndjson < stdin.errors.ndjson');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('barge: error: --errors stdin.errors.ndjson is also an input: the report would overwrite it while it is read; pass another --errors');
    expect(fs.existsSync(path.join(dir, 'barge.db'))).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'stdin.errors.ndjson'), 'utf8').split('\n')).toHaveLength(50_001);
  });
});

describe('stdin reports of a year of cron runs', () => {
  it('the next report is numbered after the highest (one read of the directory), not in a gap', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify(SCHEMA));
    // 3,000 earlier reports, one of them deleted (a gap at -17).
    for (let i = 1; i <= 3000; i++) {
      if (i !== 17) fs.writeFileSync(path.join(dir, i === 1 ? 'stdin.errors.ndjson' : `stdin.errors-${i}.ndjson`), '');
    }
    const result = await shell(dir, `printf '{"id":1,"n":-1}\\n' | barge import - --format ndjson --schema s.json --db x.db --mode row`);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`report: ${path.join(dir, 'stdin.errors-3001.ndjson')}`);
    expect(readNdjson(path.join(dir, 'stdin.errors-3001.ndjson')).map((entry) => entry.id)).toEqual([1]);
    expect(fs.existsSync(path.join(dir, 'stdin.errors-17.ndjson'))).toBe(false);
  });
});
