import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { barge, BIN, workdir } from '../helpers/cli.js';
import { hasScript, waitUntil } from '../helpers/waits.js';
import { waitsToWriteStdout } from '../helpers/process-waits.js';

/**
 * Export to stdout, found by the audit: a count of rows written that is the rows written, and an
 * --out that is stdout under another name (/dev/stdout, /dev/fd/1, the file stdout is) treated
 * as stdout: no --json summary mixed into the rows, no bar drawn into them on a terminal.
 */

/** s: ids 1..300,000; small: 900 values. Each row of SLOW counts over small: ~50,000 rows a second. */
const SLOW = 'SELECT a.id, (SELECT count(*) FROM small b WHERE b.v < a.id) AS c FROM s a';

function slowDb(dir: string): void {
  const db = new Database(path.join(dir, 'slow.db'));
  db.exec(`
    CREATE TABLE s (id INTEGER PRIMARY KEY);
    CREATE TABLE small (v INTEGER);
    WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000) INSERT INTO s SELECT x FROM c;
    WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 900) INSERT INTO small SELECT x * 300 FROM c;
  `);
  db.close();
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

const hasProc = fs.existsSync('/proc/self/status');


/** Data lines of a CSV export (the header left out); the text ends with a whole line. */
function dataLines(text: string): number {
  expect(text.endsWith('\n')).toBe(true);
  return text.split('\n').length - 2;
}

describe('export to stdout: the rows it says it wrote are the rows written', () => {
  let dir: string;
  beforeAll(() => {
    dir = workdir();
    slowDb(dir);
  });

  it.each([
    ['stdout redirected to a file', [], undefined],
    ['--out /dev/stdout', ['--out', '/dev/stdout'], '/dev/stdout'],
  ])('SIGINT once rows are out (%s): exit 130, and the count in the message is the lines written (it counted rows formatted, not yet written)', async (_, out, name) => {
    const file = path.join(dir, `interrupted-${(name ?? 'stdout').replace(/\W/g, '')}.csv`);
    const stdout = fs.openSync(file, 'w');
    const child = spawn('node', [BIN, 'export', '--db', 'slow.db', '--query', SLOW, ...out], {
      cwd: dir, stdio: ['ignore', stdout, 'pipe'], env: { ...process.env, BARGE_DB: '' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += String(chunk); });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Once a first chunk is written, more rows are being formatted into the next one.
    await waitUntil('the first rows written', () => sizeOf(file) > 0 || child.exitCode !== null);
    child.kill('SIGINT');
    expect(await exited, stderr).toBe(130);
    fs.closeSync(stdout);
    const said = /^barge: error: export interrupted after (\d+) rows(?: written to (\S+))?\n$/.exec(stderr);
    expect(said, stderr).not.toBeNull();
    expect(said![2]).toBe(name);
    const lines = dataLines(fs.readFileSync(file, 'utf8'));
    expect(lines).toBeGreaterThan(0);
    expect(Number(said![1])).toBe(lines);
  });

  it.skipIf(!hasProc)('SIGINT with stdout a pipe read slowly: the count is the lines the reader gets', async () => {
    const child = spawn('node', [BIN, 'export', '--db', 'slow.db', '--query', SLOW], {
      cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BARGE_DB: '' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += String(chunk); });
    const chunks: Buffer[] = [];
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Read until the first rows come (the export is writing), then no more for now.
    const firstRows = new Promise<void>((resolve) => child.stdout.once('data', () => { child.stdout.pause(); resolve(); }));
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    await firstRows;
    // Then the pipe fills: rows formatted wait for the reader when the signal comes.
    await waitUntil('the export to wait for its reader', () => waitsToWriteStdout(child.pid!) || child.exitCode !== null);
    child.kill('SIGINT');
    child.stdout.resume();
    expect(await exited, stderr).toBe(130);
    const said = /^barge: error: export interrupted after (\d+) rows\n$/.exec(stderr);
    expect(said, stderr).not.toBeNull();
    expect(Number(said![1])).toBe(dataLines(Buffer.concat(chunks).toString('utf8')));
  });

  it('a query failing midway: exit 3, and the message says how many rows stdout got (or that the file was not written)', async () => {
    // Row 50,000 overflows: 49,999 rows were read, fewer written (those of the chunk being formatted were not).
    const failing = 'SELECT id, CASE WHEN id = 50000 THEN abs(-9223372036854775807 - 1) ELSE id END AS v FROM s';
    const result = await barge(dir, ['export', '--db', 'slow.db', '--query', failing], { stripFinalNewline: false });
    expect(result.exitCode).toBe(3);
    const said = /^barge: error: the query failed: integer overflow; stopped after writing (\d+) rows to stdout\n$/.exec(result.stderr);
    expect(said, result.stderr).not.toBeNull();
    expect(Number(said![1])).toBe(dataLines(result.stdout));
    // Written in chunks of 256 K characters: the last whole chunk before the failure ends at row 45,542.
    expect(Number(said![1])).toBe(45_542);
    expect(result.stdout.split('\n').at(-2)).toBe('45542,45542');

    const toFile = await barge(dir, ['export', '--db', 'slow.db', '--query', failing, '--out', 'failed.csv']);
    expect(toFile).toMatchObject({ exitCode: 3, stdout: '', stderr: 'barge: error: the query failed: integer overflow; nothing was written to failed.csv' });
    expect(fs.existsSync(path.join(dir, 'failed.csv'))).toBe(false);
  });
});

describe('an --out that is stdout is stdout', () => {
  let dir: string;
  beforeAll(async () => {
    dir = workdir();
    fs.writeFileSync(path.join(dir, 't.csv'), 'id,n\n1,5\n2,7\n');
    expect((await barge(dir, ['import', 't.csv', '--quiet'])).exitCode).toBe(0);
  });

  it.each(['/dev/stdout', '/dev/fd/1', '/proc/self/fd/1'])('--out %s --json: refused as --out - is (the rows and the summary were mixed on stdout, exit 0)', async (out) => {
    const result = await barge(dir, ['export', '--table', 't', '--format', 'ndjson', '--out', out, '--json']);
    expect(result).toEqual({
      exitCode: 2, stdout: '',
      stderr: `barge: error: --json needs --out <file> other than stdout: --out ${out} is stdout, which carries the exported data`,
    });
  });

  it('--out naming the file stdout is redirected to, with --json: refused, the file left empty', async () => {
    const file = path.join(dir, 'o.ndjson');
    const stdout = fs.openSync(file, 'w');
    const child = spawn('node', [BIN, 'export', '--table', 't', '--out', 'o.ndjson', '--json'], { cwd: dir, stdio: ['ignore', stdout, 'pipe'], env: { ...process.env, BARGE_DB: '' } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += String(chunk); });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    fs.closeSync(stdout);
    expect(code).toBe(2);
    expect(stderr).toBe('barge: error: --json needs --out <file> other than stdout: --out o.ndjson is stdout, which carries the exported data\n');
    expect(fs.readFileSync(file, 'utf8')).toBe('');
  });

  it('--out /dev/null --json is still a file no one reads: the summary on stdout', async () => {
    const result = await barge(dir, ['export', '--table', 't', '--out', '/dev/null', '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ command: 'export', out: '/dev/null', rows: 2 });
  });


  it.skipIf(!hasScript).each(['/dev/stdout', '/dev/fd/1', '/dev/stderr'])('on a terminal, --out %s draws no bar into the rows (it drew one)', async (out) => {
    const command = `stty cols 100 rows 40 2>/dev/null; node '${BIN}' export --table t --out ${out}`;
    const result = await execa('script', ['-qfec', command, '/dev/null'], {
      cwd: dir, reject: false, stdin: 'pipe', stripFinalNewline: false,
      env: { ...process.env, BARGE_DB: '', BARGE_DEBUG: '', NO_COLOR: '', TERM: 'xterm-256color' },
    });
    expect(result.exitCode).toBe(0);
    const output = String(result.stdout).replace(/\r\n/g, '\n');
    expect(output).not.toContain('\x1b');
    expect(output).toMatch(new RegExp(`^id,n\\n1,5\\n2,7\\nbarge: exported 2 rows from "t" to ${out.replace(/\//g, '\\/')} \\(\\d+\\.\\d s, [\\d,]+ rows\\/s\\)\\n$`));
  });
});

describe('export into a pipe whose reader stops (| head -1)', () => {
  it('exit 0, and the summary says the reader closed stdout having read at most the rows counted', async () => {
    const dir = workdir();
    const db = new Database(path.join(dir, 'h.db'));
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    db.transaction(() => { for (let i = 0; i < 200_000; i++) insert.run(`value ${i}`); })();
    db.close();
    const run = await execa('bash', ['-c', `set -o pipefail; node ${JSON.stringify(BIN)} export --db h.db --table t --out - | head -1`], { cwd: dir, reject: false, env: { ...process.env, BARGE_DB: '' } });
    expect(run.exitCode, String(run.stderr)).toBe(0);
    expect(String(run.stdout)).toBe('id,v');
    expect(String(run.stderr)).toMatch(/^barge: exported [\d,]+ rows from "t" to stdout \(\d+\.\d s, [\d,]+ rows\/s\); stopped early: the reader closed stdout, having read at most those$/);
  });
});
