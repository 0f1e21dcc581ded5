import fs from 'node:fs';

/** A file's stat (symlinks followed), or undefined when there is none. */
export function statOrUndefined(path: string): fs.Stats | undefined {
  try {
    return fs.statSync(path);
  } catch {
    return undefined;
  }
}
