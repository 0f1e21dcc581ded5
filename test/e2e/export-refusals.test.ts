import fs from 'node:fs';
import zlib from 'node:zlib';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { BIN, barge, workdir } from '../helpers/cli.js';
import { bargeWithin } from '../helpers/process-waits.js';

/**
 * Export's usage errors found by the audit: each is exit 2, one line on stderr naming the flag
 * at fault, and nothing made: no file at --out, no temporary file beside it.
 */

/** A directory with t (id, n) of two rows in barge.db. */
async function withTable(): Promise<string> {
  const dir = workdir();
  fs.writeFileSync(path.join(dir, 't.csv'), 'id,n\n1,5\n2,7\n');
  const loaded = await barge(dir, ['import', 't.csv', '--quiet']);
  if (loaded.exitCode !== 0) throw new Error(loaded.stderr);
  return dir;
}

/** The files beside barge.db, the input and the fixtures: what an export left behind. */
function leftBehind(dir: string): string[] {
  return fs.readdirSync(dir).filter((name) => !/^(barge\.db(-wal|-shm)?|t\.csv|fixtures)$/.test(name));
}

const NO_PARAMETERS = 'export binds no parameters (?, :name, @name, $name); write the value into the SQL itself';

describe('export: a SQL parameter is a usage error naming its flag, before any file is made', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await withTable();
  });

  it.each([
    ['--query with ?', ['--query', 'select * from t where id = ?'], '--query'],
    ['--query with ?2 and :name', ['--query', 'select * from t where id = ?2 or n = :n'], '--query'],
    ['--where with $name', ['--table', 't', '--where', 'n > $min'], '--where'],
    ['--where with @name, and an --order-by', ['--table', 't', '--where', 'n > @min', '--order-by', 'id'], '--where'],
    ['--order-by with :name', ['--table', 't', '--where', 'n > 1', '--order-by', 'n * :k'], '--order-by'],
  ])('%s: exit 2 (it was an unexpected failure, exit 3)', async (_, args, flag) => {
    for (const out of [[], ['--out', 'x.csv'], ['--out', 'x.ndjson', '--json']]) {
      const result = await barge(dir, ['export', ...args, ...out]);
      expect(result.exitCode, result.stderr).toBe(2);
      expect(result.stderr).toBe(`barge: error: ${flag}: ${NO_PARAMETERS}`);
      if (out.includes('--json')) {
        expect(JSON.parse(result.stdout)).toEqual({
          command: 'export', exitCode: 2,
          error: { code: 'usage', message: `${flag}: ${NO_PARAMETERS}`, input: null, line: null, column: null },
        });
      } else {
        expect(result.stdout).toBe('');
      }
      expect(leftBehind(dir)).toEqual([]);
    }
  });

  it('a "?" inside a string or a comment is no parameter: the export runs', async () => {
    const result = await barge(dir, ['export', '--table', 't', '--where', "n > 1 OR id = '?' -- and ?"]);
    expect(result).toMatchObject({ exitCode: 0, stdout: 'id,n\n1,5\n2,7' });
  });
});

describe('export: --out ending in "/" names a directory', () => {
  it.each(['slash.csv/', 'slash.csv/.', 'exists.csv/'])('--out %s: exit 2 up front, nothing written (it ran the export, then failed exit 3 naming its temporary file)', async (out) => {
    const dir = await withTable();
    fs.writeFileSync(path.join(dir, 'exists.csv'), 'KEEP\n');
    const result = await barge(dir, ['export', '--table', 't', '--out', out, '--json']);
    const message = `--out ${out} names a directory (it ends in "${out.endsWith('/') ? '/' : '.'}"); give a file path`;
    expect(result.exitCode, result.stderr).toBe(2);
    expect(result.stderr).toBe(`barge: error: ${message}`);
    expect(JSON.parse(result.stdout)).toEqual({ command: 'export', exitCode: 2, error: { code: 'usage', message, input: null, line: null, column: null } });
    expect(leftBehind(dir)).toEqual(['exists.csv']);
    expect(fs.readFileSync(path.join(dir, 'exists.csv'), 'utf8')).toBe('KEEP\n');
  });

  it('a symlink into a directory that does not exist: exit 2 as for the directory named directly (it was exit 3 at the write)', async () => {
    const dir = await withTable();
    fs.symlinkSync(path.join('nodir', 'x.csv'), path.join(dir, 'l.csv'));
    expect(await barge(dir, ['export', '--table', 't', '--out', 'l.csv'])).toEqual({
      exitCode: 2, stdout: '', stderr: `barge: error: --out l.csv is a link to ${path.join(fs.realpathSync(dir), 'nodir', 'x.csv')}, whose directory ${path.join(fs.realpathSync(dir), 'nodir')} does not exist; create it or pass another --out`,
    });
    expect(fs.existsSync(path.join(dir, 'nodir'))).toBe(false);
  });

  it('a relative symlink reached through a symlinked directory is followed from where it really is (it was refused, or written elsewhere with exit 0)', async () => {
    const dir = await withTable();
    fs.mkdirSync(path.join(dir, 'real', 'sub'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'real', 'nodir'));
    fs.symlinkSync(path.join('real', 'sub'), path.join(dir, 'via'));
    fs.symlinkSync(path.join('..', 'nodir', 'x.csv'), path.join(dir, 'real', 'sub', 'l.csv'));
    const result = await barge(dir, ['export', '--table', 't', '--out', 'via/l.csv', '--quiet']);
    expect(result, result.stderr).toMatchObject({ exitCode: 0, stderr: '' });
    expect(fs.readFileSync(path.join(dir, 'real', 'nodir', 'x.csv'), 'utf8')).toBe('id,n\n1,5\n2,7\n');
    expect(fs.existsSync(path.join(dir, 'nodir'))).toBe(false);
  });

  it('an existing directory with a trailing "/" keeps its message', async () => {
    const dir = await withTable();
    fs.mkdirSync(path.join(dir, 'outdir'));
    const result = await barge(dir, ['export', '--table', 't', '--out', 'outdir/']);
    expect(result).toMatchObject({ exitCode: 2, stdout: '', stderr: 'barge: error: --out outdir/ is a directory; give a file path' });
  });
});

describe('export: messages stay on one line and point at what the user wrote', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await withTable();
  });

  it.each([
    ['a table name with a newline', ['--table', 'a\nb'], 'no table "a\\nb" in barge.db; list the tables with: barge stats --db barge.db'],
    ['a column name with a newline', ['--table', 't', '--columns', 'id,c\nl'], '--columns: no column "c\\nl" in table "t"; its columns are "id", "n"'],
    ['a result column name with a newline, twice', ['--query', 'SELECT 1 AS "x\ny", 2 AS "x\ny"', '--format', 'ndjson'], 'the result has two columns named "x\\ny", which one JSON object cannot hold; rename one with AS'],
    ['SQLite quoting a name with a newline', ['--query', 'SELECT "a\nb" FROM t'], '--query: no such column: "a\\nb" - should this be a string literal in single-quotes?'],
    // The `)` barge puts around the condition was named: `near ")": syntax error`.
    ['a --where cut short', ['--table', 't', '--where', 'id ='], '--where: "id =" is incomplete at its end; finish the condition'],
    ['a --where with an open parenthesis', ['--table', 't', '--where', 'id IN (1,', '--order-by', 'id'], '--where: "id IN (1," is incomplete at its end; finish the condition'],
    // The LIMIT barge puts after --order-by was named: `near "LIMIT": syntax error`.
    ['an --order-by cut short', ['--table', 't', '--order-by', 'id,', '--limit', '1'], '--order-by: "id," is incomplete at its end; finish the ORDER BY terms'],
    ['a --where naming no column', ['--table', 't', '--where', 'colour = 1', '--order-by', 'id'], '--where: no such column: colour'],
    ['an --order-by naming no column', ['--table', 't', '--where', 'id > 0', '--order-by', 'colour'], '--order-by: no such column: colour'],
    // A value without quotes is a column to SQLite: it said only "no such column: a".
    ['a --where value without quotes', ['--table', 't', '--where', 'n=a'], `--where: no such column: a; a string needs single quotes: --where "n='a'"`],
    ['a --where value without quotes, among other terms', ['--table', 't', '--where', 'n <= zed and id = 1', '--order-by', 'id'], `--where: no such column: zed; a string needs single quotes: --where "n <= 'zed' and id = 1"`],
    ['a --query value without quotes', ['--query', 'SELECT * FROM t WHERE n = b'], "--query: no such column: b; a string needs single quotes: 'b'"],
    // A table's name given to --query: it said only `near "t": syntax error`.
    ['a table name as --query', ['--query', 't'], '--query: near "t": syntax error; --query takes a SELECT, e.g. --query "SELECT * FROM t", or give the table with --table t'],
    ['a quoted table name as --query', ['--query', '"t";'], `--query: near "\"t\"": syntax error; --query takes a SELECT, e.g. --query 'SELECT * FROM "t"', or give the table with --table t`],
    ['a --where with a ) of its own', ['--table', 't', '--where', 'id = 1)'], '--where: near ")": syntax error'],
    // The string ran on into barge's text after the condition: `unrecognized token: "'x\n)"`.
    ['a --where with an unterminated string', ['--table', 't', '--where', "n = 'x"], `--where: unrecognized token: "'x"`],
    // better-sqlite3's sentence was passed on: `The supplied SQL string contains more than one statement`.
    ['an --order-by of two statements', ['--table', 't', '--order-by', 'id; DROP TABLE t'], '--order-by: more than one statement (a ";" ends one); give a single one'],
    ['a --query of two statements', ['--query', 'SELECT 1; DROP TABLE t'], '--query: more than one statement (a ";" ends one); give a single one'],
    ['a column named twice', ['--table', 't', '--columns', 'id,n,id'], '--columns names "id" twice'],
    // SQLite finds both as column id: the CSV's header would name it twice, which no import loads back.
    ['a column named twice in two cases', ['--table', 't', '--columns', 'id,ID'], '--columns names one column twice: "id" and "ID" differ only in case, and SQLite takes them for the same column'],
  ])('%s: exit 2, one line', async (_, args, message) => {
    const result = await barge(dir, ['export', ...args]);
    expect(result).toEqual({ exitCode: 2, stdout: '', stderr: `barge: error: ${message}` });
  });
});

describe('export: an --out naming a format barge does not write', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await withTable();
  });

  // It wrote CSV into a file of that name, exit 0: Excel then called data.xlsx corrupt, and a .db was no database.
  it.each([
    ['data.xlsx', 'data.xlsx: barge writes CSV, TSV, NDJSON or JSON; name it data.csv (Excel opens it)'],
    ['out/data.xls', 'out/data.xls: barge writes CSV, TSV, NDJSON or JSON; name it out/data.csv (Excel opens it)'],
    ['my data.ods', "my data.ods: barge writes CSV, TSV, NDJSON or JSON; name it 'my data.csv' (LibreOffice Calc opens it)"],
    ['data.xlsx.gz', 'data.xlsx.gz: barge writes CSV, TSV, NDJSON or JSON; name it data.csv (Excel opens it)'],
    ['data.parquet', "data.parquet: barge writes CSV, TSV, NDJSON or JSON; name it data.csv and convert it with a Parquet tool (DuckDB: COPY (FROM 'data.csv') TO 'data.parquet')"],
    ['copy.db', 'copy.db: barge writes CSV, TSV, NDJSON or JSON, not a database; to copy the rows into one: barge export --table t --db barge.db --format ndjson | barge import - --format ndjson --table t --db copy.db'],
    ['copy.sqlite', 'copy.sqlite: barge writes CSV, TSV, NDJSON or JSON, not a database; to copy the rows into one: barge export --table t --db barge.db --format ndjson | barge import - --format ndjson --table t --db copy.sqlite'],
    ['copy.sqlite3', 'copy.sqlite3: barge writes CSV, TSV, NDJSON or JSON, not a database; to copy the rows into one: barge export --table t --db barge.db --format ndjson | barge import - --format ndjson --table t --db copy.sqlite3'],
    ['data.zip', 'data.zip: barge writes CSV, TSV, NDJSON or JSON, compressed with gzip only, not zip; name it data.csv.gz'],
    ['data.tsv.zip', 'data.tsv.zip: barge writes CSV, TSV, NDJSON or JSON, compressed with gzip only, not zip; name it data.tsv.gz'],
    ['data.csv.xz', 'data.csv.xz: barge writes CSV, TSV, NDJSON or JSON, compressed with gzip only, not xz; name it data.csv.gz'],
    ['data.ndjson.bz2', 'data.ndjson.bz2: barge writes CSV, TSV, NDJSON or JSON, compressed with gzip only, not bzip2; name it data.ndjson.gz'],
    ['data.zst', 'data.zst: barge writes CSV, TSV, NDJSON or JSON, compressed with gzip only, not zstd; name it data.csv.gz'],
  ])('--out %s: exit 2 naming the file to write instead, nothing made', async (out, message) => {
    fs.mkdirSync(path.join(dir, 'out'), { recursive: true });
    const result = await barge(dir, ['export', '--table', 't', '--out', out]);
    expect(result).toEqual({ exitCode: 2, stdout: '', stderr: `barge: error: --out ${message}` });
    // --format given too: still refused (the file would hold that format under the other name).
    expect((await barge(dir, ['export', '--table', 't', '--out', out, '--format', 'ndjson'])).exitCode).toBe(2);
    expect(leftBehind(dir)).toEqual(['out']);
    expect(fs.readdirSync(path.join(dir, 'out'))).toEqual([]);
  });

  it('a --query export to a .db: the copy line starts from the query', async () => {
    const result = await barge(dir, ['export', '--query', 'SELECT * FROM t', '--out', 'q.db']);
    expect(result).toEqual({ exitCode: 2, stdout: '', stderr: 'barge: error: --out q.db: barge writes CSV, TSV, NDJSON or JSON, not a database; to copy the rows into one: barge export --query … --db barge.db --format ndjson | barge import - --format ndjson --table <table> --db q.db' });
  });

  it('a name with no format\'s extension takes the export\'s (x.csv.gz was then refused beside --format ndjson)', async () => {
    const result = await barge(dir, ['export', '--table', 't', '--format', 'ndjson', '--out', 'x.xz']);
    expect(result).toEqual({ exitCode: 2, stdout: '', stderr: 'barge: error: --out x.xz: barge writes CSV, TSV, NDJSON or JSON, compressed with gzip only, not xz; name it x.ndjson.gz' });
    const named = await barge(dir, ['export', '--table', 't', '--format', 'ndjson', '--out', 'x.ndjson.gz', '--quiet']);
    expect(named.exitCode, named.stderr).toBe(0);
    expect(zlib.gunzipSync(fs.readFileSync(path.join(dir, 'x.ndjson.gz'))).toString()).toBe('{"id":1,"n":5}\n{"id":2,"n":7}\n');
    fs.rmSync(path.join(dir, 'x.ndjson.gz'));
    // A name of another format than --format asks for: the name --format takes (data.csv.gz was then refused).
    const other = await barge(dir, ['export', '--table', 't', '--format', 'ndjson', '--out', 'data.csv.zip']);
    expect(other.stderr).toBe('barge: error: --out data.csv.zip: barge writes CSV, TSV, NDJSON or JSON, compressed with gzip only, not zip; name it data.ndjson.gz');
    expect((await barge(dir, ['export', '--table', 't', '--format', 'ndjson', '--out', 'data.ndjson.gz', '--quiet'])).exitCode).toBe(0);
    fs.rmSync(path.join(dir, 'data.ndjson.gz'));
  });

  it('the copy the .db message gives works, from another directory too (it left out --db)', async () => {
    const elsewhere = path.join(dir, 'out');
    fs.mkdirSync(elsewhere, { recursive: true });
    const told = await barge(elsewhere, ['export', '--table', 't', '--db', '../barge.db', '--out', 'copy.db']);
    const line = /to copy the rows into one: (.*)$/.exec(told.stderr)![1]!;
    expect(line).toBe('barge export --table t --db ../barge.db --format ndjson | barge import - --format ndjson --table t --db copy.db');
    const ran = await execa('sh', ['-c', line.replaceAll('barge ', `node '${BIN}' `)], { cwd: elsewhere, reject: false, env: { ...process.env, BARGE_DB: '' } });
    expect(ran.exitCode, ran.stderr).toBe(0);
    expect(new Database(path.join(elsewhere, 'copy.db'), { readonly: true }).prepare('SELECT id, n FROM t ORDER BY id').all()).toEqual([{ id: 1, n: 5 }, { id: 2, n: 7 }]);
    fs.rmSync(elsewhere, { recursive: true });
  });

  it('the copy the .db message gives works', async () => {
    const copy = await execa('sh', ['-c', `node '${BIN}' export --table t --format ndjson | node '${BIN}' import - --format ndjson --table t --db copy.db --quiet`], { cwd: dir, reject: false, env: { ...process.env, BARGE_DB: '' } });
    expect(copy.exitCode, copy.stderr).toBe(0);
    expect(new Database(path.join(dir, 'copy.db'), { readonly: true }).prepare('SELECT id, n FROM t ORDER BY id').all()).toEqual([{ id: 1, n: 5 }, { id: 2, n: 7 }]);
    fs.rmSync(path.join(dir, 'copy.db'));
  });
});

describe('export from a damaged database', () => {
  it('exit 3 at once, saying the database is damaged and how to look (it wrote pages round for ever: 6 GB from a 350 KB table)', async () => {
    const dir = workdir();
    const lines = ['id,name,v'];
    for (let i = 0; i < 20_000; i++) lines.push(`${i},n${i},${i * 3}`);
    fs.writeFileSync(path.join(dir, 'm.csv'), `${lines.join('\n')}\n`);
    expect((await barge(dir, ['import', 'm.csv', '--quiet'])).exitCode).toBe(0);
    // Zeroes part of every page after the first two: the table's b-tree no longer agrees with itself.
    const file = path.join(dir, 'barge.db');
    const bytes = fs.readFileSync(file);
    for (let at = 8192; at < bytes.length; at += 4096) bytes.fill(0, at + 100, Math.min(at + 600, bytes.length));
    fs.writeFileSync(file, bytes);
    const damaged = /^barge: error: database "barge\.db" is damaged \((table "m" gave its rowids out of order|database disk image is malformed)\); see what is wrong with: sqlite3 barge\.db "PRAGMA integrity_check", and restore it from a backup or recover it \(sqlite3's \.recover\); /;
    for (const worker of ['always', 'never']) {
      for (const args of [['--out', 'x.csv'], ['--format', 'ndjson', '--out', 'y.ndjson'], ['--out', '-']]) {
        const result = await bargeWithin(dir, ['export', '--table', 'm', ...args], 30_000, { env: { BARGE_WORKER: worker } });
        expect(result.timedOut, `${worker} ${args.join(' ')}`).toBe(false);
        expect(result.exitCode, `${worker} ${args.join(' ')}: ${result.stderr}`).toBe(3);
        expect(result.stderr).toMatch(damaged);
      }
    }
    expect(leftBehind(dir)).toEqual(['m.csv']);
  });
});

describe('a damaged job history', () => {
  it('jobs <id>, import --job-id and --resume say the database is damaged (they were "unexpected failures")', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'one.csv'), 'id\n1\n');
    expect((await barge(dir, ['import', 'one.csv', '--table', 't', '--quiet'])).exitCode).toBe(0);
    const file = path.join(dir, 'barge.db');
    const db = new Database(file);
    db.exec("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 3000) INSERT INTO _barge_jobs (id, command, inputs, table_name, mode, options, status, started_at) SELECT 'j' || i, 'x', '[]', 't', 'atomic', '{}', 'succeeded', '2020' FROM c");
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const leaves = (db.prepare("SELECT pageno FROM dbstat WHERE name = '_barge_jobs' AND pagetype = 'leaf'").pluck().all() as number[]).slice(5);
    db.close();
    const bytes = fs.readFileSync(file);
    for (const page of leaves) bytes.fill(0xff, (page - 1) * pageSize, page * pageSize);
    fs.writeFileSync(file, bytes);
    const damaged = /^barge: error: database "barge\.db" is damaged \(database disk image is malformed\); see what is wrong with: sqlite3 barge\.db "PRAGMA integrity_check", and restore it from a backup or recover it \(sqlite3's \.recover\)$/;
    for (const args of [['jobs', 'j2999'], ['jobs'], ['import', 'one.csv', '--table', 't', '--job-id', 'j2999'], ['import', '--resume', 'j2999']]) {
      const result = await barge(dir, args);
      expect(result.exitCode, args.join(' ')).toBe(3);
      expect(result.stderr, args.join(' ')).toMatch(damaged);
    }
  });
});
