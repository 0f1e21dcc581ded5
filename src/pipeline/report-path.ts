import fs from 'node:fs';
import path from 'node:path';
import { BargeError } from '../errors.js';
import { statOrUndefined } from '../file-stat.js';
import { reportFormatOf } from '../report/error-report.js';
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

/**
 * The error report's absolute path: --errors, else the default. Never one of the
 * inputs: the report is opened (truncated) while the inputs are still read, so
 * re-importing a fixed report (`barge import products.errors.ndjson`) would
 * destroy the records not read yet. The default steps aside to
 * `<base>.errors-2.ndjson`, -3...; an --errors naming an input is a usage error. stdin
 * redirected from a file counts as that file; stdin's default report never replaces an
 * earlier one.
 */
export function reportPathFor(config: Pick<ImportConfig, 'errorsPath' | 'inputs'>): string {
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
    if (isInput(explicit)) throw new BargeError('usage', `--errors ${config.errorsPath} is also an input: the report would overwrite it while it is read; pass another --errors`);
    // Found now rather than at the first rejected record, when batches may have been committed.
    const dir = path.dirname(config.errorsPath);
    if (!fs.existsSync(path.dirname(explicit))) throw new BargeError('usage', `--errors ${config.errorsPath}: the directory ${dir} does not exist; create it or pass another --errors`);
    if (!fs.statSync(path.dirname(explicit)).isDirectory()) throw new BargeError('usage', `--errors ${config.errorsPath}: ${dir} is not a directory; pass another --errors`);
    if (fs.existsSync(explicit) && fs.statSync(explicit).isDirectory()) throw new BargeError('usage', `--errors ${config.errorsPath} is a directory; give a file path`);
    reportFormatOf(config.errorsPath);
    return explicit;
  }
  const first = path.resolve(defaultReportPath(config.inputs[0]!));
  let candidate = first;
  // Still an input (a retry's report named among the inputs): the next number that is not.
  // stdin's report steps aside from any earlier one too: a pipe (`cat stdin.errors.ndjson |
  // barge import -`) cannot be told from another, and the file may be the one it reads.
  const taken = config.inputs[0] === '-' ? (file: string) => isInput(file) || fs.existsSync(file) : isInput;
  const numbered = /\.errors(?:-(\d+))?\.ndjson$/;
  for (let n = Number(numbered.exec(first)?.[1] ?? 1) + 1; taken(candidate); n++) candidate = first.replace(numbered, `.errors-${n}.ndjson`);
  return candidate;
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
