import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { barge, BIN, importMakers, readNdjson, ROOT, rows, workdir, type RunResult } from '../helpers/cli.js';

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;
/** barge can run as a user whom permission bits stop (as root: setpriv to nobody, as storage-permissions.test.ts does). */
let canLimit = false;

beforeAll(async () => {
  const dir = workdir();
  fs.chmodSync(dir, 0o777);
  canLimit = isRoot ? (await limited(dir, ['--version'])).exitCode === 0 : process.platform !== 'win32';
});

/** Runs barge as a user the permission bits stop: as root, as nobody; else as this user. */
async function limited(cwd: string, args: string[]): Promise<RunResult> {
  if (!isRoot) return barge(cwd, args);
  const result = await execa('setpriv', ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', 'node', BIN, ...args], {
    cwd, reject: false, stdin: 'ignore', env: { ...process.env, BARGE_DB: '', BARGE_DEBUG: '', NO_COLOR: '1' },
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

describe('exit codes and one-line messages', () => {
  it('2: a bad schema file names the key', async () => {
    const dir = workdir();
    const result = await barge(dir, ['import', 'fixtures/products.csv', '--schema', 'fixtures/bad/bad-type.schema.json']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('barge: error: schema fixtures/bad/bad-type.schema.json: columns.price.type: expected one of string|integer|number|boolean|date|datetime|json, got "float"');
    expect(result.stdout).toBe('');
    expect(fs.existsSync(path.join(dir, 'barge.db'))).toBe(false);
  });

  it('2: an unknown key in the schema file is named', async () => {
    const dir = workdir();
    const result = await barge(dir, ['import', 'fixtures/products.csv', '--schema', 'fixtures/bad/unknown-key.schema.json']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('barge: error: schema fixtures/bad/unknown-key.schema.json: columns.qty: unknown key "minimum"; did you mean "min"?');
    expect(fs.existsSync(path.join(dir, 'barge.db'))).toBe(false);
  });

  it('2: a missing input', async () => {
    const dir = workdir();
    const result = await barge(dir, ['import', 'nope.csv']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim()).toBe('barge: error: cannot read input "nope.csv": no such file');
  });

  it('2: bad options, with a one-line message', async () => {
    const dir = workdir();
    const cases: Array<[string[], string]> = [
      [['--batch-size', '0'], '--batch-size must be an integer from 1 to 1000000, got "0"'],
      [['--batch-size', '1000001'], '--batch-size must be an integer from 1 to 1000000, got "1000001"'],
      [['--mode', 'sometimes'], '--mode must be atomic, batch or row, got "sometimes"'],
      [['--on-conflict', 'merge'], '--on-conflict must be error, ignore, replace or update, got "merge"'],
      [['--no-header'], '--no-header needs --columns a,b,c to name the fields'],
    ];
    for (const [args, message] of cases) {
      const result = await barge(dir, ['import', 'fixtures/products.csv', ...args]);
      expect(result.exitCode, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toBe(`barge: error: ${message}`);
      expect(result.stdout, args.join(' ')).toBe('');
    }
    // Nothing written.
    expect(fs.existsSync(path.join(dir, 'barge.db'))).toBe(false);
  });

  it('2: a foreign key into a table that does not exist', async () => {
    const dir = workdir();
    const result = await barge(dir, ['import', 'fixtures/products.csv', '--schema', 'fixtures/products.schema.json']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim()).toBe('barge: error: column "maker_id" references makers.id, but table "makers" does not exist; import "makers" first, with a --schema whose "primaryKey" is "id" (a table made without one has no key to refer to)');
  });

  it('3: a --db that is not a SQLite database: one line naming it, the file untouched', async () => {
    const dir = workdir();
    fs.mkdirSync(path.join(dir, 'ro'));
    const text = 'this is not a database, just text that is long enough to have a header.............................';
    fs.writeFileSync(path.join(dir, 'ro', 'x.db'), text);
    const result = await barge(dir, ['import', 'fixtures/zipcodes.csv', '--db', 'ro/x.db']);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toBe('barge: error: database "ro/x.db" is not a SQLite database (or is encrypted); pass another --db');
    expect(fs.readFileSync(path.join(dir, 'ro', 'x.db'), 'utf8')).toBe(text);
    expect(fs.readdirSync(path.join(dir, 'ro'))).toEqual(['x.db']);
  });

  describe('3: a database that cannot be written', () => {
    /** A working directory every user can reach, holding ro/x.db: zipcodes loaded (5 rows, one job) by this user. */
    async function seeded(): Promise<{ dir: string; db: string }> {
      const dir = fs.realpathSync(workdir());
      fs.chmodSync(dir, 0o777);
      fs.mkdirSync(path.join(dir, 'ro'));
      const seed = await barge(dir, ['import', 'fixtures/zipcodes.csv', '--db', 'ro/x.db', '--quiet']);
      if (seed.exitCode !== 0) throw new Error(`seeding failed: ${seed.stderr}`);
      // Five more zipcodes for the table: an import that could write would add them.
      fs.writeFileSync(path.join(dir, 'more.csv'), 'zip,city,state,population,lat,lng,coastal\n33101,Miami,FL,1000,25.7,-80.2,yes\n');
      return { dir, db: path.join(dir, 'ro', 'x.db') };
    }

    /**
     * The database's content. `writable`: read through a read-write connection, which (the last to
     * close) leaves no -wal/-shm files behind; a read-only one leaves them, and barge's message then
     * depends on them.
     */
    function snapshot(db: string, writable = false): unknown {
      const conn = new Database(db, { fileMustExist: true, readonly: !writable });
      try {
        return {
          zipcodes: conn.prepare('SELECT * FROM zipcodes ORDER BY zip').all(),
          jobs: conn.prepare('SELECT id, status FROM _barge_jobs').all(),
          tables: conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all(),
        };
      } finally {
        conn.close();
      }
    }

    it('a read-only database file: exit 3, one line, the table unchanged', async (ctx) => {
      if (!canLimit) ctx.skip();
      const { dir, db } = await seeded();
      const before = snapshot(db, true);
      expect(before).toMatchObject({ jobs: [{ status: 'succeeded' }], tables: ['_barge_jobs', '_barge_schemas', 'zipcodes'] });
      expect((before as { zipcodes: unknown[] }).zipcodes).toHaveLength(5);
      // The directory is writable; the file is not.
      fs.chmodSync(path.join(dir, 'ro'), 0o777);
      fs.chmodSync(db, 0o444);
      expect(fs.readdirSync(path.join(dir, 'ro'))).toEqual(['x.db']);
      const result = await limited(dir, ['import', 'more.csv', '--table', 'zipcodes', '--db', 'ro/x.db']);
      // Refused before SQLite opens it, so no -wal or -shm is left (made read-only, they refused the next run).
      expect(result.stderr).toBe('barge: error: database "ro/x.db" cannot be written: no write permission on the file; check its permissions');
      expect(fs.readdirSync(path.join(dir, 'ro'))).toEqual(['x.db']);
      expect(result.exitCode).toBe(3);
      expect(result.stdout).toBe('');
      expect(snapshot(db)).toEqual(before);
    });

    it('a database in a directory this user cannot write: exit 3, one line, the table unchanged', async (ctx) => {
      if (!canLimit) ctx.skip();
      const { dir, db } = await seeded();
      const before = snapshot(db, true);
      expect((before as { zipcodes: unknown[] }).zipcodes).toHaveLength(5);
      fs.chmodSync(path.join(dir, 'ro'), 0o555);
      expect(fs.readdirSync(path.join(dir, 'ro'))).toEqual(['x.db']);
      try {
        const result = await limited(dir, ['import', 'more.csv', '--table', 'zipcodes', '--db', 'ro/x.db']);
        expect(result.stderr).toBe('barge: error: database "ro/x.db" cannot be written: no write permission on its directory "ro" (SQLite keeps its -wal and -shm files there); check the permissions');
        expect(result.exitCode).toBe(3);
        expect(result.stdout).toBe('');
        expect(fs.readdirSync(path.join(dir, 'ro'))).toEqual(['x.db']);
      } finally {
        fs.chmodSync(path.join(dir, 'ro'), 0o755);
      }
      expect(snapshot(db)).toEqual(before);
    });
  });

  it('2: a database path that is a directory', async () => {
    const dir = workdir();
    const result = await barge(dir, ['import', 'fixtures/zipcodes.csv', '--db', 'fixtures']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim()).toBe('barge: error: database "fixtures" is a directory; pass a file path with --db');
  });

  it('0 and 1 by outcome; no stack trace without --debug, one with it', async () => {
    const dir = workdir();
    await importMakers(dir);
    const bad = await barge(dir, ['import', 'fixtures/bad/products-bad-price.csv', '--schema', 'fixtures/products.schema.json']);
    expect(bad.exitCode).toBe(1);
    const told = bad.stderr.split('\n');
    expect([told[0], told[1], told[3], told[4]]).toEqual([
      'barge: import of fixtures/bad/products-bad-price.csv into "products": failed: 1 record rejected, rolled back, nothing was written',
      '  read 12, inserted 0, rejected 1',
      '  fixtures/bad/products-bad-price.csv:line 7, column "price": expected a number >= 0, got "-3"',
      `  report: ${path.join(fs.realpathSync(dir), 'products-bad-price.errors.ndjson')} (fix these records in the input and import it again: nothing was written)`,
    ]);
    expect(told).toHaveLength(5);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    expect(readNdjson(path.join(dir, 'products-bad-price.errors.ndjson'))).toMatchObject([
      { _barge_line: 7, _barge_errors: [{ column: 'price', message: 'line 7, column "price": expected a number >= 0, got "-3"', value: '-3' }], id: 'P-6', price: '-3' },
    ]);
    expect(rows(path.join(dir, 'barge.db'), "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")).toEqual([{ name: '_barge_jobs' }, { name: '_barge_schemas' }, { name: 'makers' }]);
    const debug = await barge(dir, ['import', 'nope.csv', '--debug']);
    expect(debug.exitCode).toBe(2);
    const traced = debug.stderr.split('\n');
    expect(traced.slice(0, 2)).toEqual(['barge: error: cannot read input "nope.csv": no such file', 'BargeError: cannot read input "nope.csv": no such file']);
    expect(traced[2]).toMatch(/^ {4}at /);
  });

  it('--help lists the import options; --version prints the version', async () => {
    const dir = workdir();
    const help = await barge(dir, ['import', '--help']);
    expect(help.exitCode).toBe(0);
    for (const option of ['--batch-size <n>', '--mode <mode>', '--on-conflict <action>', '--truncate', '--dry-run', '--errors <path>', '--max-errors <n>', '--fail-fast', '--infer-rows <n>', '--no-header', '--encoding <name>']) {
      // Each an option's own line, not a word of another's description.
      expect(help.stdout, option).toMatch(new RegExp(`^  ${option} `, 'm'));
    }
    const version = await barge(dir, ['--version']);
    expect(version).toEqual({ exitCode: 0, stdout: (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version, stderr: '' });
  });
});
