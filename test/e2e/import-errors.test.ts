import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { barge, importMakers, workdir } from '../helpers/cli.js';

describe('exit codes and one-line messages', () => {
  it('2: a bad schema file names the key', async () => {
    const dir = workdir();
    const result = await barge(dir, ['import', 'fixtures/products.csv', '--schema', 'fixtures/bad/bad-type.schema.json']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/columns\.price\.type/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(fs.existsSync(path.join(dir, 'barge.db'))).toBe(false);
  });

  it('2: an unknown key in the schema file is named', async () => {
    const dir = workdir();
    const result = await barge(dir, ['import', 'fixtures/products.csv', '--schema', 'fixtures/bad/unknown-key.schema.json']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('minimum');
  });

  it('2: a missing input', async () => {
    const dir = workdir();
    const result = await barge(dir, ['import', 'nope.csv']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim()).toBe('barge: error: cannot read input "nope.csv": no such file');
  });

  it('2: bad options, with a one-line message', async () => {
    const dir = workdir();
    for (const args of [['--batch-size', '0'], ['--batch-size', '1000001'], ['--mode', 'sometimes'], ['--on-conflict', 'merge'], ['--no-header']]) {
      const result = await barge(dir, ['import', 'fixtures/products.csv', ...args]);
      expect(result.exitCode, args.join(' ')).toBe(2);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    const result = await barge(dir, ['import', 'fixtures/products.csv', '--batch-size', '0']);
    expect(result.stderr.trim()).toBe('barge: error: --batch-size must be an integer from 1 to 1000000, got "0"');
  });

  it('2: a foreign key into a table that does not exist', async () => {
    const dir = workdir();
    const result = await barge(dir, ['import', 'fixtures/products.csv', '--schema', 'fixtures/products.schema.json']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim()).toBe('barge: error: column "maker_id" references makers.id, but table "makers" does not exist; import "makers" first');
  });

  it('3: a database that cannot be written', async () => {
    const dir = workdir();
    fs.mkdirSync(path.join(dir, 'ro'));
    fs.writeFileSync(path.join(dir, 'ro', 'x.db'), 'this is not a database, just text that is long enough to have a header.............................');
    const result = await barge(dir, ['import', 'fixtures/zipcodes.csv', '--db', 'ro/x.db']);
    expect(result.exitCode).toBe(3);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('ro/x.db');
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
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const debug = await barge(dir, ['import', 'nope.csv', '--debug']);
    expect(debug.exitCode).toBe(2);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });

  it('--help lists the import options; --version prints the version', async () => {
    const dir = workdir();
    const help = await barge(dir, ['import', '--help']);
    expect(help.exitCode).toBe(0);
    for (const option of ['--batch-size', '--mode', '--on-conflict', '--truncate', '--dry-run', '--errors', '--max-errors', '--fail-fast', '--infer-rows', '--no-header', '--encoding']) {
      expect(help.stdout).toContain(option);
    }
    const version = await barge(dir, ['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
