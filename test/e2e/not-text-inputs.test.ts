import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { barge, makeDb, rows, workdir } from '../helpers/cli.js';

// Inputs that are not text (a SQLite database, a Parquet file, another compression than gzip, an
// archive, a PDF), known by their first bytes: said what they are and what to do, exit 2, nothing
// written. Read as text, they said "invalid UTF-8 … pass --encoding windows-1252", "looks like
// UTF-16 … pass --encoding utf16le" (a tar), or "no readable records" (Parquet; with --schema
// "succeeded, read 0", exit 0).

/** `id,name\n1,a\n2,b\n` as xz, bzip2 and zstd write it. */
const XZ = Buffer.from('fd377a585a000004e6d6b4460200210116000000742fe5a301000f69642c6e616d650a312c610a322c620a00e4eaf422d1e36f5900012810e50b6c601fb6f37d010000000004595a', 'hex');
const BZIP2 = Buffer.from('425a6839314159265359a0307b7e000006d900001000043000362320003100d34d0403102041459746f5edf8bb9229c284850183dbf0', 'hex');
const ZSTD = Buffer.from('28b52ffd241081000069642c6e616d650a312c610a322c620a26c66944', 'hex');
/** The start of a Parquet file: its magic, then a Thrift page header. */
const PARQUET = Buffer.concat([Buffer.from('PAR1'), Buffer.from([0x15, 0x00, 0x15, 0x1c, 0x15, 0x1c, 0x2c, 0x15, 0x04, 0x15, 0x00, 0x15, 0x06, 0x15, 0x06, 0x00, 0x00])]);

/** A POSIX tar holding one file, `name`, as tar writes it (a 512-byte header, the data, two zero blocks). */
function tarOf(name: string, content: string): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 'utf8');
  header.write('0000644\0', 100);
  header.write('0001750\0', 108);
  header.write('0001750\0', 116);
  header.write(`${content.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('14712345670\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0' + '00', 257);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const data = Buffer.alloc(Math.ceil(content.length / 512) * 512);
  data.write(content);
  return Buffer.concat([header, data, Buffer.alloc(1024)]);
}

function setUp(files: Record<string, string | Buffer>): string {
  const dir = workdir();
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return dir;
}

const EXPORT_IT = "export a table from it first (sqlite3 -header -csv legacy.db 'SELECT * FROM t' > t.csv)";

describe('an input that is not text', () => {
  it('is said to be what it is, with what to do, exit 2, nothing written (import and validate)', async () => {
    const dir = setUp({
      'data.csv.xz': XZ,
      'data.csv.bz2': BZIP2,
      'data.tsv.zst': ZSTD,
      'data.parquet': PARQUET,
      'data.tar': tarOf('data.csv', 'id,name\n1,a\n'),
      'data.tar.gz': gzipSync(tarOf('data.csv', 'id,name\n1,a\n')),
      'data.7z': Buffer.concat([Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0x00, 0x04]), Buffer.alloc(24, 1)]),
      'report.pdf': '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n',
    });
    makeDb(dir, 'legacy.db', "CREATE TABLE t (id INTEGER, name TEXT); INSERT INTO t VALUES (1, 'a');");
    const cases: Array<[string, string]> = [
      ['legacy.db', `input "legacy.db" is a SQLite database, not CSV, TSV, NDJSON or JSON: ${EXPORT_IT}`],
      ['data.csv.xz', 'input "data.csv.xz" is xz-compressed: barge reads gzip; decompress it (xz -dc data.csv.xz | barge import - --format csv --table data)'],
      ['data.csv.bz2', 'input "data.csv.bz2" is bzip2-compressed: barge reads gzip; decompress it (bzip2 -dc data.csv.bz2 | barge import - --format csv --table data)'],
      ['data.tsv.zst', 'input "data.tsv.zst" is zstd-compressed: barge reads gzip; decompress it (zstd -dc data.tsv.zst | barge import - --format tsv --table data)'],
      ['data.parquet', `input "data.parquet" is a Parquet file, not CSV, TSV, NDJSON or JSON: convert it first (duckdb -c "COPY (SELECT * FROM 'data.parquet') TO 'data.csv' (HEADER)")`],
      ['data.tar', 'input "data.tar" is a tar archive, not CSV, TSV, NDJSON or JSON: extract its files first (tar -xf data.tar; its first file is data.csv)'],
      ['data.tar.gz', 'input "data.tar.gz" is a gzipped tar archive, not CSV, TSV, NDJSON or JSON: extract its files first (tar -xzf data.tar.gz; its first file is data.csv)'],
      ['data.7z', 'input "data.7z" is a 7z archive, not CSV, TSV, NDJSON or JSON: extract its files first (7z x data.7z)'],
      ['report.pdf', 'input "report.pdf" is a PDF document, not CSV, TSV, NDJSON or JSON: export its table as CSV from the program that made it'],
    ];
    for (const [input, message] of cases) {
      const imported = await barge(dir, ['import', input, '--db', 'out.db']);
      expect(imported, input).toEqual({ exitCode: 2, stdout: '', stderr: `barge: error: ${message}` });
      const validated = await barge(dir, ['validate', input, '--db', 'out.db']);
      expect(validated, input).toEqual({ exitCode: 2, stdout: '', stderr: `barge: error: ${message}` });
    }
    expect(fs.existsSync(path.join(dir, 'out.db'))).toBe(false);
    expect(rows(path.join(dir, 'legacy.db'), 'SELECT * FROM t')).toEqual([{ id: 1, name: 'a' }]);
  });

  it('a Parquet file with --schema is refused (it "succeeded", read 0, exit 0), on either thread', async () => {
    const dir = setUp({ 'data.parquet': PARQUET, 's.json': JSON.stringify({ table: 'data', columns: { id: { type: 'integer' } } }) });
    for (const worker of ['always', 'never']) {
      const run = await barge(dir, ['import', 'data.parquet', '--schema', 's.json', '--db', 'out.db'], { env: { BARGE_WORKER: worker } });
      expect(run).toEqual({
        exitCode: 2,
        stdout: '',
        stderr: `barge: error: input "data.parquet" is a Parquet file, not CSV, TSV, NDJSON or JSON: convert it first (duckdb -c "COPY (SELECT * FROM 'data.parquet') TO 'data.csv' (HEADER)")`,
      });
    }
    expect(fs.existsSync(path.join(dir, 'out.db')) ? rows(path.join(dir, 'out.db'), "SELECT name FROM sqlite_master WHERE name = 'data'") : []).toEqual([]);
  });

  it('from stdin, and gzipped', async () => {
    const dir = workdir();
    const legacy = makeDb(dir, 'legacy.db', 'CREATE TABLE t (id INTEGER)');
    const piped = await barge(dir, ['import', '-', '--table', 't', '--db', 'out.db'], { inputFile: legacy });
    expect(piped).toEqual({ exitCode: 2, stdout: '', stderr: "barge: error: stdin is a SQLite database, not CSV, TSV, NDJSON or JSON: export a table from it first (sqlite3 -header -csv file.db 'SELECT * FROM t' > t.csv)" });
    const xz = await barge(dir, ['import', '-', '--table', 't', '--db', 'out.db'], { input: XZ });
    expect(xz).toEqual({ exitCode: 2, stdout: '', stderr: 'barge: error: stdin is xz-compressed: barge reads gzip; decompress it in the pipe (… | xz -dc | barge import -)' });
    fs.writeFileSync(path.join(dir, 'legacy.db.gz'), gzipSync(fs.readFileSync(legacy)));
    const gzipped = await barge(dir, ['import', 'legacy.db.gz', '--db', 'out.db']);
    expect(gzipped).toEqual({ exitCode: 2, stdout: '', stderr: `barge: error: input "legacy.db.gz" is a SQLite database (gzipped), not CSV, TSV, NDJSON or JSON: gunzip -k legacy.db.gz, then ${EXPORT_IT}` });
    expect(fs.existsSync(path.join(dir, 'out.db'))).toBe(false);
  });

  it('text that starts as one of them does still loads (a header "PAR1,BZh9")', async () => {
    const dir = setUp({ 'codes.csv': 'PAR1,BZh9\n1,2\n' });
    const run = await barge(dir, ['import', 'codes.csv', '--db', 'out.db', '--quiet']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(rows(path.join(dir, 'out.db'), 'SELECT * FROM codes')).toEqual([{ PAR1: 1, BZh9: 2 }]);
  });

  it('text holding "ustar" at byte 257 (a "mustard" there) is no tar: a tar header is zero-padded before it', async () => {
    const head = 'id,note\n1,';
    const text = `${head}${'a'.repeat(257 - head.length - 1)}mustard pie\n2,plain\n`;
    expect(text.indexOf('ustar')).toBe(257);
    const dir = setUp({ 'food.csv': text });
    const run = await barge(dir, ['import', 'food.csv', '--db', 'out.db', '--quiet']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(rows(path.join(dir, 'out.db'), 'SELECT count(*) AS n FROM food')).toEqual([{ n: 2 }]);
  });
});
