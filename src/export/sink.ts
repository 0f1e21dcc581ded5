import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { finished, pipeline } from 'node:stream/promises';
import tty from 'node:tty';
import zlib from 'node:zlib';
import { BargeError } from '../errors.js';
import { systemErrorText } from '../system-error-text.js';
import { linkChain, linkTarget, plantedByOtherUser, statOrUndefined } from '../file-stat.js';
import { onAbruptExit } from '../exit-cleanups.js';

/** Where an export's text goes: a file (written aside, renamed into place) or stdout. */
export interface Sink {
  write(text: string | Uint8Array): Promise<void>;
  /** Everything written: the file is in place. */
  finish(): Promise<void>;
  /** A failed or interrupted export: no partial file is left behind. */
  discard(): Promise<void>;
  /** The reader of stdout went away (EPIPE). */
  readonly closed: boolean;
  /**
   * Written in place (stdout, a descriptor, a device or named pipe): what was written stays
   * when the export fails. Otherwise (a file written aside) a failed export leaves nothing.
   */
  readonly inPlace: boolean;
}

/**
 * The descriptor --out names and is written through (outDescriptor), settled before barge opens
 * any file of its own: `fd` undefined for a file opened by its path.
 */
export interface OutDescriptor {
  fd: number | undefined;
}

/**
 * What --out names, looked at before the database is opened: the very file stdout (or stderr)
 * has open is written through that descriptor, at its offset (written beside and renamed over,
 * `--out log.csv >> log.csv` lost the log's earlier lines); /dev/fd/N the shell opened, through
 * N. Looked at once the database was open, a /dev/fd/N the shell did not open could be one of
 * the database's own (its -shm or -wal file): the rows were written into it, exit 0.
 */
export function outDescriptor(out: string): OutDescriptor {
  const fd = descriptorOf(out) ?? (isDescriptorOf(out, 1) ? 1 : isDescriptorOf(out, 2) ? 2 : undefined);
  // /dev/fd/5 (or /proc/self/fd/5) when the shell opened no 5 (Node's own 5, an event poll,
  // leads to no file): the temporary file's directory, named in the message, was /proc/<pid>/fd.
  const unopened = fd === undefined && statOrUndefined(linkTarget(out)) === undefined ? descriptorNumber(out) : undefined;
  if (unopened !== undefined) {
    // A pipe the shell gave (`--out >(gzip > o.gz)`, /dev/fd/63) was "not open", which it is.
    // (Not written: a blocked write to a pipe would hold a thread a signal cannot free.)
    if (isShellPipe(unopened)) throw new BargeError('usage', `cannot write ${out}: descriptor ${unopened} is a pipe, which barge writes only as stdout: pass --out - and redirect it (barge export … --out - > >(…))`);
    throw new BargeError('usage', `cannot write ${out}: file descriptor ${unopened} is not open (a shell opens it with ${unopened}>file)`);
  }
  return { fd };
}

export function openSink(config: { out?: string; gzip: boolean }, stdout: NodeJS.WritableStream, planned?: OutDescriptor): Sink {
  if (config.out === undefined) return streamSink(stdout, '-');
  const { fd } = planned ?? outDescriptor(config.out);
  if (fd === 1 && !config.gzip) return streamSink(stdout, config.out);
  if (fd !== undefined) return descriptorSink(fd, config.out, config.gzip);
  return fileSink(config.out, config.gzip);
}

/**
 * Whether rows sent to `out` (undefined or "-": stdout) land on the process's stdout: a path
 * naming descriptor 1 (/dev/stdout, /dev/fd/1, /proc/self/fd/1) or the very file descriptor 1
 * has open (`--out o.csv > o.csv`, the terminal's /dev/pts/N). Such an --out is stdout for
 * --json and the progress bar: `--out /dev/stdout --json` mixed the rows and the summary.
 */
export function isProcessStdout(out: string | undefined): boolean {
  return out === undefined || out === '-' || isDescriptorOf(out, 1);
}

/** The same for stderr (fd 2), where the progress bar is drawn. */
export function isProcessStderr(out: string | undefined): boolean {
  return out !== undefined && out !== '-' && isDescriptorOf(out, 2);
}

/**
 * Whether `out` names descriptor `fd`, or the very file it has open. /dev/null is not counted:
 * what goes there is read by no one, and stdout is often it too (`--out /dev/null --json`).
 */
function isDescriptorOf(out: string, fd: number): boolean {
  if (descriptorOf(out) === fd) return true;
  let open: fs.Stats;
  let target: fs.Stats;
  try {
    open = fs.fstatSync(fd);
    target = fs.statSync(out);
  } catch {
    return false;
  }
  if (open.dev !== target.dev || open.ino !== target.ino) return false;
  return !open.isCharacterDevice() || tty.isatty(fd);
}

/**
 * The descriptor an --out such as /dev/stdout, /dev/stderr or /dev/fd/3 names: written to as it
 * is, at its offset (`>> log` appends). Followed as a symlink, /dev/stdout led to the file the
 * shell had opened for it, which was then replaced: `barge export --out /dev/stdout >> log`
 * lost the log's earlier lines, and a group's other output (`{ echo a; barge …; } > log`).
 */
function descriptorOf(out: string): number | undefined {
  for (const current of linkChain(path.resolve(out))) {
    const named = /^\/dev\/(stdout|stderr)$/.exec(current);
    if (named) return named[1] === 'stdout' ? 1 : 2;
    const numbered = /^\/(?:dev|proc\/(?:self|thread-self|\d+))\/fd\/(\d+)$/.exec(current);
    if (numbered && (!/^\/proc\/\d+\//.test(current) || current.startsWith(`/proc/${process.pid}/`))) {
      const fd = Number(numbered[1]);
      // Beyond stdout and stderr, only a regular file the shell opened (`3>> log`): Node's own
      // descriptors (its event loop's pipes and polls) are not for writing, and a pipe or
      // device is opened again by its path as before.
      if (fd <= 2) return fd;
      return isRegularFile(fd) ? fd : undefined;
    }
  }
  return undefined;
}

/** N of a path /dev/fd/N or /proc/self/fd/N (as given, not followed). */
function descriptorNumber(out: string): number | undefined {
  const numbered = /^(?:\/dev\/fd|\/proc\/(?:self|thread-self|\d+)\/fd)\/(\d+)$/.exec(out)?.[1];
  return numbered === undefined ? undefined : Number(numbered);
}

/**
 * Whether `fd` is a pipe of which this process holds one end only, as a shell's `>(…)` gives
 * it: the event loop's own pipes (libuv's wake-ups, signals) are made in pairs, both ends here.
 */
function isShellPipe(fd: number): boolean {
  let ino: number;
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFIFO()) return false;
    ino = stat.ino;
  } catch {
    return false;
  }
  let ends = 0;
  try {
    for (const other of fs.readdirSync('/proc/self/fd')) {
      try {
        if (fs.readlinkSync(`/proc/self/fd/${other}`) === `pipe:[${ino}]`) ends++;
      } catch {
        // Closed meanwhile (the readdir's own descriptor).
      }
    }
  } catch {
    return false;
  }
  return ends === 1;
}

function isRegularFile(fd: number): boolean {
  try {
    return fs.fstatSync(fd).isFile();
  } catch {
    return false;
  }
}

/** An open descriptor of this process: written in place, left open. */
function descriptorSink(fd: number, out: string, gzip: boolean): Sink {
  return writeStreamSink(fs.createWriteStream('', { fd, autoClose: false, highWaterMark: 1 << 20 }), gzip, out, systemErrorText);
}

/**
 * A sink over a file's write stream (gzipped on the way when asked): writes with backpressure,
 * finish() ends it and waits until all is written, discard() drops it. `describe` words a
 * write failure for the message.
 */
function writeStreamSink(file: fs.WriteStream, gzip: boolean, out: string, describe: (error: unknown) => string): Sink {
  const gz = gzip ? zlib.createGzip() : undefined;
  const target: NodeJS.WritableStream = gz ?? file;
  let failure: unknown;
  // Settles on finish, error or destroy (discard), so nothing is left waiting.
  const done = (gz ? pipeline(gz, file) : finished(file)).catch((error: unknown) => {
    failure ??= error;
  });
  const check = () => {
    if (failure !== undefined) throw new BargeError('io', `cannot write ${out}: ${describe(failure)}`, { cause: failure });
  };
  return {
    closed: false,
    inPlace: true,
    async write(text) {
      check();
      if (text.length === 0) return;
      if (!target.write(text)) await drained(target).catch((error: unknown) => { failure ??= error; });
      check();
    },
    async finish() {
      target.end();
      await done;
      check();
    },
    async discard() {
      (gz ?? file).destroy();
      file.destroy();
      await done;
    },
  };
}

/** Resolves once `stream` can take more, rejects if it fails meanwhile. */
function drained(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: unknown) => {
      stream.off('drain', onDrain);
      stream.off('error', onError);
      stream.off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => done();
    const onError = (error: unknown) => done(error);
    const onClose = () => done();
    stream.on('drain', onDrain);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}

/** stdout: written with backpressure and never ended (it is the process's). */
function streamSink(stream: NodeJS.WritableStream, name: string): Sink {
  let closed = false;
  let failure: unknown;
  const onError = (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') closed = true;
    else failure ??= error;
  };
  stream.on('error', onError);
  const check = () => {
    if (failure !== undefined) throw new BargeError('io', `cannot write to ${name === '-' ? 'stdout' : name}: ${systemErrorText(failure)}`, { cause: failure });
  };
  return {
    get closed() {
      return closed;
    },
    inPlace: true,
    async write(text) {
      check();
      if (closed || text.length === 0) return;
      if (!stream.write(text)) await drained(stream).catch(() => undefined);
      check();
    },
    async finish() {
      check();
    },
    async discard() {},
  };
}

/**
 * A file is written under a temporary name beside it and renamed into place at
 * the end, so a failed or interrupted export never leaves a half file where a
 * complete one is expected (or over the previous complete one).
 */
export function fileSink(out: string, gzip: boolean): Sink {
  // A symlink is followed: the file it names is written aside and renamed into place, so the
  // link stays and its file is whole or untouched (written in place, a failed export emptied
  // it and an interrupted one left half of it). A device or FIFO (/dev/stdout, a named pipe)
  // is written in place: renaming over it would replace it.
  const planted = plantedByOtherUser(out);
  if (planted !== undefined) throw new BargeError('usage', `--out ${out}: ${planted}; remove it, or pass another --out`);
  const real = linkTarget(out);
  const existing = statOrUndefined(real);
  const special = existing !== undefined && !existing.isFile();
  if (!special) removeStaleTemps(real);
  // The temporary file is created here, O_EXCL and 0600 (a name taken, by a planted symlink or a
  // file, takes the next: `-1`, `-2`…): opened with 'w', it followed a symlink another user had
  // planted at the name, and the chmod at the end made that user's target (a ~/.bashrc) 0666.
  // Created 0600 when it replaces a file (its data private until its mode is set); a new file is
  // created as a shell's redirect creates one, so the directory's default ACL applies.
  const created = special ? undefined : createTemp(real, out, existing === undefined ? 0o666 : 0o600);
  const temp = created?.path ?? real;
  const forget = special ? () => false : onAbruptExit(() => fs.rmSync(temp, { force: true }));
  // The temporary file's name would only puzzle: the message names --out, and where barge writes.
  // Node's words (`ENOSPC: no space left on device, write`) as the stdout message gives them.
  const describe = (error: unknown) => {
    const failed = error as NodeJS.ErrnoException;
    if (failed.path !== temp || special) return systemErrorText(error);
    return `cannot create a file in ${path.dirname(real)}: ${systemErrorText(error)}; the export is written beside --out, then renamed into place`;
  };
  // The temporary file is made now, not by the stream's open in the thread pool: the cleanup
  // above (a second signal) ran before that open, which then made the file as the process
  // ended, and a 0-byte `.o.csv.<pid>.barge-tmp` stayed. (A FIFO is opened by the stream:
  // opened here, it would block until a reader came.)
  const file = special ? fs.createWriteStream(temp, { highWaterMark: 1 << 20 }) : fs.createWriteStream('', { fd: created!.fd, autoClose: false, highWaterMark: 1 << 20 });
  // The replaced file's permissions when it was this user's (a 600 file stayed 600 only by luck
  // of the umask). Another user's are narrowed by the umask, never copied wider: a 0666 file
  // planted at --out left the export readable and writable by that user. A new file keeps the
  // mode it was created with.
  const me = process.geteuid?.();
  const mode = existing === undefined ? undefined : me === undefined || existing.uid === me ? existing.mode & 0o7777 : existing.mode & 0o666 & ~process.umask();
  const stream = writeStreamSink(file, gzip, out, describe);
  return {
    closed: false,
    inPlace: special,
    write: (text) => stream.write(text),
    async finish() {
      await stream.finish();
      if (special) return;
      // By the descriptor, not the path: another user could have put a link at the name by now.
      let chmodFailure: unknown;
      try {
        if (mode !== undefined) fs.fchmodSync(created!.fd, mode);
      } catch (error) {
        chmodFailure = error;
      }
      // Closed once, by the stream (its destroy closes the descriptor, autoClose or not). A failed
      // close (EIO: the file system's deferred write failed) comes as its 'error': dropped, the
      // export said it succeeded and renamed a file the disk had not kept over the old one.
      const closeFailure = await new Promise<unknown>((resolve) => {
        if (file.closed) resolve(undefined);
        else {
          file.once('error', resolve);
          file.once('close', () => resolve(undefined));
          file.destroy();
        }
      });
      try {
        if (chmodFailure !== undefined) throw chmodFailure;
        if (closeFailure !== undefined) throw closeFailure;
        fs.renameSync(temp, real);
      } catch (error) {
        fs.rmSync(temp, { force: true });
        throw new BargeError('io', `cannot write ${out}: ${systemErrorText(error)}`, { cause: error });
      } finally {
        forget();
      }
    },
    async discard() {
      await stream.discard();
      // The stream's destroy closes the descriptor (autoClose or not): closed again here, the
      // number could already be another file's.
      if (!special) fs.rmSync(temp, { force: true });
      forget();
    },
  };
}

/**
 * `.<name>.<host>.`: the start of the temporary files of exports to `real` from this machine. The
 * host is in the name so that removeStaleTemps judges only processes it can see: an export from
 * another machine into a shared directory has its own.
 */
function tempPrefix(real: string): string {
  return `.${path.basename(real)}.${os.hostname().replace(/[^A-Za-z0-9.-]/g, '_')}.`;
}

/**
 * The temporary files of earlier exports to `real` from this machine whose process is gone: an
 * export killed with kill -9 (or the machine's power) cannot remove its own, and each such kill
 * left one (18 MB in an audit) that no later export removed. A live process's file is its export
 * in progress, and stays. Best effort: a file that cannot be removed (another user's, in a
 * sticky directory) stays, and the export goes on.
 */
function removeStaleTemps(real: string): void {
  const dir = path.dirname(real);
  const prefix = tempPrefix(real);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.barge-tmp')) continue;
    // `<pid>` or `<pid>-<n>` (createTemp's next name when one was taken).
    const digits = name.slice(prefix.length, -'.barge-tmp'.length);
    if (!/^[1-9]\d{0,9}(?:-[1-9]\d{0,3})?$/.test(digits)) continue;
    const pid = Number(digits.split('-')[0]);
    if (pid === process.pid || processAlive(pid)) continue;
    try {
      const file = path.join(dir, name);
      if (fs.lstatSync(file).isFile()) fs.rmSync(file);
    } catch {
      // Not ours to remove: it stays.
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, another user's.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * The export's temporary file beside `real`, created here, synchronously, with O_EXCL (never
 * through a symlink, never over a file) and `mode`.
 */
function createTemp(real: string, out: string, mode: number): { path: string; fd: number } {
  const base = path.join(path.dirname(real), `${tempPrefix(real)}${process.pid}`);
  for (let n = 0; ; n++) {
    const temp = `${base}${n === 0 ? '' : `-${n}`}.barge-tmp`;
    try {
      return { path: temp, fd: fs.openSync(temp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_NOFOLLOW ?? 0), mode) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && n < 100) continue;
      const why = `cannot create a file in ${path.dirname(real)}: ${systemErrorText(error)}; the export is written beside --out, then renamed into place`;
      throw new BargeError('io', `cannot write ${out}: ${why}`, { cause: error });
    }
  }
}
