import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAbruptExitCleanups } from '../../src/exit-cleanups.js';
import { fileSink } from '../../src/export/sink.js';

describe('an export file sink and an abrupt exit', () => {
  it('the temporary file exists from the start, so the cleanup of a second signal removes it (the stream opened it later, and a 0-byte one stayed)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-sink-'));
    try {
      const out = path.join(dir, 'o.csv');
      const sink = fileSink(out, false);
      // Made at once, beside --out.
      expect(fs.readdirSync(dir).filter((name) => name.endsWith('.barge-tmp'))).toHaveLength(1);
      runAbruptExitCleanups();
      // Nothing is opened later behind the cleanup's back.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(fs.readdirSync(dir)).toEqual([]);
      await sink.discard();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('an export file sink in a shared directory', () => {
  const host = os.hostname().replace(/[^A-Za-z0-9.-]/g, '_');

  it('a symlink planted at its temporary name is not followed: the next name is taken, the link\'s target is untouched (it was overwritten, then made 0666)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-sink-'));
    try {
      const victim = path.join(dir, 'victim');
      fs.writeFileSync(victim, 'secret\n', { mode: 0o600 });
      const out = path.join(dir, 'o.csv');
      fs.symlinkSync(victim, path.join(dir, `.o.csv.${host}.${process.pid}.barge-tmp`));
      const sink = fileSink(out, false);
      // Written to its own file.
      const temp = path.join(dir, `.o.csv.${host}.${process.pid}-1.barge-tmp`);
      expect(fs.lstatSync(temp).isFile()).toBe(true);
      sink.write('a,b\n');
      await sink.finish();
      expect(fs.readFileSync(victim, 'utf8')).toBe('secret\n');
      expect(fs.statSync(victim).mode & 0o777).toBe(0o600);
      expect(fs.readFileSync(out, 'utf8')).toBe('a,b\n');
      // Renamed into place with the umask's mode (no file was there before).
      expect(fs.statSync(out).mode & 0o777).toBe(0o666 & ~process.umask());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(process.getuid?.() !== 0)('another user\'s symlink at --out is refused; another user\'s file there is replaced with this user\'s mode, not its 0666 (skipped unless root)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-sink-'));
    try {
      const victim = path.join(dir, 'victim');
      fs.writeFileSync(victim, 'secret\n', { mode: 0o600 });
      const link = path.join(dir, 'l.csv');
      fs.symlinkSync(victim, link);
      fs.lchownSync(link, 65534, 65534);
      expect(() => fileSink(link, false)).toThrow(`--out ${link}: ${link} is a symbolic link of another user's (uid 65534), which barge does not write through; remove it, or pass another --out`);
      expect(fs.readFileSync(victim, 'utf8')).toBe('secret\n');
      const planted = path.join(dir, 'p.csv');
      fs.writeFileSync(planted, '', { mode: 0o666 });
      fs.chmodSync(planted, 0o666);
      fs.chownSync(planted, 65534, 65534);
      const sink = fileSink(planted, false);
      sink.write('x\n');
      await sink.finish();
      expect(fs.statSync(planted).uid).toBe(0);
      expect(fs.statSync(planted).mode & 0o777).toBe(0o666 & ~process.umask());
      // Replacing a private file: 0600 while it is written, its own mode after (another user's
      // 0600 stays 0600: only narrowed by the umask).
      const secret = path.join(dir, 's.csv');
      fs.writeFileSync(secret, 'old\n', { mode: 0o600 });
      fs.chownSync(secret, 65534, 65534);
      const replacing = fileSink(secret, false);
      const temp = fs.readdirSync(dir).find((name) => name.startsWith('.s.csv.'))!;
      expect(fs.statSync(path.join(dir, temp)).mode & 0o777).toBe(0o600);
      replacing.write('new\n');
      await replacing.finish();
      expect(fs.statSync(secret).mode & 0o777).toBe(0o600);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
