import fs from 'node:fs';
import path from 'node:path';
import { BargeError } from '../errors.js';

/**
 * Refuses an input that is the database itself (or its -wal, -shm or -journal file), by any
 * name or link, or as stdin redirected from it: read as text, a live SQLite file gave an
 * "invalid UTF-8 … pass --encoding latin1" hint, and with it, rows of the file's bytes.
 */
export function refuseDatabaseAsInput(inputs: readonly string[], dbPath: string): void {
  const suffixes = ['', '-wal', '-shm', '-journal'];
  const files = suffixes.map((suffix) => statOf(() => fs.statSync(dbPath + suffix))).filter((stat) => stat !== undefined);
  // No database yet (`barge import barge.db data.csv`, the database's name taken for an input):
  // it was created, then read as an input ("barge.db:1: invalid UTF-8 …"). Compared by path.
  const paths = files.length === 0 ? suffixes.map((suffix) => wherePathLeads(dbPath + suffix)) : [];
  for (const input of inputs) {
    if (files.length === 0) {
      if (input !== '-' && paths.includes(wherePathLeads(input))) throw databaseAsInput(input, dbPath);
      continue;
    }
    const stat = input === '-' ? statOf(() => fs.fstatSync(0)) : statOf(() => fs.statSync(input));
    if (stat === undefined || !stat.isFile()) continue;
    if (files.some((file) => file.dev === stat.dev && file.ino === stat.ino)) throw databaseAsInput(input, dbPath);
  }
}

function databaseAsInput(input: string, dbPath: string): BargeError {
  const name = input === '-' ? 'stdin (redirected from it)' : `input "${input}"`;
  return new BargeError('usage', `${name} is the database itself (--db ${dbPath}); give the file to import`, { input: input === '-' ? 'stdin' : input });
}

/**
 * The absolute path a path names, its directory's symbolic links followed (`./x.db`,
 * `/abs/x.db` and `link-to-dir/x.db` alike); the file itself need not exist.
 */
function wherePathLeads(file: string): string {
  const absolute = path.resolve(file);
  try {
    return path.join(fs.realpathSync(path.dirname(absolute)), path.basename(absolute));
  } catch {
    return absolute;
  }
}

function statOf(read: () => fs.Stats): fs.Stats | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
