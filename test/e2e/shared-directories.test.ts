import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { barge, workdir } from '../helpers/cli.js';

/**
 * barge run from cron in a directory other users can write (/tmp, a group's data directory):
 * a symlink or a FIFO another user planted at a path barge writes is refused, not followed.
 * Another user is played by uid 65534 (lchown as root): skipped unless root.
 */

const root = process.getuid?.() === 0;

/** A symlink at `link` to `target`, owned by another user. */
function plant(link: string, target: string): void {
  fs.symlinkSync(target, link);
  fs.lchownSync(link, 65534, 65534);
}

describe.skipIf(!root)('paths another user planted (skipped unless root)', () => {
  it('the default report: a name another user planted is stepped aside from (the symlink\'s target, a ~/.bashrc, was truncated and filled with rejected records)', async () => {
    const dir = workdir();
    const victim = path.join(dir, 'victim');
    fs.writeFileSync(victim, 'secret\n');
    fs.writeFileSync(path.join(dir, 'd.csv'), 'id\nx\n');
    fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({ table: 'd', columns: { id: { type: 'integer' } } }));
    plant(path.join(dir, 'd.errors.ndjson'), victim);
    const result = await barge(dir, ['import', 'd.csv', '--schema', 's.json', '--mode', 'row', '--json']);
    expect(result.exitCode).toBe(1);
    expect(JSON.parse(result.stdout).reportPath).toBe(path.join(fs.realpathSync(dir), 'd.errors-2.ndjson'));
    expect(fs.readFileSync(victim, 'utf8')).toBe('secret\n');
  });

  it('--errors and --db: refused the same way (an empty file another user\'s link named was made a database)', async () => {
    const dir = workdir();
    const victim = path.join(dir, 'victim');
    fs.writeFileSync(victim, '');
    fs.writeFileSync(path.join(dir, 'd.csv'), 'id\n1\n');
    plant(path.join(dir, 'r.ndjson'), victim);
    const errors = await barge(dir, ['import', 'd.csv', '--errors', 'r.ndjson']);
    expect(errors.exitCode).toBe(2);
    expect(errors.stderr).toBe(`barge: error: --errors r.ndjson: ${path.join(fs.realpathSync(dir), 'r.ndjson')} is a symbolic link of another user's (uid 65534), which barge does not write through; remove it or pass another --errors`);
    plant(path.join(dir, 'data.db'), victim);
    const db = await barge(dir, ['import', 'd.csv', '--db', 'data.db']);
    expect(db.exitCode).toBe(2);
    expect(db.stderr).toBe('barge: error: database "data.db": data.db is a symbolic link of another user\'s (uid 65534), which barge does not write through; remove it, or pass another --db');
    expect(fs.readFileSync(victim, 'utf8')).toBe('');
  });

  it('this user\'s own symlink and root\'s (/dev/stdout) are written through as before', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'd.csv'), 'id\n1\n');
    expect((await barge(dir, ['import', 'd.csv', '--quiet'])).exitCode).toBe(0);
    fs.writeFileSync(path.join(dir, 'real.csv'), '');
    fs.symlinkSync(path.join(dir, 'real.csv'), path.join(dir, 'mine.csv'));
    expect((await barge(dir, ['export', '--table', 'd', '--out', 'mine.csv', '--quiet'])).exitCode).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'real.csv'), 'utf8')).toBe('id\n1\n');
    expect(fs.lstatSync(path.join(dir, 'mine.csv')).isSymbolicLink()).toBe(true);
    const stdout = await barge(dir, ['export', '--table', 'd', '--out', '/dev/stdout', '--quiet']);
    expect(stdout.exitCode, stdout.stderr).toBe(0);
    expect(stdout.stdout).toBe('id\n1');
  });
});

it.skipIf(!root)('another user\'s file at the default report\'s path is not written into: the next name is taken (a 0666 file made first let that user read every rejected record); an --errors naming one is refused (skipped unless root)', async () => {
  const dir = workdir();
  fs.writeFileSync(path.join(dir, 'd.csv'), 'id\nx\n');
  fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({ table: 'd', columns: { id: { type: 'integer' } } }));
  const report = path.join(dir, 'd.errors.ndjson');
  fs.writeFileSync(report, '');
  fs.chmodSync(report, 0o666);
  fs.chownSync(report, 65534, 65534);
  const result = await barge(dir, ['import', 'd.csv', '--schema', 's.json', '--json']);
  expect(result.exitCode).toBe(1);
  expect(JSON.parse(result.stdout).reportPath).toBe(path.join(fs.realpathSync(dir), 'd.errors-2.ndjson'));
  expect(fs.readFileSync(report, 'utf8')).toBe('');
  const named = await barge(dir, ['import', 'd.csv', '--schema', 's.json', '--errors', 'd.errors.ndjson']);
  expect(named.exitCode).toBe(2);
  expect(named.stderr).toBe(`barge: error: --errors d.errors.ndjson: ${report.replace(dir, fs.realpathSync(dir))} is another user's file (uid 65534), which barge does not write into; remove it or pass another --errors`);
});

it.skipIf(!root)('a link owned by the owner of its directory is not planted (a service\'s current.db -> releases/v1.db): read and written as before (skipped unless root)', async () => {
  const dir = workdir();
  const service = path.join(dir, 'svc');
  fs.mkdirSync(path.join(service, 'releases'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'd.csv'), 'id\n1\n');
  expect((await barge(dir, ['import', 'd.csv', '--db', path.join(service, 'releases', 'v1.db'), '--quiet'])).exitCode).toBe(0);
  fs.symlinkSync(path.join(service, 'releases', 'v1.db'), path.join(service, 'current.db'));
  fs.lchownSync(path.join(service, 'current.db'), 65534, 65534);
  fs.chownSync(service, 65534, 65534);
  const stats = await barge(dir, ['stats', '--db', path.join(service, 'current.db'), '--json']);
  expect(stats.exitCode, stats.stderr).toBe(0);
  const imported = await barge(dir, ['import', 'd.csv', '--db', path.join(service, 'current.db'), '--quiet']);
  expect(imported.exitCode, imported.stderr).toBe(0);
});
