import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Temporary directories made by a test file, removed when the file's tests are done
 * (test/helpers/remove-temp-dirs.ts, a setup file): every e2e test copies fixtures/ and makes
 * databases, and left behind they filled the disk (76 GB of /tmp after some hundred runs).
 */
const made: string[] = [];

export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}
