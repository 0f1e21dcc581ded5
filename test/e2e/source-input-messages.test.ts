import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { barge, readNdjson, rows, workdir } from '../helpers/cli.js';

// What barge says about inputs it cannot read as they are, and what it reads as the user meant:
// each message names the input and line (and the column where it is known) and
// says how to fix it; nothing is written (exit 2).

function setUp(files: Record<string, string | Buffer>): string {
  const dir = workdir();
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return dir;
}

const tables = (db: string) => (fs.existsSync(db) ? rows<{ name: string }>(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_barge%' ESCAPE '\\'") : []);

describe('a header name of only whitespace', () => {
  it('is refused as an empty name is, exit 2, nothing written', async () => {
    const dir = workdir();
    const run = await barge(dir, ['import', '-', '--table', 't', '--db', 'g.db'], { input: '  \n\n \n' });
    expect(run).toEqual({
      exitCode: 2,
      stdout: '',
      stderr: 'barge: error: stdin:1: column 1 has an empty name (only whitespace) in the header; rename the columns with --columns a,b,c (stdin was read as CSV, its format sniffed from its first bytes; if it is not, pass --format)',
    });
    expect(tables(path.join(dir, 'g.db'))).toEqual([]);
  });

  it('loads under the names --columns gives', async () => {
    const dir = workdir();
    const run = await barge(dir, ['import', '-', '--table', 't', '--db', 'g.db', '--columns', 'id,note', '--quiet'], { input: 'id, \n1,a\n' });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(rows(path.join(dir, 'g.db'), 'SELECT id, note FROM t')).toEqual([{ id: 1, note: 'a' }]);
  });
});

describe('byte order marks under --encoding latin1', () => {
  it('drops a UTF-8 one: the first column is "id", not "ï»¿id"', async () => {
    const dir = setUp({ 'b.csv': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('id,name\n1,Caf\xe9\n', 'latin1')]) });
    const run = await barge(dir, ['import', 'b.csv', '--encoding', 'latin1', '--db', 'l.db', '--quiet']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(rows(path.join(dir, 'l.db'), 'SELECT * FROM b')).toEqual([{ id: 1, name: 'Café' }]);
  });

  it('stops at a UTF-16LE one, pointing to --encoding utf16le (it said the input had no byte order mark)', async () => {
    const dir = setUp({ 'w.csv': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id,name\n1,a\n', 'utf16le')]) });
    const run = await barge(dir, ['import', 'w.csv', '--encoding', 'latin1', '--db', 'l.db']);
    expect(run).toEqual({
      exitCode: 2,
      stdout: '',
      stderr: 'barge: error: w.csv: starts with a UTF-16LE byte order mark, but --encoding latin1 was given; pass --encoding utf16le (or no --encoding: the mark is recognised)',
    });
    const fixed = await barge(dir, ['import', 'w.csv', '--encoding', 'utf16le', '--db', 'l.db', '--quiet']);
    expect(fixed.exitCode, fixed.stderr).toBe(0);
    expect(rows(path.join(dir, 'l.db'), 'SELECT * FROM w')).toEqual([{ id: 1, name: 'a' }]);
  });
});

describe('UTF-8 without a byte order mark under --encoding latin1 or windows-1252', () => {
  const said = (input: string, told: string, character: string, column: number, offset: number) =>
    `barge: error: ${input}:2: "${character}" at column ${column} (byte offset ${offset} in the input) is a UTF-8 character, but --encoding ${told} was given; the file is UTF-8: leave --encoding out`;

  for (const worker of ['always', 'never']) {
    it(`is refused at its first character beyond ASCII, exit 2, nothing written (café was stored as cafÃ©, exit 0) (BARGE_WORKER=${worker})`, async () => {
      const dir = setUp({ 'v.csv': 'id,name\n1,café\n' });
      const env = { BARGE_WORKER: worker };
      for (const told of ['latin1', 'windows-1252']) {
        const run = await barge(dir, ['import', 'v.csv', '--encoding', told, '--db', 'u.db'], { env });
        expect(run).toEqual({ exitCode: 2, stdout: '', stderr: said('v.csv', told, 'é', 6, 13) });
        const checked = await barge(dir, ['validate', 'v.csv', '--encoding', told, '--db', 'u.db'], { env });
        expect(checked).toEqual({ exitCode: 2, stdout: '', stderr: said('v.csv', told, 'é', 6, 13) });
      }
      expect(tables(path.join(dir, 'u.db'))).toEqual([]);
      const fixed = await barge(dir, ['import', 'v.csv', '--db', 'u.db', '--quiet'], { env });
      expect(fixed.exitCode, fixed.stderr).toBe(0);
      expect(rows(path.join(dir, 'u.db'), 'SELECT * FROM v')).toEqual([{ id: 1, name: 'café' }]);
    });
  }

  it('a € under latin1 says the file is UTF-8, not to pass --encoding windows-1252 (its E2 82 AC holds a C1 byte)', async () => {
    const dir = setUp({ 'u.csv': 'id,p\n1,5 €\n' });
    for (const worker of ['always', 'never']) {
      const run = await barge(dir, ['import', 'u.csv', '--encoding', 'latin1', '--db', 'u.db'], { env: { BARGE_WORKER: worker } });
      expect(run).toEqual({ exitCode: 2, stdout: '', stderr: said('u.csv', 'latin1', '€', 5, 9) });
    }
    expect(tables(path.join(dir, 'u.db'))).toEqual([]);
  });

  it('gzipped, and from stdin', async () => {
    const dir = setUp({ 'v.csv.gz': gzipSync('id,name\n1,café\n') });
    const run = await barge(dir, ['import', 'v.csv.gz', '--encoding', 'latin1', '--db', 'u.db']);
    expect(run).toEqual({ exitCode: 2, stdout: '', stderr: said('v.csv.gz', 'latin1', 'é', 6, 13) });
    const piped = await barge(dir, ['import', '-', '--format', 'csv', '--table', 'v', '--encoding', 'latin1', '--db', 'u.db'], { input: 'id,name\n1,café\n' });
    expect(piped).toEqual({ exitCode: 2, stdout: '', stderr: said('stdin', 'latin1', 'é', 6, 13) });
    expect(tables(path.join(dir, 'u.db'))).toEqual([]);
  });

  it('a windows-1252 file whose one accented capital and the byte after it read as UTF-8 by chance still loads (CAFÉ…, C9 85, was refused)', async () => {
    const dir = setUp({ 'w.csv': Buffer.from('id,name\n1,CAF\xc9\x85\n2,ok\n', 'latin1') });
    for (const worker of ['always', 'never']) {
      const run = await barge(dir, ['import', 'w.csv', '--encoding', 'windows-1252', '--db', `w-${worker}.db`, '--quiet'], { env: { BARGE_WORKER: worker } });
      expect(run.exitCode, run.stderr).toBe(0);
      expect(rows(path.join(dir, `w-${worker}.db`), 'SELECT * FROM w')).toEqual([{ id: 1, name: 'CAFÉ…' }, { id: 2, name: 'ok' }]);
    }
    // Under latin1 its C1 byte (0x85) is no UTF-8 character's: windows-1252 is what to pass, not
    // "the file is UTF-8: leave --encoding out" (which loaded CAFɅ).
    const latin1 = await barge(dir, ['import', 'w.csv', '--encoding', 'latin1', '--db', 'l.db']);
    expect(latin1.exitCode).toBe(2);
    expect(latin1.stderr).toContain('pass --encoding windows-1252');
    expect(latin1.stderr).not.toContain('UTF-8');
    // Two such characters, or one of the leads UTF-8 read as latin1 shows (Ã, Â, â): UTF-8.
    const two = setUp({ 'ru.csv': 'id,name\nМи,р\n' });
    expect((await barge(two, ['import', 'ru.csv', '--encoding', 'windows-1252', '--db', 'r.db'])).stderr).toBe(said('ru.csv', 'windows-1252', 'М', 1, 8));
  });

  it('a latin1 file still loads, its bytes not UTF-8', async () => {
    const dir = setUp({ 'l.csv': Buffer.from('id,name\n1,caf\xe9\n', 'latin1') });
    const run = await barge(dir, ['import', 'l.csv', '--encoding', 'latin1', '--db', 'u.db', '--quiet']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(rows(path.join(dir, 'u.db'), 'SELECT * FROM l')).toEqual([{ id: 1, name: 'café' }]);
  });
});

describe('invalid UTF-8', () => {
  it("names the bad byte's column in its line, and its offset in the input, with the hint", async () => {
    const dir = setUp({ 'b2.csv': Buffer.from('a,b\n1,x\n2,caf\xe9\n', 'latin1') });
    const run = await barge(dir, ['import', 'b2.csv', '--db', 'j.db']);
    expect(run).toEqual({
      exitCode: 2,
      stdout: '',
      stderr: 'barge: error: b2.csv:3: invalid UTF-8 at column 6 (byte offset 13 in the input); pass --encoding windows-1252 (a file from Windows), latin1 or utf16le if the file is not UTF-8',
    });
    expect(tables(path.join(dir, 'j.db'))).toEqual([]);
  });
});

describe('a quote inside an unquoted CSV field', () => {
  it("names the field's column in the report entry's error and in the message", async () => {
    const dir = setUp({ 'sq.csv': 'a,b\n1,x\n2,5" screen\n' });
    const run = await barge(dir, ['import', 'sq.csv', '--db', 'j2.db', '--table', 't', '--mode', 'row', '--json']);
    expect(run.exitCode, run.stderr).toBe(1);
    const message = 'line 3, column "b": a quote inside an unquoted field: quote the whole field and double the quote ("5"" screen")';
    expect(JSON.parse(run.stdout).firstErrors).toEqual([`sq.csv:${message}`]);
    expect(readNdjson(path.join(dir, 'sq.errors.ndjson')).map((entry) => entry._barge_errors)).toEqual([
      [{ column: 'b', code: 'stray_quote', message, value: '2,5" screen' }],
    ]);
    expect(rows(path.join(dir, 'j2.db'), 'SELECT a, b FROM t')).toEqual([{ a: 1, b: 'x' }]);
  });

  it('names the column of an unterminated quote and of text after a closing quote', async () => {
    const dir = setUp({ 'u.csv': 'a,b\n1,x\n2,"5 screen\n3,y\n', 'c.csv': 'a,b\n1,"x" y\n' });
    expect(await barge(dir, ['import', 'u.csv', '--db', 'u.db'])).toEqual({
      exitCode: 2,
      stdout: '',
      stderr: 'barge: error: u.csv:3, column "b": unterminated quoted field (CSV_QUOTE_NOT_CLOSED); check the quoting on that line',
    });
    expect(await barge(dir, ['import', 'c.csv', '--db', 'u.db'])).toEqual({
      exitCode: 2,
      stdout: '',
      stderr:
        'barge: error: c.csv:2, column "b": a closing quote is followed by something other than a delimiter or the end of the line (CSV_INVALID_CLOSING_QUOTE); check the quoting on that line',
    });
    expect(tables(path.join(dir, 'u.db'))).toEqual([]);
  });
});

describe('TSV read as CSV', () => {
  it('says so when a header name holds a tab, suggesting --format tsv, which loads it', async () => {
    // A comma in the first line: stdin is sniffed as CSV.
    const input = 'id\tcity, state\n1\tAustin, TX\n';
    const dir = workdir();
    expect(await barge(dir, ['import', '-', '--table', 't', '--db', 't.db'], { input })).toEqual({
      exitCode: 2,
      stdout: '',
      stderr: 'barge: error: stdin:1: column name "id\\tcity" in the header holds a tab, so the input looks like TSV; pass --format tsv (or rename the columns with --columns a,b,c)',
    });
    const fixed = await barge(dir, ['import', '-', '--table', 't', '--db', 't.db', '--format', 'tsv', '--quiet'], { input });
    expect(fixed.exitCode, fixed.stderr).toBe(0);
    expect(rows(path.join(dir, 't.db'), 'SELECT * FROM t')).toEqual([{ id: 1, 'city, state': 'Austin, TX' }]);
  });

  it('a .tsv given --delimiter ",": says to leave the --delimiter out, which loads it', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 's.tsv'), 'id\tname\n1\ta,b\n');
    expect(await barge(dir, ['import', 's.tsv', '--delimiter', ',', '--table', 't', '--db', 't.db'])).toEqual({
      exitCode: 2,
      stdout: '',
      stderr: 'barge: error: s.tsv:1: column name "id\\tname" in the header holds a tab, so the input looks like TSV; leave --delimiter "," out (TSV\'s is the tab) (or rename the columns with --columns a,b,c)',
    });
    const fixed = await barge(dir, ['import', 's.tsv', '--table', 't', '--db', 't.db', '--quiet']);
    expect(fixed.exitCode, fixed.stderr).toBe(0);
    expect(rows(path.join(dir, 't.db'), 'SELECT * FROM t')).toEqual([{ id: 1, name: 'a,b' }]);
  });
});

describe('UTF-8 read as UTF-16LE', () => {
  it('--encoding utf16le on a UTF-8 CSV: exit 2 saying it is not UTF-16LE (it loaded nothing and succeeded, with a schema); UTF-16LE itself loads', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 't.schema.json'), JSON.stringify({ table: 't', columns: { id: { type: 'integer' }, name: { type: 'string' } } }));
    let text = 'id,name\n';
    for (let i = 1; i <= 1000; i++) text += `${i},n${i}\n`;
    fs.writeFileSync(path.join(dir, 'u8.csv'), text);
    fs.writeFileSync(path.join(dir, 'u16.csv'), Buffer.from(text, 'utf16le'));
    const size = 256;
    for (const command of ['import', 'validate']) {
      const args = command === 'import' ? ['--db', 'o.db', '--schema', 't.schema.json'] : ['--schema', 't.schema.json'];
      expect(await barge(dir, [command, 'u8.csv', '--encoding', 'utf16le', ...args])).toEqual({
        exitCode: 2,
        stdout: '',
        stderr: `barge: error: u8.csv: read as UTF-16LE (--encoding utf16le), but its first ${size} bytes hold no zero byte, which every ASCII character (a delimiter, a line break) has in UTF-16LE: it is not UTF-16LE; leave --encoding out (UTF-8) or pass --encoding latin1`,
      });
    }
    // Stopped at its first read: the job is recorded as failed, and no table was made.
    expect(rows(path.join(dir, 'o.db'), "SELECT status, inserted FROM _barge_jobs")).toEqual([{ status: 'failed', inserted: 0 }]);
    expect(rows(path.join(dir, 'o.db'), "SELECT name FROM sqlite_master WHERE name = 't'")).toEqual([]);
    const utf16 = await barge(dir, ['import', 'u16.csv', '--encoding', 'utf16le', '--db', 'o.db', '--schema', 't.schema.json', '--quiet']);
    expect(utf16.exitCode, utf16.stderr).toBe(0);
    expect(rows(path.join(dir, 'o.db'), 'SELECT count(*) AS n, max(name) AS last FROM t')).toEqual([{ n: 1000, last: 'n999' }]);
  });
});

describe('gzip that is not what it seems', () => {
  it('a file gzipped twice: says so (it said to try --encoding latin1)', async () => {
    const twice = gzipSync(gzipSync('id\n1\n'));
    const dir = setUp({ 'twice.csv.gz': twice });
    expect(await barge(dir, ['import', 'twice.csv.gz', '--db', 'z.db'])).toEqual({
      exitCode: 2,
      stdout: '',
      stderr: 'barge: error: twice.csv.gz: gzip inside gzip (the data was compressed twice); decompress one layer first (zcat twice.csv.gz > twice.csv) and import that file',
    });
    expect(await barge(dir, ['import', '-', '--table', 't', '--db', 'z.db'], { input: twice })).toEqual({
      exitCode: 2,
      stdout: '',
      stderr: 'barge: error: stdin: gzip inside gzip (the data was compressed twice); add one more zcat to the pipe (… | zcat | barge import -)',
    });
    // As told: the file once decompressed (gzip still, by its magic bytes) loads.
    fs.writeFileSync(path.join(dir, 'twice.csv'), gzipSync('id\n1\n'));
    const fixed = await barge(dir, ['import', 'twice.csv', '--db', 'z.db', '--quiet']);
    expect(fixed.exitCode, fixed.stderr).toBe(0);
    expect(rows(path.join(dir, 'z.db'), 'SELECT id FROM twice')).toEqual([{ id: 1 }]);
  });

  it('plain text under a .gz name: rename it', async () => {
    const dir = setUp({ 'plain.csv.gz': 'id\n1\n' });
    expect(await barge(dir, ['import', 'plain.csv.gz', '--db', 'z.db'])).toEqual({
      exitCode: 2,
      stdout: '',
      stderr:
        'barge: error: plain.csv.gz: not a valid gzip file (incorrect header check): its name ends in .gz, but it does not start as gzip data does; if it is not compressed, rename it without .gz',
    });
    expect(tables(path.join(dir, 'z.db'))).toEqual([]);
  });
});

describe('inputs that name no readable file', () => {
  it('stdin redirected from a directory, a symlink loop, a name too long: exit 2, one line (an empty import with exit 0; exit 3 with errno text)', async () => {
    const dir = workdir();
    fs.mkdirSync(path.join(dir, 'd'));
    fs.symlinkSync('loop', path.join(dir, 'loop'));
    const fd = fs.openSync(path.join(dir, 'd'), 'r');
    try {
      for (const command of ['import', 'validate']) {
        expect(await barge(dir, [command, '-', '--format', 'csv', '--table', 't', '--quiet'], { stdin: fd })).toEqual({
          exitCode: 2, stdout: '', stderr: 'barge: error: cannot read stdin: it is a directory (redirected from one with <)',
        });
      }
    } finally {
      fs.closeSync(fd);
    }
    expect(await barge(dir, ['import', 'loop'])).toEqual({
      exitCode: 2, stdout: '', stderr: 'barge: error: cannot read input "loop": its symbolic links lead round in a loop; check the path',
    });
    const long = `${'x'.repeat(300)}.csv`;
    expect(await barge(dir, ['import', long])).toEqual({
      exitCode: 2, stdout: '', stderr: `barge: error: cannot read input "${long}": the name is too long for the file system; check the path`,
    });
    expect(fs.existsSync(path.join(dir, 'barge.db'))).toBe(false);
  });
});

describe('an input that is the database itself', () => {
  it('is refused, exit 2, by any name or as stdin (it was read as text: rows of the file\'s bytes, with --encoding latin1)', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'a.csv'), 'id,name\n1,a\n');
    expect((await barge(dir, ['import', 'a.csv', '--db', 'a.db', '--quiet'])).exitCode).toBe(0);
    fs.symlinkSync('a.db', path.join(dir, 'link.db'));
    // A connection of ours keeps the database's -wal file there (the last one closed removes it).
    const holder = new Database(path.join(dir, 'a.db'));
    try {
      holder.prepare('SELECT count(*) FROM a').get();
      const refused: string[] = [];
      for (const input of ['a.db', './link.db', 'a.db-wal']) {
        expect(fs.existsSync(path.join(dir, input)), input).toBe(true);
        expect(await barge(dir, ['import', input, '--db', 'a.db', '--table', 'x', '--encoding', 'latin1', '--format', 'tsv', '--no-header', '--columns', 'a'])).toEqual({
          exitCode: 2, stdout: '', stderr: `barge: error: input "${input}" is the database itself (--db a.db); give the file to import`,
        });
        refused.push(input);
      }
      expect(refused).toEqual(['a.db', './link.db', 'a.db-wal']);
    } finally {
      holder.close();
    }
    const fd = fs.openSync(path.join(dir, 'a.db'), 'r');
    try {
      expect(await barge(dir, ['import', '-', '--db', 'a.db', '--table', 'x', '--format', 'csv'], { stdin: fd })).toEqual({
        exitCode: 2, stdout: '', stderr: 'barge: error: stdin (redirected from it) is the database itself (--db a.db); give the file to import',
      });
    } finally {
      fs.closeSync(fd);
    }
    expect(rows(path.join(dir, 'a.db'), "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")).toEqual([{ name: '_barge_jobs' }, { name: '_barge_schemas' }, { name: 'a' }]);
  });

  it('is refused the same when the database does not exist yet, by a relative, absolute or linked path, --db given or not (it was created, then read: "barge.db:1: invalid UTF-8 …")', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'data.csv'), 'id\n1\n');
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.symlinkSync('sub', path.join(dir, 'link'));
    const cases: Array<[string[], string, string]> = [
      [['import', 'barge.db', 'data.csv'], 'barge.db', 'barge.db'],
      [['import', path.join(dir, 'barge.db'), 'data.csv'], path.join(dir, 'barge.db'), 'barge.db'],
      [['import', 'data.csv', 'x.db', '--db', './x.db'], 'x.db', './x.db'],
      [['import', 'link/y.db', 'data.csv', '--db', 'sub/y.db'], 'link/y.db', 'sub/y.db'],
    ];
    for (const [args, input, db] of cases) {
      expect(await barge(dir, args), args.join(' ')).toEqual({
        exitCode: 2, stdout: '', stderr: `barge: error: input "${input}" is the database itself (--db ${db}); give the file to import`,
      });
    }
    const fromEnv = await barge(dir, ['import', 'data.csv', 'z.db'], { env: { BARGE_DB: 'z.db' } });
    expect(fromEnv).toEqual({ exitCode: 2, stdout: '', stderr: 'barge: error: input "z.db" is the database itself (--db z.db); give the file to import' });
    expect(fs.readdirSync(dir).sort()).toEqual(['data.csv', 'fixtures', 'link', 'sub']);
    expect(fs.readdirSync(path.join(dir, 'sub'))).toEqual([]);
  });
});

describe('UTF-16 without a byte order mark, read as UTF-8, in JSON', () => {
  it('JSON and NDJSON say how to read it (they said only "got U+0000"); an escaped NUL in a UTF-8 name gets no such hint', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'u.json'), Buffer.from('[{"id":1}]\n', 'utf16le'));
    fs.writeFileSync(path.join(dir, 'u.ndjson'), Buffer.from('{"id":1}\n', 'utf16le'));
    fs.writeFileSync(path.join(dir, 'k.ndjson'), '{"id":1,"a\\u0000":1}\n');
    // Found before the JSON parser sees the text (it said only "got U+0000", then gave this hint).
    expect(await barge(dir, ['import', 'u.json'])).toMatchObject({ exitCode: 2, stderr: 'barge: error: u.json: looks like UTF-16LE without a byte order mark (a zero byte in every other place of its first 22 bytes), read as UTF-8; pass --encoding utf16le' });
    expect((await barge(dir, ['import', 'u.ndjson'])).stderr).toBe('barge: error: u.ndjson: looks like UTF-16LE without a byte order mark (a zero byte in every other place of its first 18 bytes), read as UTF-8; pass --encoding utf16le');
    // As short as 8 bytes.
    fs.writeFileSync(path.join(dir, 's.json'), Buffer.from('[1]\n', 'utf16le'));
    expect((await barge(dir, ['import', 's.json', '--table', 's'])).stderr).toBe('barge: error: s.json: looks like UTF-16LE without a byte order mark (a zero byte in every other place of its first 8 bytes), read as UTF-8; pass --encoding utf16le');
    expect(await barge(dir, ['import', 'k.ndjson'])).toMatchObject({ exitCode: 2, stderr: 'barge: error: cannot infer a schema from k.ndjson:1: column name "a\\u0000" contains a control character' });
    expect((await barge(dir, ['import', 'u.json', '--encoding', 'utf16le', '--quiet'])).exitCode).toBe(0);
  });
});

describe('a UTF-16LE file without a byte order mark, imported with --schema', () => {
  it('is refused naming the encoding, exit 2, no row loaded (with "extraColumns": "ignore" it loaded rows of NULLs, exit 0)', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'le.csv'), Buffer.from('id,name\n1,abc\n2,def\n', 'utf16le'));
    fs.writeFileSync(path.join(dir, 't.json'), JSON.stringify({ table: 't', columns: { id: { type: 'integer' }, name: { type: 'string' } }, extraColumns: 'ignore' }));
    const result = await barge(dir, ['import', 'le.csv', '--schema', 't.json']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('le.csv: looks like UTF-16LE without a byte order mark (a zero byte in every other place of its first 40 bytes), read as UTF-8; pass --encoding utf16le');
    const loaded = await barge(dir, ['import', 'le.csv', '--schema', 't.json', '--encoding', 'utf16le', '--json']);
    expect(loaded.exitCode, loaded.stderr).toBe(0);
    expect(rows(path.join(dir, 'barge.db'), 'SELECT id, name FROM t ORDER BY id')).toEqual([{ id: 1, name: 'abc' }, { id: 2, name: 'def' }]);
  });
});
