import fs from 'node:fs';

/**
 * The first `bytes` of a regular file, as text; undefined for anything else. A named pipe or a
 * process substitution is not opened: its reader would take those bytes from the import.
 */
export function readHead(file: string, bytes = 64 * 1024): string | undefined {
  return headBytes(file, bytes)?.toString('utf8');
}

/** readHead's bytes, undecoded. */
export function headBytes(file: string, bytes: number): Buffer | undefined {
  let fd: number | undefined;
  try {
    if (!fs.statSync(file).isFile()) return undefined;
    fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(bytes);
    return head.subarray(0, fs.readSync(fd, head, 0, head.length, 0));
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
