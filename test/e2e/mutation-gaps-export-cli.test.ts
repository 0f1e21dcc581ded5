import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { barge, BIN, makeDb } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dirs.js';

// Behaviour a mutation-testing round found no test pinned: each test here fails with its mutant.

const hasDevFull = fs.existsSync('/dev/full');

describe('export: output details', () => {
  it('csv: a value holding a bare CR is quoted', async () => {
    const dir = tempDir('barge-gaps-');
    makeDb(dir, 'barge.db', "CREATE TABLE u(id INTEGER, note TEXT); INSERT INTO u VALUES (1, 'a' || char(13) || 'b');");
    const result = await barge(dir, ['export', '--query', 'select id, note from u', '--out', '-']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe('id,note\n1,"a\rb"');
  });

  it('ndjson: integers up to ±(2^53 - 1) are JSON numbers, 2^53 is a string', async () => {
    const dir = tempDir('barge-gaps-');
    makeDb(dir, 'barge.db', 'CREATE TABLE t(n INTEGER); INSERT INTO t VALUES (9007199254740991), (-9007199254740991), (9007199254740992);');
    const result = await barge(dir, ['export', '--table', 't', '--format', 'ndjson', '--out', '-']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe('{"n":9007199254740991}\n{"n":-9007199254740991}\n{"n":"9007199254740992"}');
  });

  for (const suffix of ['-wal', '-journal']) {
    it(`--out the database's ${suffix} file is refused as the database itself (exit 2), and nothing is written`, async () => {
      const dir = tempDir('barge-gaps-');
      makeDb(dir, 'w.db', "CREATE TABLE t(id INTEGER, v TEXT); INSERT INTO t VALUES (1, 'x');");
      const result = await barge(dir, ['export', '--db', 'w.db', '--table', 't', '--out', `w.db${suffix}`]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toBe(`barge: error: --out w.db${suffix} is the database itself; give another file`);
      expect(fs.existsSync(path.join(dir, `w.db${suffix}`))).toBe(false);
    });
  }

  it('a query failing after one row was written to stdout says "1 row" (singular), exit 3', async () => {
    const dir = tempDir('barge-gaps-');
    // The first row is longer than a chunk, so it is written before the second fails.
    makeDb(dir, 'barge.db', "CREATE TABLE t(id INTEGER, v TEXT); INSERT INTO t VALUES (1, printf('%.*c', 300000, 'a')), (2, 'x');");
    const result = await barge(dir, ['export', '--query', "SELECT id, CASE WHEN id = 2 THEN json_extract('{', '$') ELSE v END AS v FROM t", '--out', '-']);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toBe('barge: error: the query failed: malformed JSON; stopped after writing 1 row to stdout');
    expect(result.stdout).toBe(`id,v\n1,${'a'.repeat(300000)}`);
  });

  it('--progress with --query and --limit: the total shown is the limit, not the query\'s row count', async () => {
    const dir = tempDir('barge-gaps-');
    makeDb(dir, 'barge.db', 'CREATE TABLE t(id INTEGER); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 1000) INSERT INTO t SELECT i FROM c;');
    // The WHERE makes counting the 1,000 rows take well over the 10 ms interval (~0.2 s: 200 MB of
    // hex), so a line is printed even on a fast machine.
    const query = 'SELECT id FROM t WHERE length(hex(zeroblob(100000 + id))) > 0';
    const result = await barge(dir, ['export', '--query', query, '--limit', '10', '--progress', '--out', 'p.csv'], { env: { BARGE_PROGRESS_INTERVAL_MS: '10' } });
    expect(result.exitCode, result.stderr).toBe(0);
    const progress = result.stderr.split('\n').filter((line) => /^barge: \d/.test(line));
    expect(progress.length, result.stderr).toBeGreaterThanOrEqual(1);
    expect(progress.at(-1)).toMatch(/^barge: 100% \| 10 of 10 rows \| [\d,]+ rows\/s \| ETA 0s$/);
    expect(fs.readFileSync(path.join(dir, 'p.csv'), 'utf8')).toBe('id\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n');
  });

  it('--query of spaces only is "--query is empty" (exit 2)', async () => {
    const dir = tempDir('barge-gaps-');
    makeDb(dir, 'barge.db', 'CREATE TABLE t(id INTEGER);');
    const result = await barge(dir, ['export', '--query', '   ']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('barge: error: --query is empty');
    expect(result.stdout).toBe('');
  });
});

describe('option checks', () => {
  it('an integer flag one above its maximum is refused: jobs --limit 1000001, stats --busy-timeout 3600001 (exit 2)', async () => {
    const dir = tempDir('barge-gaps-');
    makeDb(dir, 'barge.db', 'CREATE TABLE t(id INTEGER);');
    const jobs = await barge(dir, ['jobs', '--limit', '1000001']);
    expect(jobs.exitCode).toBe(2);
    expect(jobs.stderr).toBe('barge: error: --limit must be an integer from 1 to 1000000, got "1000001"');
    const stats = await barge(dir, ['stats', '--busy-timeout', '3600001']);
    expect(stats.exitCode).toBe(2);
    expect(stats.stderr).toBe('barge: error: --busy-timeout must be an integer from 0 to 3600000, got "3600001"');
  });

  it('--delimiter of two characters is refused (exit 2) before any database is made', async () => {
    const dir = tempDir('barge-gaps-');
    fs.writeFileSync(path.join(dir, 'd.csv'), 'id,name\n1,a\n');
    const result = await barge(dir, ['import', 'd.csv', '--delimiter', ';;']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('barge: error: --delimiter must be one character, got ";;"');
    expect(fs.existsSync(path.join(dir, 'barge.db'))).toBe(false);
  });

  it('--fail-fast with --max-errors 5 is refused (exit 2) before any database is made', async () => {
    const dir = tempDir('barge-gaps-');
    fs.writeFileSync(path.join(dir, 'b.csv'), 'id,name\n1,a\n');
    const result = await barge(dir, ['import', 'b.csv', '--fail-fast', '--max-errors', '5']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('barge: error: --fail-fast is --max-errors 1; do not give both');
    expect(fs.existsSync(path.join(dir, 'barge.db'))).toBe(false);
  });
});

describe('stdout that cannot be written', () => {
  it.skipIf(!hasDevFull)('an import with rejected records (exit 1) and --json > /dev/full exits 3, one line naming stdout', async () => {
    const dir = tempDir('barge-gaps-');
    fs.writeFileSync(path.join(dir, 'b.json'), JSON.stringify({ table: 'b', columns: { id: { type: 'integer', required: true }, name: { type: 'string' } } }));
    fs.writeFileSync(path.join(dir, 'b.csv'), 'id,name\n1,a\nx,b\n3,c\n');
    const result = await execa('bash', ['-c', 'node "$@" > /dev/full', 'bash', BIN, 'import', 'b.csv', '--schema', 'b.json', '--mode', 'row', '--json'], {
      cwd: dir, reject: false, stdin: 'ignore', env: { ...process.env, BARGE_DB: '', BARGE_DEBUG: '', NO_COLOR: '1' },
    });
    expect(result.exitCode).toBe(3);
    const lines = String(result.stderr).split('\n');
    expect(lines[0]).toBe('barge: import of b.csv into "b": partial: 1 record rejected, 2 loaded');
    expect(lines.filter((line) => line.startsWith('barge: error:'))).toEqual(['barge: error: cannot write to stdout: no space left on device (ENOSPC)']);
    expect(lines.at(-1)).toBe('barge: error: cannot write to stdout: no space left on device (ENOSPC)');
  });
});
