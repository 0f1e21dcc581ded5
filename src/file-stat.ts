import fs from 'node:fs';
import path from 'node:path';

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

/**
 * The path, then each path its symlinks lead to (at most 40 hops). A relative link is read from
 * its directory as the system finds it: `via/l.csv -> ../nodir/x.csv` with `via` itself a link to
 * `real/sub` leads to `real/nodir/x.csv` (taken from the path's text, it led to `./nodir/x.csv`,
 * and an export wrote there).
 */
export function* linkChain(file: string): Generator<string> {
  let current = file;
  for (let hops = 0; hops < 40; hops++) {
    yield current;
    if (!lstatOrUndefined(current)?.isSymbolicLink()) return;
    current = path.resolve(realpathOr(path.dirname(current)), fs.readlinkSync(current));
  }
  yield current;
}

/** The file a path names once its symlinks are followed (the path itself when it is none); it need not exist. */
export function linkTarget(file: string): string {
  let last = file;
  for (const current of linkChain(file)) last = current;
  return last;
}

/** A path's own stat (a symlink not followed), or undefined when there is none or it cannot be read. */
export function lstatOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(file);
  } catch {
    return undefined;
  }
}

function realpathOr(dir: string): string {
  try {
    return fs.realpathSync(dir);
  } catch {
    return dir;
  }
}

/**
 * Why barge will not write `file` for this user, or undefined: a symlink in its chain, or a
 * FIFO, owned by another user (root's, such as /dev/stdout, are the system's). In a shared
 * directory (/tmp, a group-writable data directory) another user can plant either at a path a
 * cron job writes: a symlink made an export or a report overwrite (and chmod) any file of the
 * user running barge, and a FIFO leaked its rows or hung it. As Linux's protected_symlinks
 * and protected_fifos refuse, but for directories they do not cover, and for root too.
 */
export function plantedByOtherUser(file: string, { regularToo = false }: { regularToo?: boolean } = {}): string | undefined {
  const me = process.geteuid?.();
  if (me === undefined) return undefined;
  for (const current of linkChain(file)) {
    const stat = lstatOrUndefined(current);
    if (stat === undefined) return undefined;
    // Not planted: this user's, root's, or its directory owner's (a service's own deploy link,
    // `current.db -> releases/v1.db`), as protected_symlinks allows.
    const foreign = stat.uid !== me && stat.uid !== 0 && stat.uid !== lstatOrUndefined(path.dirname(current))?.uid;
    if (stat.isSymbolicLink() && foreign) return `${current} is a symbolic link of another user's (uid ${stat.uid}), which barge does not write through`;
    if (stat.isFIFO() && foreign) return `${current} is a named pipe of another user's (uid ${stat.uid}), which barge does not write into`;
    // A report is written in place: into another user's file (made first, 0666), that user
    // read every rejected record.
    if (regularToo && stat.isFile() && foreign) return `${current} is another user's file (uid ${stat.uid}), which barge does not write into`;
  }
  return undefined;
}
