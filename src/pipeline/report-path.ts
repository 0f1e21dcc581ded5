import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BargeError } from '../errors.js';
import { plantedByOtherUser, statOrUndefined, writeProblem } from '../file-stat.js';
import { reportFormatOf } from '../report/error-report.js';
import { resumeCommandOf } from '../store/resume-command.js';
import type { ImportConfig } from './import-config.js';
import { inputBaseName, reportName } from './resolve-schema.js';

/**
 * `<input base name>.errors.ndjson` in the working directory (`stdin.errors.ndjson` for `-`).
 * A retry of a report numbers its own report on: `products.errors.ndjson` ->
 * `products.errors-2.ndjson`, `products.errors-2.ndjson` -> `products.errors-3.ndjson`, so that
 * an earlier round's report is not written over.
 */
export function defaultReportPath(firstInput: string): string {
  if (firstInput === '-') return 'stdin.errors.ndjson';
  const report = reportName(firstInput);
  if (report) return `${report.table}.errors-${report.round + 1}.ndjson`;
  return `${inputBaseName(firstInput)}.errors.ndjson`;
}

/** What reportPathFor reads: a validate gives no mode and never resumes. */
type ReportConfig = Pick<ImportConfig, 'errorsPath' | 'inputs'> & Partial<Pick<ImportConfig, 'mode' | 'resume' | 'dbPath' | 'dbIsDefault'>>;

/**
 * The error report's absolute path: --errors, else the default. Never one of the
 * inputs: the report is opened (truncated) while the inputs are still read, so
 * re-importing a fixed report (`barge import products.errors.ndjson`) would
 * destroy the records not read yet. The default steps aside to
 * `<base>.errors-2.ndjson`, -3...; an --errors naming an input is a usage error. stdin
 * redirected from a file counts as that file; stdin's default report never replaces an
 * earlier one. A report that could not be written is refused here too (see whyUnwritable).
 */
export function reportPathFor(config: ReportConfig): string {
  const inputs = config.inputs.filter((input) => input !== '-').map((input) => path.resolve(input));
  // Each input's file as the system knows it (links, other spellings), read once; stdin
  // redirected from a file (`barge import - < stdin.errors.ndjson`) is that file.
  const files = inputs.map(statOrUndefined);
  if (config.inputs.includes('-')) files.push(fdStatOf(0));
  const isInput = (file: string) => {
    if (inputs.includes(file)) return true;
    const stat = statOrUndefined(file);
    return stat !== undefined && files.some((input) => input !== undefined && input.dev === stat.dev && input.ino === stat.ino);
  };
  if (config.errorsPath !== undefined) {
    const explicit = path.resolve(config.errorsPath);
    const { name, instead } = termsFor(config, config.errorsPath);
    // A resumed job's report is its own, whoever runs the resume (root resuming a service's job).
    const planted = plantedByOtherUser(explicit, { regularToo: config.resume === undefined });
    if (planted !== undefined) throw new BargeError('usage', `${name}: ${planted}; ${instead('remove it')}`);
    if (isInput(explicit)) throw new BargeError('usage', `${name} is also an input: the report would overwrite it while it is read; ${instead()}`);
    // Found now rather than at the first rejected record, when batches may have been committed.
    const dir = path.dirname(config.errorsPath);
    if (!fs.existsSync(path.dirname(explicit))) throw new BargeError('usage', `${name}: the directory ${dir} does not exist; ${instead('create it')}`);
    if (!fs.statSync(path.dirname(explicit)).isDirectory()) throw new BargeError('usage', `${name}: ${dir} is not a directory; ${instead(config.resume ? 'make it one' : undefined)}`);
    if (fs.existsSync(explicit) && fs.statSync(explicit).isDirectory()) throw new BargeError('usage', `${name} is a directory; ${config.resume ? instead('move it away') : 'give a file path'}`);
    reportFormatOf(config.errorsPath);
    const unwritable = whyUnwritable(explicit, dir);
    if (unwritable) throw new BargeError('usage', `${name}: ${unwritable}; ${config.resume ? instead('fix its permissions') : 'pass another --errors or fix its permissions'}`);
    return explicit;
  }
  let candidate = path.resolve(defaultReportPath(config.inputs[0]!));
  // Still an input (a retry's report named among the inputs): the next number that is not.
  // stdin's report steps aside from any earlier one too: a pipe (`cat stdin.errors.ndjson |
  // barge import -`) cannot be told from another, and the file may be the one it reads.
  // So does a report's retry: `products.errors.csv` and `products.errors.ndjson` both number
  // theirs -2, and the second wrote over the first's.
  const stepsAside = config.inputs[0] === '-' || reportName(config.inputs[0]!) !== undefined;
  // A symlink, FIFO or file another user has at the default's name (a shared directory): the
  // next name, as for an input (refused, a clean run that would write no report failed).
  const plantedAt = (file: string) => plantedByOtherUser(file, { regularToo: true }) !== undefined;
  const taken = stepsAside ? (file: string) => isInput(file) || fs.existsSync(file) || plantedAt(file) : (file: string) => isInput(file) || plantedAt(file);
  if (stepsAside && taken(candidate)) candidate = afterHighestNumbered(candidate);
  while (taken(candidate)) candidate = nextReportName(candidate);
  const unwritable = whyUnwritable(candidate, 'the working directory');
  if (unwritable === undefined) return candidate;
  // Where a report failing midway would strand committed batches: refused before the first.
  if (config.mode === 'batch' || config.mode === 'row') {
    throw new BargeError('usage', `the error report ${path.basename(candidate)}: ${unwritable}; pass --errors with a path in a writable directory, or fix its permissions`);
  }
  // An atomic job or a validate run from a directory it cannot write (a read-only CI checkout):
  // a clean run needs no report, but the first rejected record failed the run with exit 3 ("cannot
  // write the error report") and no word of which record it was. The report goes to the
  // temporary directory instead, where the summary's report line finds it (reportMoved): in a
  // directory of its own (a fixed name in a shared /tmp could be another user's, or a symlink).
  // One directory per report name for the process: a split validate that starts again on one
  // thread asks again (it made a second directory, and said so twice).
  let dir = movedReportDirs.get(candidate);
  if (dir !== undefined) return path.join(dir, path.basename(candidate));
  try {
    dir = path.resolve(fs.mkdtempSync(path.join(os.tmpdir(), REPORT_DIR_PREFIX)));
  } catch {
    return candidate;
  }
  movedReportDirs.set(candidate, dir);
  // Left empty by a run that rejected nothing: removed as the process ends.
  process.once('exit', () => {
    try {
      fs.rmdirSync(dir);
    } catch {
      // Not empty (the report is in it), or gone: as it is.
    }
  });
  return path.join(dir, path.basename(candidate));
}

/** The name of the directory a moved report goes to, in the temporary directory. */
const REPORT_DIR_PREFIX = 'barge-report-';

/** The directories reports were moved to in this process, by the report's name in the working directory. */
const movedReportDirs = new Map<string, string>();

/**
 * The warning for a default report moved to the temporary directory (reportPathFor), or
 * undefined when it is where it was to be.
 */
export function reportMoved(config: ReportConfig, reportPath: string): string | undefined {
  const dir = path.dirname(reportPath);
  if (config.errorsPath !== undefined || path.dirname(dir) !== path.resolve(os.tmpdir()) || !path.basename(dir).startsWith(REPORT_DIR_PREFIX)) return undefined;
  return `the working directory cannot be written: the error report, if any record is rejected, goes to ${reportPath} (pass --errors to choose where)`;
}

/**
 * For a default report that steps aside from earlier ones (stdin's, a retry's; see reportPathFor):
 * the name after one found taken when the report is made, for ErrorReport to claim (O_EXCL).
 */
export function nextFreeReportPath(config: ReportConfig): ((taken: string) => string) | undefined {
  if (config.errorsPath !== undefined) return undefined;
  if (config.inputs[0] !== '-' && reportName(config.inputs[0]!) === undefined) return undefined;
  return nextReportName;
}

/**
 * The name after the highest numbered report beside `file` (`x.errors-7.ndjson` after
 * `x.errors-6.ndjson`), found in one read of the directory: a cron job reading stdin leaves a
 * report per run that rejects a record, and stepping through them one name at a time made
 * every run slower than the last (100,000 reports: 0.58 s against 0.13 s). After the highest,
 * not in a gap, so the newest report has the highest number (the first name, `x.errors.ndjson`,
 * is still taken first while it is free).
 */
function afterHighestNumbered(file: string): string {
  const own = NUMBERED_REPORT.exec(path.basename(file));
  if (own === null) return nextReportName(file);
  const base = path.basename(file).slice(0, own.index);
  let highest = 1;
  try {
    for (const name of fs.readdirSync(path.dirname(file))) {
      if (!name.startsWith(base)) continue;
      const number = NUMBERED_REPORT.exec(name.slice(base.length));
      if (number?.index === 0 && Number(number[1] ?? 1) > highest) highest = Number(number[1]);
    }
  } catch {
    return nextReportName(file);
  }
  return path.join(path.dirname(file), `${base}.errors-${highest + 1}.ndjson`);
}

/** A report's name's numbered end: `.errors.ndjson` (1), `.errors-2.ndjson`, … */
const NUMBERED_REPORT = /\.errors(?:-(\d+))?\.ndjson$/;

/** `x.errors.ndjson` -> `x.errors-2.ndjson` -> `x.errors-3.ndjson`. */
function nextReportName(taken: string): string {
  return taken.replace(NUMBERED_REPORT, (_, n: string | undefined) => `.errors-${Number(n ?? 1) + 1}.ndjson`);
}

/**
 * How messages name the report, and the way out of a problem with it (`fix`, or another
 * --errors). A resumed job keeps the report it started with (--resume takes no --errors): only
 * fixing the problem, then resuming, helps.
 */
function termsFor(config: ReportConfig, errorsPath: string): { name: string; instead: (fix?: string) => string } {
  if (config.resume !== undefined) {
    const id = config.resume;
    const resume = resumeCommandOf({ id, dbPath: config.dbIsDefault === false ? config.dbPath : undefined });
    return { name: `the error report ${errorsPath} of job "${id}"`, instead: (fix) => `${fix ?? 'fix that'}, then resume the job: ${resume}` };
  }
  return { name: `--errors ${errorsPath}`, instead: (fix) => (fix === undefined ? 'pass another --errors' : `${fix} or pass another --errors`) };
}

/**
 * Why the report could not be created or written, or undefined: its directory (`dir`, as
 * messages show it) not writable by this user, a read-only file system, an existing report file
 * that is not writable. Refused up front (exit 2, nothing written): found at the first rejected
 * record, it came after batches were committed, and a resume keeps the report's path (--resume
 * takes no --errors). Root passes the permission checks (not a read-only file system's).
 */
function whyUnwritable(file: string, dir: string): string | undefined {
  if (fs.existsSync(file)) {
    const why = writeProblem(file);
    return why === undefined ? undefined : `cannot write the file (${why})`;
  }
  const why = writeProblem(path.dirname(file));
  return why === undefined ? undefined : `cannot write in ${dir} (${why})`;
}

/** What descriptor `fd` has open, when it is a regular file (not a pipe or a terminal). */
function fdStatOf(fd: number): fs.Stats | undefined {
  try {
    const stat = fs.fstatSync(fd);
    return stat.isFile() ? stat : undefined;
  } catch {
    return undefined;
  }
}
