import fs from 'node:fs';
import { BargeError } from '../errors.js';

/**
 * Refuses an input that is the database itself (or its -wal, -shm or -journal file), by any
 * name or link, or as stdin redirected from it: read as text, a live SQLite file gave an
 * "invalid UTF-8 … pass --encoding latin1" hint, and with it, rows of the file's bytes.
 */
export function refuseDatabaseAsInput(inputs: readonly string[], dbPath: string): void {
  const files = ['', '-wal', '-shm', '-journal'].map((suffix) => statOf(() => fs.statSync(dbPath + suffix))).filter((stat) => stat !== undefined);
  if (files.length === 0) return;
  for (const input of inputs) {
    const stat = input === '-' ? statOf(() => fs.fstatSync(0)) : statOf(() => fs.statSync(input));
    if (stat === undefined || !stat.isFile()) continue;
    if (files.some((file) => file.dev === stat.dev && file.ino === stat.ino)) {
      const name = input === '-' ? 'stdin (redirected from it)' : `input "${input}"`;
      throw new BargeError('usage', `${name} is the database itself (--db ${dbPath}); give the file to import`, { input: input === '-' ? 'stdin' : input });
    }
  }
}

function statOf(read: () => fs.Stats): fs.Stats | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
