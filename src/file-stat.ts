import fs from 'node:fs';

/** A file's stat (symlinks followed), or undefined when there is none. */
export function statOrUndefined(path: string): fs.Stats | undefined {
  try {
    return fs.statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Why this user cannot write `path` (a file, or a directory to create files in), in words, or
 * undefined when it can. access(2) rather than a trial write, which would leave a file: it sees
 * permissions and a read-only file system (root passes every permission check, not that one).
 */
export function writeProblem(path: string): string | undefined {
  try {
    fs.accessSync(path, fs.constants.W_OK);
    return undefined;
  } catch (error) {
    switch ((error as NodeJS.ErrnoException).code) {
      case 'EACCES':
      case 'EPERM':
        return 'permission denied';
      case 'EROFS':
        return 'read-only file system';
      default:
        return (error as Error).message;
    }
  }
}
