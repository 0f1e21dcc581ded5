import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { BIN } from './cli.js';

/**
 * Whether this machine gives private mount namespaces with a read-only tmpfs (unshare -rm): how
 * the tests make a read-only file system, or a full one, without root's bypass of permissions.
 */
export async function canMountReadOnly(dir: string): Promise<boolean> {
  fs.mkdirSync(path.join(dir, 'm'), { recursive: true });
  const probe = await execa('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs m && mount -o remount,ro m'], { cwd: dir, reject: false });
  return probe.exitCode === 0;
}

/** Runs a shell script in a private mount namespace, in `dir`; $BARGE is the CLI. */
export async function inNamespace(dir: string, script: string): Promise<void> {
  const result = await execa('unshare', ['-rm', 'sh', '-c', `set -u\n${script}`], {
    cwd: dir,
    reject: false,
    env: { ...process.env, BARGE: `node ${BIN}`, BARGE_DB: '', BARGE_DEBUG: '', NO_COLOR: '1' },
  });
  if (result.exitCode !== 0) throw new Error(`namespace script failed (${result.exitCode}): ${result.stderr}`);
}
