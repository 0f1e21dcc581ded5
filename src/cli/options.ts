import { Command, Option } from 'commander';
import { z } from 'zod';
import { BargeError } from '../errors.js';

/** Options every command takes (SPEC §1). */
export interface CommonOptions {
  db: string;
  json?: boolean;
  quiet?: boolean;
  progress?: boolean;
  debug?: boolean;
}

export function addCommonOptions(command: Command): Command {
  return command
    .addOption(new Option('--db <path>', 'the SQLite database').default(process.env.BARGE_DB || 'barge.db', '$BARGE_DB or ./barge.db'))
    .option('--json', 'print one machine-readable JSON summary on stdout')
    .option('--quiet', 'print nothing on stderr but errors')
    .option('--progress', 'force the progress display on (plain lines when stderr is not a TTY)')
    .option('--no-progress', 'force the progress display off (default: on when stderr is a TTY)')
    .option('--debug', 'print stack traces with errors (also BARGE_DEBUG=1)');
}

export function addBusyTimeout(command: Command): Command {
  return command.option('--busy-timeout <ms>', 'how long to wait for another process\'s lock on the database', '5000');
}

/** Options that say how to read inputs (import, validate, schema infer). */
export function addSourceOptions(command: Command): Command {
  return command
    .addOption(new Option('--format <format>', 'input format (default: from the extension, or sniffed for stdin)').choices(['csv', 'tsv', 'ndjson', 'jsonl', 'json']))
    .option('--delimiter <char>', 'CSV/TSV field delimiter (default: "," for csv, tab for tsv)')
    .option('--quote <char>', 'CSV/TSV quote character', '"')
    .option('--no-header', 'CSV/TSV: the first line is data, not a header (use with --columns)')
    .option('--columns <names>', 'CSV/TSV: comma-separated field names (with --no-header, or to rename the header)')
    .option('--encoding <name>', 'text encoding of the input: utf8, utf16le or latin1', 'utf8')
    .option('--table <name>', 'target table (default: the schema\'s table, else the input\'s base name)')
    .option('--schema <file>', 'schema file (JSON); default: the existing table\'s schema, else inferred')
    .option('--infer-rows <n>', 'records read to infer a schema when there is none', '1000');
}

/** Raw flags as commander gives them, for the source part. */
export interface SourceFlags {
  format?: string;
  delimiter?: string;
  quote?: string;
  header: boolean;
  columns?: string;
  encoding: string;
  table?: string;
  schema?: string;
  inferRows: string;
}

const ENCODINGS: Record<string, BufferEncoding> = {
  utf8: 'utf8', 'utf-8': 'utf8', utf16le: 'utf16le', 'utf-16le': 'utf16le', latin1: 'latin1', 'iso-8859-1': 'latin1',
};

export function sourceOptionsFrom(flags: SourceFlags) {
  const encoding = ENCODINGS[flags.encoding.toLowerCase()];
  if (!encoding) throw new BargeError('usage', `--encoding "${flags.encoding}" is not supported; use utf8, utf16le or latin1`);
  if (flags.delimiter !== undefined && [...unescapeTab(flags.delimiter)].length !== 1) {
    throw new BargeError('usage', `--delimiter must be one character, got "${flags.delimiter}"`);
  }
  if (flags.quote !== undefined && [...flags.quote].length !== 1) throw new BargeError('usage', `--quote must be one character, got "${flags.quote}"`);
  const columns = flags.columns?.split(',').map((name) => name.trim());
  if (columns?.some((name) => name === '')) throw new BargeError('usage', `--columns has an empty name: "${flags.columns}"`);
  if (!flags.header && !columns) throw new BargeError('usage', '--no-header needs --columns a,b,c to name the fields');
  return {
    format: flags.format === 'jsonl' ? ('ndjson' as const) : (flags.format as 'csv' | 'tsv' | 'ndjson' | 'json' | undefined),
    delimiter: flags.delimiter === undefined ? undefined : unescapeTab(flags.delimiter),
    quote: flags.quote,
    header: flags.header,
    columns,
    encoding,
  };
}

/** `--delimiter '\t'` as typed in a shell means a tab. */
function unescapeTab(value: string): string {
  return value === '\\t' ? '\t' : value;
}

/** An integer flag in a range, checked with zod; a clear usage error otherwise. */
export function integerFlag(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const parsed = z.coerce.number().int().min(min).max(max).safeParse(value.trim() === '' ? NaN : value);
  if (!parsed.success || !/^\d+$/.test(value.trim())) {
    throw new BargeError('usage', `${name} must be an integer from ${min} to ${max.toLocaleString('en-US').replace(/,/g, '')}, got "${value}"`);
  }
  return parsed.data;
}

export function isDebug(options: { debug?: boolean }): boolean {
  return options.debug === true || process.env.BARGE_DEBUG === '1';
}
