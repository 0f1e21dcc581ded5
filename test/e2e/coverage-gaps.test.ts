import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { barge, BIN, makeDb, rows, workdir, type RunResult } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { waitUntil } from '../helpers/waits.js';

// Paths a coverage run of the whole suite (child processes included) found no test reaching:
// each reaches one and pins what the user sees there (one line, exit code, nothing half-written).

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;
const hasSetpriv = (() => {
  try {
    execFileSync('setpriv', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const hasDevFull = fs.existsSync('/dev/full');

function dir(): string {
  return fs.realpathSync(tempDir('barge-covgaps-'));
}

function write(at: string, name: string, text: string | Buffer): string {
  const file = path.join(at, name);
  fs.writeFileSync(file, text);
  return file;
}

function expectError(result: RunResult, exitCode: number, message: string): void {
  expect(result.stderr).toBe(`barge: error: ${message}`);
  expect(result.exitCode).toBe(exitCode);
}

/** barge through bash, for redirections of its own stdout or stderr. */
async function bargeSh(cwd: string, script: string): Promise<RunResult> {
  const result = await execa('bash', ['-c', script], {
    cwd, reject: false, stdin: 'ignore', env: { ...process.env, BARGE: `node ${BIN}`, BARGE_DB: '', BARGE_DEBUG: '', NO_COLOR: '1' },
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

const INT_SCHEMA = JSON.stringify({ table: 'r', columns: { id: { type: 'integer' }, v: { type: 'integer' } } });

describe('command lines refused before anything is read', () => {
  it.each([
    [['import'], 'import needs at least one input file (or - for stdin); see barge import --help'],
    [['import', '-', '-'], 'stdin (-) can be read only once'],
    [['validate', '-', '-'], 'stdin (-) can be read only once'],
    [['import', 'fixtures/makers.csv', '--mode', 'batch', '--atomic'], 'conflicting modes: batch and atomic; pick one --mode'],
    [['import', 'fixtures/makers.csv', '--atomic', '--continue-on-error'], 'conflicting modes: atomic and row; pick one --mode'],
    [['export', '--db', 'x.db'], 'export needs --table <name> or --query "SELECT ..."; list the tables with: barge stats --db x.db'],
    [['export', '--table', 'a', '--query', 'select 1'], 'give either --table or --query, not both'],
    [['export', '--table', 'makers', '--columns', 'id,,name'], '--columns has an empty name: "id,,name"'],
    [['import', 'fixtures/makers.csv', '--no-header', '--columns', 'a,,b'], '--columns has an empty name: "a,,b"'],
    [['import', 'fixtures/makers.csv', '--columns', '__proto__,b'], '--columns cannot name a column "__proto__"'],
    [['import', 'fixtures/makers.csv', '--no-header', '--columns', 'a,a'], '--columns names "a" twice'],
    [['import', 'fixtures/makers.csv', '--no-header', '--columns', 'a,A'], '--columns names "a" and "A", one column to SQLite, which ignores case in names'],
    [['import', 'fixtures/makers.csv', '--delimiter', '\n'], '--delimiter cannot contain a line break'],
    [['help', 'stats', 'nope'], "unknown command 'stats nope': barge stats has no commands; see barge stats --help"],
    [['schema', 'infer'], 'schema infer needs an input file (or - for stdin); see barge schema infer --help'],
    [['jobs', 'a', 'b'], 'jobs takes one argument ([id]), got 2: "a", "b"; see barge jobs --help'],
  ])('barge %j: exit 2, one line, no database made', async (args, message) => {
    const cwd = workdir();
    expectError(await barge(cwd, args), 2, message);
    expect(fs.existsSync(path.join(cwd, 'barge.db'))).toBe(false);
    expect(fs.existsSync(path.join(cwd, 'x.db'))).toBe(false);
  });

  it('BARGE_WORKER with a typo is a usage error, for every command', async () => {
    const cwd = workdir();
    expectError(await barge(cwd, ['stats'], { env: { BARGE_WORKER: 'nevr' } }), 2, 'BARGE_WORKER must be always, never or auto, got "nevr"; unset it for the default (auto)');
  });
});

describe('source options', () => {
  it("--format jsonl reads stdin as NDJSON; --delimiter '\\t' as typed in a shell is a tab", async () => {
    const cwd = dir();
    const jsonl = await barge(cwd, ['import', '-', '--format', 'jsonl', '--table', 'j', '--quiet'], { input: '{"a":1}\n{"a":2}\n' });
    expect(jsonl.exitCode, jsonl.stderr).toBe(0);
    expect(rows(path.join(cwd, 'barge.db'), 'SELECT a FROM j ORDER BY a')).toEqual([{ a: 1 }, { a: 2 }]);
    write(cwd, 'tab.txt', 'a\tb\n1\tx y\n');
    const tab = await barge(cwd, ['import', 'tab.txt', '--format', 'csv', '--delimiter', '\\t', '--table', 'tabbed', '--quiet']);
    expect(tab.exitCode, tab.stderr).toBe(0);
    expect(rows(path.join(cwd, 'barge.db'), 'SELECT a, b FROM tabbed')).toEqual([{ a: 1, b: 'x y' }]);
  });

  it("an Excel sep= line naming a tab, or in a .tsv file: said with the --delimiter to give, exit 2", async () => {
    const cwd = dir();
    write(cwd, 'sep.csv', 'sep=\t\na\tb\n1\t2\n');
    expectError(await barge(cwd, ['import', 'sep.csv']), 2,
      "sep.csv:1: the file starts with Excel's \"sep=\\t\" line, which barge does not read: import the lines after it with --delimiter $'\\t', e.g. tail -n +2 sep.csv | barge import - --format csv --delimiter $'\\t' …");
    write(cwd, 'sep.tsv', 'sep=;\na;b\n1;2\n');
    expectError(await barge(cwd, ['import', 'sep.tsv']), 2,
      "sep.tsv:1: the file starts with Excel's \"sep=;\" line, which barge does not read: import the lines after it with --delimiter ';', e.g. tail -n +2 sep.tsv | barge import - --format tsv --delimiter ';' …");
    expect(fs.existsSync(path.join(cwd, 'barge.db'))).toBe(false);
  });

  it('an unterminated quote in the header names the header\'s field by its number', async () => {
    const cwd = dir();
    write(cwd, 'hq.csv', 'a,"b\n1,2\n');
    expectError(await barge(cwd, ['import', 'hq.csv']), 2, 'hq.csv:1, column 2 of the header: unterminated quoted field (CSV_QUOTE_NOT_CLOSED); check the quoting on that line');
    expect(fs.existsSync(path.join(cwd, 'barge.db'))).toBe(false);
  });

  it('--quote an emoji: a field that starts with another emoji of the same high surrogate is unquoted text', async () => {
    const cwd = dir();
    write(cwd, 'emo.csv', 'a,b\n😁x,😀y,z😀\n');
    const result = await barge(cwd, ['import', 'emo.csv', '--quote', '😀', '--table', 'emo', '--quiet']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(rows(path.join(cwd, 'barge.db'), 'SELECT a, b FROM emo')).toEqual([{ a: '😁x', b: 'y,z' }]);
  });

  it('UTF-16LE: a lone low surrogate, and a lone high one after a valid pair, are placed by line and column', async () => {
    const cwd = dir();
    const utf16 = (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    write(cwd, 'low.csv', utf16('a\nb\udc00y\n'));
    write(cwd, 'pair.csv', utf16('a\n\u{1F600}x\ud800y\n'));
    const low = await barge(cwd, ['import', 'low.csv', '--encoding', 'utf16le', '--table', 't', '--quiet']);
    expectError(low, 2, 'low.csv:2: invalid UTF-16LE (an unpaired surrogate) at column 2 (byte offset 8 in the input); check --encoding');
    const pair = await barge(cwd, ['import', 'pair.csv', '--encoding', 'utf16le', '--table', 't', '--quiet']);
    expectError(pair, 2, 'pair.csv:2: invalid UTF-16LE (an unpaired surrogate) at column 4 (byte offset 12 in the input); check --encoding');
    expect(fs.existsSync(path.join(cwd, 'barge.db'))).toBe(false);
  });

  it('damaged gzip data on stdin: no gzip -t advice (there is no file to name), exit 2, nothing written', async () => {
    const cwd = dir();
    const lines = ['id,v'];
    for (let i = 0; i < 20000; i++) lines.push(`${i},${(i * 7919) % 10007}`);
    const gz = Buffer.from(execFileSync('gzip', ['-c'], { input: lines.join('\n') + '\n' }));
    for (let i = 200; i < 260; i++) gz[i]! ^= 0x55;
    const file = write(cwd, 'bad.csv.gz', gz);
    const fromStdin = await barge(cwd, ['import', '-', '--table', 'g'], { inputFile: file });
    expect(fromStdin.exitCode).toBe(2);
    expect(fromStdin.stderr).toMatch(/^barge: error: stdin: not a valid gzip file \([^)]+\): the compressed data is damaged; get an intact copy$/);
    const named = await barge(cwd, ['import', 'bad.csv.gz', '--table', 'g']);
    expect(named.stderr).toMatch(/^barge: error: bad\.csv\.gz: not a valid gzip file \([^)]+\): the compressed data is damaged; get an intact copy \(gzip -t bad\.csv\.gz checks one\)$/);
    expect(fs.existsSync(path.join(cwd, 'barge.db'))).toBe(false);
  });

  it.skipIf(!isRoot || !hasSetpriv)('an input this user cannot read: exit 2 before anything is written, whichever input it is', async () => {
    const cwd = dir();
    fs.chmodSync(cwd, 0o777);
    write(cwd, 'ok.csv', 'id,v\n1,a\n');
    const secret = write(cwd, 'secret.csv', 'id,v\n2,b\n');
    fs.chmodSync(secret, 0o000);
    const result = await execa('setpriv', ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', 'node', BIN, 'import', 'ok.csv', 'secret.csv', '--mode', 'batch', '--table', 't'], {
      cwd, reject: false, stdin: 'ignore', env: { ...process.env, BARGE_DB: '', BARGE_DEBUG: '', NO_COLOR: '1' },
    });
    expect(String(result.stderr)).toBe('barge: error: cannot read input "secret.csv": permission denied');
    expect(result.exitCode).toBe(2);
    expect(fs.existsSync(path.join(cwd, 'barge.db'))).toBe(false);
  });
});

describe('JSON inputs: the syntax errors not met elsewhere', () => {
  it.each([
    ['single.ndjson', `{"a":1}\n{"a":'x'}\n`, 'single.ndjson:line 2: not valid JSON: expected a value, got "\'" at column 6; put text in double quotes, not single ones'],
    ['control.ndjson', '{"a":1}\n{"a":"x\u0001"}\n', 'control.ndjson:line 2: not valid JSON: unescaped U+0001 inside a string at column 8; write it as \\u0001'],
    ['backslash.ndjson', '{"a":1}\n{"a":"x\\', `backslash.ndjson:line 2: not valid JSON: expected '"' to close the string, got the end of the line at column 9`],
  ])('%s: the line is rejected with where and why (exit 1), the atomic job rolled back', async (name, text, message) => {
    const cwd = dir();
    write(cwd, name, text);
    const result = await barge(cwd, ['import', name, '--table', 't', '--json']);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(JSON.parse(result.stdout).firstErrors).toEqual([message]);
    expect(JSON.parse(result.stdout).counts).toEqual({ read: 2, inserted: 0, updated: 0, ignored: 0, rejected: 1 });
  });

  it.each([
    ['open.json', '[{"a":1}, 5', 'open.json:1: invalid JSON near record 2: unexpected end of input, the array is not closed (is the file truncated?)'],
    ['bool.json', 'true', 'bool.json: expected a JSON array of objects at the top level, got a boolean'],
    ['null.json', 'null\n', 'null.json: expected a JSON array of objects at the top level, got null'],
    ['ctl.json', '[{"a":1},{"a":"x\u0001"}]', 'ctl.json:1: invalid JSON near record 2: unescaped U+0001 inside a string at column 17; write it as \\u0001'],
  ])('%s: malformed JSON input stops with one line, exit 2, nothing written', async (name, text, message) => {
    const cwd = dir();
    write(cwd, name, text);
    expectError(await barge(cwd, ['import', name, '--table', 't']), 2, message);
    expect(fs.existsSync(path.join(cwd, 'barge.db'))).toBe(false);
  });

  it('an NDJSON input whose last line ends in a lone CR loads that line', async () => {
    const cwd = dir();
    write(cwd, 'cr.ndjson', '{"a":1}\n{"a":2}\r');
    const result = await barge(cwd, ['import', 'cr.ndjson', '--table', 'cr', '--quiet']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(rows(path.join(cwd, 'barge.db'), 'SELECT a FROM cr ORDER BY a')).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('pretty-printed JSON objects on stdin read as NDJSON: the hint names no file', async () => {
    const cwd = dir();
    const result = await barge(cwd, ['import', '-', '--format', 'ndjson', '--table', 't'], { input: '{\n "a": 1\n}\n' });
    expectError(result, 2, 'cannot infer a schema for "t": none of the 3 records read to infer it could be read, the first: stdin:line 1: not valid JSON: expected a property name in double quotes, got the end of the line at column 2; the input looks like JSON objects written over many lines: put one per line first, e.g. jq -c . | barge import - --format ndjson …; fix the input');
  });

  it('a record longer than 16 MiB, in a JSON array or an NDJSON line: exit 2, the earlier records not committed', async () => {
    const cwd = dir();
    const big = 'x'.repeat(17 * 1024 * 1024);
    write(cwd, 'big.json', `[{"a":1},\n{"a":"${big}"}]`);
    write(cwd, 'big.ndjson', `{"a":1}\n{"a":"${big}"}\n`);
    expectError(await barge(cwd, ['import', 'big.json', '--table', 'b', '--mode', 'row']), 2, 'big.json:2: invalid JSON near record 2: record 2 is longer than 16777216 characters (an unclosed bracket or quote?)');
    expectError(await barge(cwd, ['import', 'big.ndjson', '--table', 'b', '--mode', 'row']), 2, 'big.ndjson:2: a line longer than 16777216 characters; is this really NDJSON (one object per line)?');
    expect(fs.existsSync(path.join(cwd, 'barge.db'))).toBe(false);
  });
});

describe('--errors paths refused up front', () => {
  it('a path under a file, or a directory: exit 2, nothing written', async () => {
    const cwd = dir();
    write(cwd, 'r.csv', 'id,v\n1,a\n');
    write(cwd, 's.json', INT_SCHEMA);
    write(cwd, 'notdir', '');
    fs.mkdirSync(path.join(cwd, 'd.ndjson'));
    expectError(await barge(cwd, ['import', 'r.csv', '--schema', 's.json', '--mode', 'row', '--errors', 'notdir/r.ndjson']), 2, '--errors notdir/r.ndjson: notdir is not a directory; pass another --errors');
    expectError(await barge(cwd, ['import', 'r.csv', '--schema', 's.json', '--mode', 'row', '--errors', 'd.ndjson']), 2, '--errors d.ndjson is a directory; give a file path');
    expect(fs.existsSync(path.join(cwd, 'barge.db'))).toBe(false);
  });

  it('a resumed job whose report directory became a file, or whose report became a directory: exit 2, how to go on', async () => {
    const cwd = dir();
    write(cwd, 's.json', INT_SCHEMA);
    const lines = ['id,v'];
    for (let i = 1; i <= 3000; i++) lines.push(`${i},${i === 5 ? 'x' : i}`);
    write(cwd, 'in.csv', lines.join('\n') + '\n');
    fs.mkdirSync(path.join(cwd, 'rep'));
    const first = await barge(cwd, ['import', 'in.csv', '--schema', 's.json', '--mode', 'row', '--max-errors', '1', '--errors', 'rep/r.ndjson', '--job-id', 'J1', '--quiet']);
    expect(first.exitCode, first.stderr).toBe(1);
    fs.rmSync(path.join(cwd, 'rep'), { recursive: true });
    write(cwd, 'rep', '');
    expectError(await barge(cwd, ['import', '--resume', 'J1']), 2, `the error report ${cwd}/rep/r.ndjson of job "J1": ${cwd}/rep is not a directory; make it one, then resume the job: barge import --resume J1`);
    fs.rmSync(path.join(cwd, 'rep'));
    fs.mkdirSync(path.join(cwd, 'rep/r.ndjson'), { recursive: true });
    expectError(await barge(cwd, ['import', '--resume', 'J1']), 2, `the error report ${cwd}/rep/r.ndjson of job "J1" is a directory; move it away, then resume the job: barge import --resume J1`);
    expect(rows(path.join(cwd, 'barge.db'), 'SELECT COUNT(*) AS n FROM r')).toEqual([{ n: 4 }]);
  });
});

describe('--resume refusals', () => {
  it('an atomic job, and a job id the database does not have (default database: no --db in the advice)', async () => {
    const cwd = dir();
    write(cwd, 's.json', INT_SCHEMA);
    write(cwd, 'in.csv', 'id,v\n1,2\n2,x\n');
    expect((await barge(cwd, ['import', 'in.csv', '--schema', 's.json', '--job-id', 'A1', '--quiet'])).exitCode).toBe(1);
    expectError(await barge(cwd, ['import', '--resume', 'A1']), 2, 'job "A1" ran in atomic mode, which leaves nothing to resume; run the import again');
    expectError(await barge(cwd, ['import', '--resume', 'nope']), 2, 'no job "nope" in barge.db; list jobs with: barge jobs');
    expect(rows(path.join(cwd, 'barge.db'), "SELECT status FROM _barge_jobs WHERE id = 'A1'")).toEqual([{ status: 'failed' }]);
  });

  it('an input that is gone, and a report another run overwrote: what stays and how to go on', async () => {
    const cwd = dir();
    write(cwd, 's.json', INT_SCHEMA);
    const lines = ['id,v'];
    for (let i = 1; i <= 30; i++) lines.push(`${i},${i === 5 ? 'x' : i}`);
    write(cwd, 'in.csv', lines.join('\n') + '\n');
    expect((await barge(cwd, ['import', 'in.csv', '--schema', 's.json', '--mode', 'row', '--max-errors', '1', '--job-id', 'R1', '--quiet'])).exitCode).toBe(1);
    fs.renameSync(path.join(cwd, 'in.csv'), path.join(cwd, 'in.bak'));
    // The input by the name it was given, or (before barge kept that) by its absolute path.
    const gone = await barge(cwd, ['import', '--resume', 'R1']);
    expect(gone.exitCode).toBe(2);
    expect(gone.stderr.replace(`"${cwd}/in.csv"`, '"in.csv"')).toBe(
      'barge: error: cannot resume job "R1": input "in.csv" is gone; put it back at that path as it was and resume it, or: its 1 committed batch (4 records loaded) stay in "r": "r" has no key to skip the records already loaded by, so loading the input again would add them twice: reload the table whole with --truncate under a new --job-id (if it holds only this input)');
    fs.renameSync(path.join(cwd, 'in.bak'), path.join(cwd, 'in.csv'));
    write(cwd, 'in.errors.ndjson', '{"x":1}\n');
    expectError(await barge(cwd, ['import', '--resume', 'R1']), 2,
      `cannot resume job "R1": its error report "${cwd}/in.errors.ndjson" no longer holds its entries: another run wrote it since the job stopped (a validate or an import of the same input writes the same default report); move that file away and resume it (the report then starts anew, without the entries of the records the job rejected before it stopped)`);
    expect(rows(path.join(cwd, 'barge.db'), 'SELECT COUNT(*) AS n FROM r')).toEqual([{ n: 4 }]);
  });

  it.skipIf(!fs.existsSync('/proc/self/status'))('a job that read a named pipe, interrupted before its first batch: cannot be resumed, and nothing of it was committed', async () => {
    const cwd = dir();
    write(cwd, 's.json', INT_SCHEMA);
    execFileSync('mkfifo', [path.join(cwd, 'p.csv')]);
    const child = spawn('node', [BIN, 'import', 'p.csv', '--schema', 's.json', '--mode', 'row', '--job-id', 'P1'], {
      cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BARGE_DB: '', BARGE_DEBUG: '', NO_COLOR: '1' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => { stderr += String(chunk); });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const writer = fs.openSync(path.join(cwd, 'p.csv'), 'w');
    fs.writeSync(writer, 'id,v\n1,2\n');
    const db = path.join(cwd, 'barge.db');
    await waitUntil('the job is claimed', () => {
      try {
        return fs.existsSync(db) && rows(db, "SELECT 1 FROM _barge_jobs WHERE id = 'P1' AND status = 'running'").length === 1;
      } catch {
        return false;
      }
    });
    // The signal and the end of the pipe at once (a read blocked on an idle pipe is not given up
    // on a signal: see the report of this audit); the signal wins.
    child.kill('SIGSTOP');
    await waitUntil('barge to stop', () => /^State:\s*T/m.test(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8')));
    child.kill('SIGINT');
    fs.closeSync(writer);
    child.kill('SIGCONT');
    expect(await exited).toBe(130);
    // Nothing was committed: not "…, which stay; a job that read a pipe cannot be resumed".
    expect(stderr.split('\n')[0]).toBe('barge: import of p.csv into "r": interrupted before its first batch was committed; nothing was written');
    expect(rows(db, "SELECT status, batches_committed AS batches FROM _barge_jobs WHERE id = 'P1'")).toEqual([{ status: 'interrupted', batches: 0 }]);
    // The table it made and loaded nothing into is gone again.
    expect(rows(db, "SELECT COUNT(*) AS n FROM sqlite_schema WHERE name = 'r'")).toEqual([{ n: 0 }]);
    const resumed = await barge(cwd, ['import', '--resume', 'P1']);
    expect(resumed.exitCode).toBe(2);
    expect(resumed.stderr.replace(`"${cwd}/p.csv"`, '"p.csv"')).toBe('barge: error: job "P1" read "p.csv" as a stream (a pipe), which cannot be read again, so it cannot be resumed; nothing of it was committed: run the import again under a new --job-id');
  });
});

describe('foreign keys of existing tables', () => {
  it('a key that names only its parent table (REFERENCES makers): a bad row is named with makers.id, the others load (row)', async () => {
    const cwd = dir();
    const db = makeDb(cwd, 'fk.db', "CREATE TABLE makers(id TEXT PRIMARY KEY); INSERT INTO makers VALUES ('M1'); CREATE TABLE items(id INTEGER PRIMARY KEY, maker_id TEXT REFERENCES makers);");
    write(cwd, 'items.csv', 'id,maker_id\n1,M1\n2,M9\n3,M1\n');
    const result = await barge(cwd, ['import', 'items.csv', '--table', 'items', '--db', 'fk.db', '--mode', 'row', '--json']);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(JSON.parse(result.stdout).firstErrors).toEqual(['items.csv:line 3, column "maker_id": no row in makers.id has the value "M9" (foreign key)']);
    expect(rows(db, 'SELECT id FROM items ORDER BY id')).toEqual([{ id: 1 }, { id: 3 }]);
  });

  it('REAL and untyped key columns compare as SQLite stores them', async () => {
    const cwd = dir();
    const db = makeDb(cwd, 'fr.db', "CREATE TABLE p(id REAL PRIMARY KEY); INSERT INTO p VALUES (1.5), (6.0); CREATE TABLE c(n INTEGER PRIMARY KEY, pid REAL REFERENCES p(id)); CREATE TABLE p2(id PRIMARY KEY); INSERT INTO p2 VALUES ('x'), (7); CREATE TABLE c2(n INTEGER PRIMARY KEY, pid REFERENCES p2(id));");
    write(cwd, 'c.csv', 'n,pid\n1,1.5\n2,6\n3,2.5\n');
    const real = await barge(cwd, ['import', 'c.csv', '--table', 'c', '--db', 'fr.db', '--mode', 'row', '--json']);
    expect(real.exitCode, real.stderr).toBe(1);
    expect(JSON.parse(real.stdout).firstErrors).toEqual(['c.csv:line 4, column "pid": no row in p.id has the value 2.5 (foreign key)']);
    expect(rows(db, 'SELECT n, pid FROM c ORDER BY n')).toEqual([{ n: 1, pid: 1.5 }, { n: 2, pid: 6 }]);
    // Untyped: the CSV's text "7" is not the parent's integer 7, to SQLite as to barge.
    write(cwd, 'c2.csv', 'n,pid\n1,x\n2,7\n');
    const untyped = await barge(cwd, ['import', 'c2.csv', '--table', 'c2', '--db', 'fr.db', '--mode', 'row', '--json']);
    expect(JSON.parse(untyped.stdout).firstErrors).toEqual(['c2.csv:line 3, column "pid": no row in p2.id has the value "7" (foreign key)']);
    expect(rows(db, 'SELECT n, pid FROM c2')).toEqual([{ n: 1, pid: 'x' }]);
  });

  it('--truncate of a referenced table with keys of its own, or referenced ON DELETE RESTRICT: refused, the rows as they were', async () => {
    const cwd = dir();
    const db = makeDb(cwd, 'tr.db', [
      'CREATE TABLE cats(id INTEGER PRIMARY KEY); INSERT INTO cats VALUES (1);',
      'CREATE TABLE products(id INTEGER PRIMARY KEY, cat INTEGER REFERENCES cats(id)); INSERT INTO products VALUES (10, 1);',
      'CREATE TABLE orders(n INTEGER PRIMARY KEY, pid INTEGER REFERENCES products(id)); INSERT INTO orders VALUES (1, 10);',
      'CREATE TABLE r1(id INTEGER PRIMARY KEY); INSERT INTO r1 VALUES (5);',
      'CREATE TABLE r1c(n INTEGER PRIMARY KEY, rid INTEGER REFERENCES r1(id) ON DELETE RESTRICT); INSERT INTO r1c VALUES (1, 5);',
    ].join(' '));
    write(cwd, 'p.csv', 'id,cat\n11,1\n');
    write(cwd, 'r1.csv', 'id\n6\n');
    expectError(await barge(cwd, ['import', 'p.csv', '--table', 'products', '--db', 'tr.db', '--truncate']), 2,
      '--truncate cannot empty "products": rows of "orders" (pid → id) reference it, and it has foreign keys of its own; delete those rows first, or load with --on-conflict update instead of --truncate');
    expectError(await barge(cwd, ['import', 'r1.csv', '--table', 'r1', '--db', 'tr.db', '--truncate']), 2,
      '--truncate cannot empty "r1": rows of "r1c" (rid → id) ON DELETE RESTRICT reference it, and emptying it would be refused; load with --on-conflict update instead of --truncate, or empty those tables first');
    expect(rows(db, 'SELECT id FROM products')).toEqual([{ id: 10 }]);
    expect(rows(db, 'SELECT id FROM r1')).toEqual([{ id: 5 }]);
  });

  it('--on-conflict replace of a table referenced ON DELETE SET NULL (and CASCADE): refused, with what it would do', async () => {
    const cwd = dir();
    const db = makeDb(cwd, 'rp.db', [
      'CREATE TABLE s1(id INTEGER PRIMARY KEY); INSERT INTO s1 VALUES (5);',
      'CREATE TABLE s1c(n INTEGER PRIMARY KEY, sid INTEGER REFERENCES s1(id) ON DELETE SET NULL); INSERT INTO s1c VALUES (1, 5);',
      'CREATE TABLE s1d(n INTEGER PRIMARY KEY, sid INTEGER REFERENCES s1(id) ON DELETE CASCADE); INSERT INTO s1d VALUES (1, 5);',
      'CREATE TABLE s2(id INTEGER PRIMARY KEY); INSERT INTO s2 VALUES (5);',
      'CREATE TABLE s2c(n INTEGER PRIMARY KEY, sid INTEGER REFERENCES s2(id) ON DELETE SET NULL); INSERT INTO s2c VALUES (1, 5);',
    ].join(' '));
    write(cwd, 'k.csv', 'id\n5\n');
    expectError(await barge(cwd, ['import', 'k.csv', '--table', 's1', '--db', 'rp.db', '--on-conflict', 'replace']), 2,
      '--on-conflict replace cannot load "s1": rows of "s1c" (sid → id) ON DELETE SET NULL, "s1d" (sid → id) ON DELETE CASCADE reference it, and replacing a row deletes it first, which would delete or change those rows; load with --on-conflict update instead');
    expectError(await barge(cwd, ['import', 'k.csv', '--table', 's2', '--db', 'rp.db', '--on-conflict', 'replace']), 2,
      '--on-conflict replace cannot load "s2": rows of "s2c" (sid → id) ON DELETE SET NULL reference it, and replacing a row deletes it first, which would change those rows; load with --on-conflict update instead');
    expect(rows(db, 'SELECT sid FROM s1c UNION ALL SELECT sid FROM s1d UNION ALL SELECT sid FROM s2c')).toEqual([{ sid: 5 }, { sid: 5 }, { sid: 5 }]);
  });

  it('a --schema type an untyped column of an existing table would not keep: refused, nothing loaded', async () => {
    const cwd = dir();
    const db = makeDb(cwd, 'ty.db', 'CREATE TABLE z(zip, n REAL)');
    write(cwd, 'z.csv', 'zip,n\n1,2\n');
    write(cwd, 'z.json', JSON.stringify({ table: 'z', columns: { zip: { type: 'integer' }, n: { type: 'number' } } }));
    expectError(await barge(cwd, ['import', 'z.csv', '--schema', 'z.json', '--db', 'ty.db']), 2,
      'column "zip" of table "z" is declared without a type, but the schema makes it "integer": SQLite would store its integers as REAL (5 as 5.0); import into a new table (or one whose column is INTEGER)');
    expect(rows(db, 'SELECT COUNT(*) AS n FROM z')).toEqual([{ n: 0 }]);
  });
});

describe('a damaged schema kept in _barge_schemas', () => {
  it('stats shows the declared types; import, validate and export say which row to delete (exit 2)', async () => {
    const cwd = workdir();
    const load = await barge(cwd, ['import', 'fixtures/makers.csv', '--schema', 'fixtures/makers.schema.json', '--quiet']);
    expect(load.exitCode, load.stderr).toBe(0);
    const db = new Database(path.join(cwd, 'barge.db'));
    db.prepare("UPDATE _barge_schemas SET schema_json = '{oops'").run();
    db.close();
    const stats = await barge(cwd, ['stats']);
    expect(stats.exitCode, stats.stderr).toBe(0);
    expect(stats.stdout).toContain('makers     5');
    expect(stats.stdout).toMatch(/ id TEXT, name TEXT, country TEXT, founded INTEGER\n/);
    const message = 'schema kept in _barge_schemas for table "makers": not valid JSON (delete that row to use the table\'s columns)';
    expectError(await barge(cwd, ['import', 'fixtures/makers.csv', '--table', 'makers', '--on-conflict', 'ignore']), 2, message);
    expectError(await barge(cwd, ['validate', 'fixtures/makers.csv', '--table', 'makers']), 2, message);
    expectError(await barge(cwd, ['export', '--table', 'makers', '--out', 'm.csv']), 2, message);
    expect(fs.existsSync(path.join(cwd, 'm.csv'))).toBe(false);
    expect(rows(path.join(cwd, 'barge.db'), 'SELECT COUNT(*) AS n FROM makers')).toEqual([{ n: 5 }]);
  });
});

describe('--db that names no database file', () => {
  it.each([
    [['stats', '--db', 'new.db/'], 'database "new.db/" ends in "/", as a directory\'s name does; pass a file path with --db'],
    [['import', 'r.csv', '--table', 'x', '--db', 'new.db/'], 'database "new.db/" ends in "/", as a directory\'s name does; pass a file path with --db'],
    [['import', 'r.csv', '--table', 'x', '--db', '/dev/null'], 'database "/dev/null" is a device, not a file; pass a file path with --db'],
    [['import', 'r.csv', '--table', 'x', '--db', 'fifo'], 'database "fifo" is a named pipe, not a file; pass a file path with --db'],
    [['import', 'r.csv', '--table', 'x', '--db', 'notdir/x.db'], 'database "notdir/x.db": "notdir" is not a directory; pass another --db'],
  ])('barge %j: exit 2, nothing made', async (args, message) => {
    const cwd = dir();
    write(cwd, 'r.csv', 'id\n1\n');
    write(cwd, 'notdir', '');
    execFileSync('mkfifo', [path.join(cwd, 'fifo')]);
    expectError(await barge(cwd, args), 2, message);
    expect(fs.readdirSync(cwd).sort()).toEqual(['fifo', 'notdir', 'r.csv']);
  });
});

describe('export details', () => {
  it('a single column with an empty name: the CSV header is "" (a blank line would be skipped on import)', async () => {
    const cwd = dir();
    makeDb(cwd, 'barge.db', 'CREATE TABLE t(a)');
    const result = await barge(cwd, ['export', '--query', 'SELECT 1 AS ""', '--out', '-']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe('""\n1');
  });

  it('--progress on a query that cannot be counted (a PRAGMA): exported all the same', async () => {
    const cwd = dir();
    makeDb(cwd, 'barge.db', 'CREATE TABLE t(id INTEGER, v TEXT)');
    const result = await barge(cwd, ['export', '--query', 'PRAGMA table_info(t)', '--progress', '--out', 'p.csv']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(fs.readFileSync(path.join(cwd, 'p.csv'), 'utf8')).toBe('cid,name,type,notnull,dflt_value,pk\n0,id,INTEGER,0,,0\n1,v,TEXT,0,,0\n');
  });

  it('--out the very file stderr appends to: written through that descriptor, the file\'s earlier lines kept', async () => {
    const cwd = dir();
    makeDb(cwd, 'barge.db', "CREATE TABLE t(id INTEGER, v TEXT); INSERT INTO t VALUES (1, 'a'), (2, 'b');");
    write(cwd, 'e.log', 'before\n');
    const result = await bargeSh(cwd, '$BARGE export --table t --out e.log 2>>e.log');
    expect(result.exitCode).toBe(0);
    expect(fs.readFileSync(path.join(cwd, 'e.log'), 'utf8')).toMatch(/^before\nid,v\n1,a\n2,b\nbarge: exported 2 rows from "t" to e\.log \(\d+\.\d s, [\d,]+ rows\/s\)\n$/);
  });

  it.skipIf(!hasDevFull)('--out /dev/stdout when stdout is full: exit 3, named as given', async () => {
    const cwd = dir();
    makeDb(cwd, 'barge.db', "CREATE TABLE t(id INTEGER); INSERT INTO t VALUES (1);");
    const result = await bargeSh(cwd, '$BARGE export --table t --out /dev/stdout > /dev/full');
    expectError(result, 3, 'cannot write to /dev/stdout: no space left on device (ENOSPC)');
  });
});

describe('stats and jobs output', () => {
  it('one table (singular), a column without a declared type; an empty database says how to load one', async () => {
    const cwd = dir();
    makeDb(cwd, 's1.db', 'CREATE TABLE t(a, b INTEGER)');
    makeDb(cwd, 's0.db', 'PRAGMA user_version = 1');
    const one = await barge(cwd, ['stats', '--db', 's1.db']);
    expect(one.exitCode, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/^s1\.db: 1 table, [\d.]+ KiB\n\ntable  rows +size  columns\nt +0 +[\d.]+ KiB  a \(no type\), b INTEGER\n\njobs: none yet$/);
    const none = await barge(cwd, ['stats', '--db', 's0.db']);
    expect(none.stdout).toMatch(/^s0\.db: 0 tables, [\d.]+ KiB\n\nno tables yet; load one with: barge import <file> --db s0\.db\n\njobs: none yet$/);
    const scoped = await barge(cwd, ['stats', '--db', 's1.db', '--table', 't']);
    expect(scoped.stdout).toMatch(/\n\njobs into "t": none yet$/);
  });

  it('jobs <id> of a job that read stdin: its size unknown, no checksum', async () => {
    const cwd = dir();
    const load = await barge(cwd, ['import', '-', '--table', 'st', '--job-id', 'S1', '--quiet'], { input: 'id,n\n1,2\n' });
    expect(load.exitCode, load.stderr).toBe(0);
    const job = await barge(cwd, ['jobs', 'S1']);
    expect(job.exitCode, job.stderr).toBe(0);
    expect(job.stdout).toMatch(/^input 1: +- \(csv, size unknown, sha256 -\)$/m);
  });
});

describe('--job-id reruns', () => {
  it('stdin then a file, a file then stdin: another import, refused; stdin again: nothing to do', async () => {
    const cwd = dir();
    write(cwd, 'a.csv', 'id,v\n1,a\n');
    expect((await barge(cwd, ['import', '-', '--table', 't', '--job-id', 'S', '--quiet'], { input: 'id,v\n1,a\n' })).exitCode).toBe(0);
    const again = await barge(cwd, ['import', '-', '--table', 't', '--job-id', 'S'], { input: 'id,v\n1,a\n' });
    expect(again).toEqual({ exitCode: 0, stdout: '', stderr: 'barge: job S already succeeded; nothing to do' });
    expectError(await barge(cwd, ['import', 'a.csv', '--table', 't', '--job-id', 'S']), 2,
      'job "S" already loaded stdin into "t" (succeeded); this import names "a.csv": a job id names one import, and running it again does nothing; give this import another --job-id');
    expect((await barge(cwd, ['import', 'a.csv', '--table', 't', '--job-id', 'A', '--quiet'])).exitCode).toBe(0);
    expectError(await barge(cwd, ['import', '-', '--table', 't', '--job-id', 'A'], { input: 'id,v\n2,b\n' }), 2,
      'job "A" already loaded "a.csv" into "t" (succeeded); this import names stdin: a job id names one import, and running it again does nothing; give this import another --job-id');
    expect(rows(path.join(cwd, 'barge.db'), 'SELECT COUNT(*) AS n FROM t')).toEqual([{ n: 2 }]);
  });

  it('a finished job whose input is gone: nothing to do, exit 0 (a cron retry)', async () => {
    const cwd = dir();
    write(cwd, 'a.csv', 'id,v\n1,a\n');
    expect((await barge(cwd, ['import', 'a.csv', '--table', 't', '--job-id', 'G', '--quiet'])).exitCode).toBe(0);
    fs.rmSync(path.join(cwd, 'a.csv'));
    expect(await barge(cwd, ['import', 'a.csv', '--table', 't', '--job-id', 'G'])).toEqual({ exitCode: 0, stdout: '', stderr: 'barge: job G already succeeded; nothing to do' });
  });

  it('a partial job given a grown input: warned that nothing of it was loaded, exit 1 as the job', async () => {
    const cwd = dir();
    write(cwd, 's.json', INT_SCHEMA);
    write(cwd, 'p.csv', 'id,v\n1,2\n2,x\n');
    expect((await barge(cwd, ['import', 'p.csv', '--schema', 's.json', '--mode', 'row', '--job-id', 'P', '--quiet'])).exitCode).toBe(1);
    fs.appendFileSync(path.join(cwd, 'p.csv'), '3,4\n');
    const again = await barge(cwd, ['import', 'p.csv', '--schema', 's.json', '--mode', 'row', '--job-id', 'P']);
    expect(again.exitCode).toBe(1);
    expect(again.stderr.split('\n')[0]).toBe('barge: input "p.csv" is not the file the job loaded (17 bytes now, 13 then): job "P" already finished, so nothing of it was loaded; to load it, use a new --job-id (the rows it loaded stay: with --on-conflict ignore into a table with a key, or --truncate, they are not loaded twice)');
    expect(rows(path.join(cwd, 'barge.db'), 'SELECT id FROM r')).toEqual([{ id: 1 }]);
  });
});

describe('schema files: problems not met elsewhere', () => {
  it.each([
    [{ table: 't', columns: { id: { type: 'string', bogus: 1, nope: 2 } } }, 'columns.id: unknown keys "bogus", "nope"; the keys allowed here are type, required, default, min, max, minLength, maxLength, pattern, enum, unique, references'],
    [{ table: 't', columns: { id: { type: 'string' } }, primaryKey: [] }, 'primaryKey: must not be empty'],
    [{ table: 't', columns: { id: { type: 'string', maxLength: 1e20 } } }, 'columns.id.maxLength: expected a number <= 9007199254740991, got 100000000000000000000'],
    [{ table: 't', columns: { id: { type: 'string' } }, primaryKey: ['id', 5] }, 'primaryKey[1]: expected a string, got 5'],
    [{ table: 't', columns: { id: { type: 'json', enum: [1] } } }, 'columns.id.enum: is not supported for json columns'],
    [{ table: 't', columns: { id: { type: 'string', references: 'sqlite_x.id' } } }, 'columns.id.references: table name "sqlite_x" starts with "sqlite_", which SQLite reserves; choose another name'],
    [{ table: 't', columns: { id: { type: 'string', references: 'p._barge_x' } } }, 'columns.id.references: column name "_barge_x" starts with "_barge", which barge reserves for its own tables and report fields; choose another name'],
  ])('%j: exit 2 naming the key', async (schema, problem) => {
    const cwd = dir();
    write(cwd, 'in.csv', 'id\n1\n');
    write(cwd, 's.json', JSON.stringify(schema));
    expectError(await barge(cwd, ['import', 'in.csv', '--schema', 's.json']), 2, `schema s.json: ${problem}`);
    expect(fs.existsSync(path.join(cwd, 'barge.db'))).toBe(false);
  });

  it('a UTF-16 big-endian file, or a directory, as --schema', async () => {
    const cwd = dir();
    write(cwd, 'in.csv', 'id\n1\n');
    write(cwd, 'be.json', Buffer.from([0xfe, 0xff, 0x00, 0x7b]));
    fs.mkdirSync(path.join(cwd, 'sd.json'));
    expectError(await barge(cwd, ['import', 'in.csv', '--schema', 'be.json']), 2, 'schema be.json: is UTF-16 (it starts with a byte order mark); save it as UTF-8');
    expectError(await barge(cwd, ['import', 'in.csv', '--schema', 'sd.json']), 2, 'schema sd.json: is a directory, not a file');
  });
});

describe('validate of one file in two threads gives what one thread gives', () => {
  /** What validate says of `file`, its report's entries without the run's own id. */
  async function validated(cwd: string, file: string, worker: 'always' | 'never'): Promise<unknown> {
    const report = path.join(cwd, `${worker}.ndjson`);
    const result = await barge(cwd, ['validate', file, '--schema', 's.json', '--json', '--errors', report], { env: { BARGE_WORKER: worker } });
    const entries = fs.existsSync(report) ? fs.readFileSync(report, 'utf8').split('\n').filter(Boolean).map((line) => ({ ...JSON.parse(line), _barge_job: undefined })) : [];
    fs.rmSync(report, { force: true });
    return { exitCode: result.exitCode, counts: JSON.parse(result.stdout).counts, entries };
  }

  it.each([
    ['CRLF lines, a quoted line break in the middle', (i: number) => `${i},${i % 7 === 0 ? '"a\nb"' : `n${i}`},${i % 11 === 0 ? 'bad' : i}\r\n`, 'id,name,qty\r\n'],
    ['a quote on the first line (no split)', (i: number) => `${i},n${i},${i % 13 === 0 ? 'bad' : i}\n`, '"id",name,qty\n'],
    ['a lone CR ending the first line (no split)', (i: number) => `${i},n${i},${i % 13 === 0 ? 'bad' : i}\r`, 'id,name,qty\r'],
  ])('%s', async (_, line, header) => {
    const cwd = dir();
    write(cwd, 's.json', JSON.stringify({ table: 't', columns: { id: { type: 'integer' }, name: { type: 'string' }, qty: { type: 'integer' } } }));
    let text = header;
    for (let i = 1; i <= 400; i++) text += line(i);
    write(cwd, 'in.csv', text);
    const one = await validated(cwd, 'in.csv', 'never');
    expect(one).toMatchObject({ exitCode: 1 });
    expect((one as { counts: { rejected: number } }).counts.rejected).toBeGreaterThan(0);
    expect(await validated(cwd, 'in.csv', 'always')).toEqual(one);
  });

  it('gzip data under a name without .gz (no split)', async () => {
    const cwd = dir();
    write(cwd, 's.json', JSON.stringify({ table: 't', columns: { id: { type: 'integer' }, qty: { type: 'integer' } } }));
    const lines = ['id,qty'];
    for (let i = 1; i <= 300; i++) lines.push(`${i},${i % 17 === 0 ? 'bad' : i}`);
    write(cwd, 'in.csv', execFileSync('gzip', ['-c'], { input: lines.join('\n') + '\n' }));
    const one = await validated(cwd, 'in.csv', 'never');
    expect(one).toMatchObject({ exitCode: 1, counts: { read: 300, valid: 283, rejected: 17 } });
    expect(await validated(cwd, 'in.csv', 'always')).toEqual(one);
  });
});

describe('stdin: a stop before its end, and names that differ only in case', () => {
  it('--max-errors on stdin (row): what was loaded stays, and the rest of stdin was not read (no resume offered)', async () => {
    const cwd = dir();
    write(cwd, 's.json', INT_SCHEMA);
    const result = await barge(cwd, ['import', '-', '--schema', 's.json', '--mode', 'row', '--max-errors', '1'], { input: 'id,v\n1,2\n2,x\n3,4\n' });
    expect(result.exitCode).toBe(1);
    expect(result.stderr.split('\n')[0]).toBe('barge: import of stdin into "r": stopped after 1 rejected record (--max-errors), 1 loaded; the rest of stdin was not read');
    expect(result.stderr).not.toContain('--resume');
    expect(rows(path.join(cwd, 'barge.db'), 'SELECT id, v FROM r')).toEqual([{ id: 1, v: 2 }]);
  });

  it('NDJSON fields "a" and "A": the schema cannot be inferred; rename one in the input (not --columns, a CSV option)', async () => {
    const cwd = dir();
    expectError(await barge(cwd, ['import', '-', '--format', 'ndjson', '--table', 't'], { input: '{"a":1,"A":2}\n' }), 2,
      'cannot infer a schema from stdin:1: columns "a" and "A" differ only in case, and SQLite takes them for the same column; rename one in the input');
    expect(fs.existsSync(path.join(cwd, 'barge.db'))).toBe(false);
  });
});
