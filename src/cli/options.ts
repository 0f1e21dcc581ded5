import { Command, Option } from 'commander';
import { BargeError } from '../errors.js';
import { normalizeEncoding } from '../source/decode-text.js';
import { defaultDbPath } from './default-db.js';

/** Options every command takes (SPEC §1). */
export interface CommonOptions {
  db: string;
  json?: boolean;
  quiet?: boolean;
  progress?: boolean;
  debug?: boolean;
}

/**
 * `showsProgress: false` for a command that draws none (stats, jobs): it takes --progress and
 * --no-progress like every command, and its help says they change nothing there.
 */
export function addCommonOptions(command: Command, { showsProgress = true }: { showsProgress?: boolean } = {}): Command {
  return command
    .addOption(new Option('--db <path>', 'the SQLite database').default(defaultDbPath(), '$BARGE_DB, else ./barge.db'))
    .addOption(switchOption('--json', JSON_OPTION_TEXT[command.name()] ?? 'print one machine-readable JSON summary on stdout'))
    .addOption(switchOption('--quiet', 'print nothing on stderr but errors'))
    .addOption(showsProgress ? progressOption() : switchOption('--progress', `accepted like every command's; ${command.name()} shows no progress`))
    .addOption(showsProgress ? noProgressOption() : switchOption('--no-progress', 'accepted like every command\'s'))
    .addOption(switchOption('--debug', 'print stack traces with errors', 'off; also BARGE_DEBUG=1'));
}

/** What --json prints, where that is not the run's summary. */
const JSON_OPTION_TEXT: Record<string, string> = {
  export: 'print one machine-readable JSON summary on stdout (only with --out <file>: stdout carries the rows otherwise)',
  jobs: 'print the jobs (or the one job) as JSON on stdout',
  stats: 'print the report as JSON on stdout',
};

export function progressOption(): Option {
  return switchOption('--progress', 'show progress even without a terminal: a plain line every few seconds', 'on when stderr is a terminal');
}

export function noProgressOption(): Option {
  // Its default is the flag's absence: progress as usual, not "on" (which read as --no-progress on).
  return switchOption('--no-progress', 'show no progress, not even on a terminal', 'off: a bar when stderr is a terminal');
}

export function addBusyTimeout(command: Command): Command {
  return command.addOption(new Option('--busy-timeout <ms>', 'how long to wait for another process\'s lock on the database, in milliseconds, 0 to 3600000').default('5000', '5000'));
}

/**
 * An option that takes no value. Its help says what happens without it
 * (`default: off` unless told otherwise), so that every option of --help
 * shows its default (SPEC §1).
 */
export function switchOption(flags: string, description: string, whenAbsent?: string): Option {
  // default(undefined, text): the text is for the help only; the parsed value stays undefined.
  return new Option(flags, description).default(undefined, whenAbsent ?? 'off');
}

/** A value option whose default is described rather than a literal (it depends on other options). */
export function valueOption(flags: string, description: string, whenAbsent: string): Option {
  return new Option(flags, description).default(undefined, whenAbsent);
}

/** Options that say how to read inputs (import, validate, schema infer). */
export function addSourceOptions(command: Command, { schema = true }: { schema?: boolean } = {}): Command {
  command
    .addOption(valueOption('--format <format>', 'input format', 'from the extension, else sniffed from the first bytes').choices(['csv', 'tsv', 'ndjson', 'jsonl', 'json']))
    .addOption(valueOption('--delimiter <char>', 'CSV/TSV field delimiter; \'\\t\' is a tab', '"," for csv, tab for tsv'))
    .addOption(new Option('--quote <char>', 'CSV/TSV quote character; none: no field is quoted, as sqlite3 -tabs, PostgreSQL and MySQL write TSV').default('"', `'"'`))
    .addOption(valueOption('--null <text>', 'CSV/TSV: a field that is exactly this text is missing, as an empty field is: \\N of PostgreSQL and MySQL dumps, NULL, NA', 'none'))
    .addOption(switchOption('--no-header', 'CSV/TSV: the first line is data, not a header; name the fields with --columns', 'off: the first line is the header'))
    .addOption(valueOption('--columns <names>', 'CSV/TSV: comma-separated field names (with --no-header, or to rename the header)', 'the header\'s names'))
    .addOption(new Option('--encoding <name>', 'text encoding of the input: utf8 (utf-8, ascii), utf16le (utf-16le, ucs2), latin1 (ISO-8859-1, binary) or windows-1252 (cp1252, windows1252)').default('utf8', 'utf8'))
    .addOption(schema
      ? valueOption('--table <name>', command.name() === 'validate' ? 'the table whose schema checks the records' : 'target table', 'the schema\'s table, else the input\'s base name; stdin needs one of them')
      : valueOption('--table <name>', 'the table named in the printed schema', 'the input\'s base name; stdin needs --table'));
  if (schema) command.addOption(valueOption('--schema <file>', 'a schema file (JSON)', 'the existing table\'s schema, else inferred'));
  return command.addOption(new Option('--infer-rows <n>', schema ? 'records read to infer a schema when there is none, 1 to 1000000' : 'records read to infer the schema, 1 to 1000000').default('1000', '1000'));
}

/**
 * The help text of one option: its description, then its choices and its
 * default, e.g. `records per batch (default: 1000)`. Used for every command,
 * in place of commander's, which shows no default for most options.
 */
export function describeOption(option: Option): string {
  const facts: string[] = [];
  if (option.argChoices) facts.push(`one of: ${option.argChoices.join(', ')}`);
  if (option.long !== '--help' && option.long !== '--version') {
    const shown = option.defaultValueDescription ?? (option.defaultValue !== undefined ? String(option.defaultValue) : option.isBoolean() ? 'off' : undefined);
    if (shown !== undefined) facts.push(`default: ${shown}`);
  }
  return facts.length > 0 ? `${option.description} (${facts.join('; ')})` : option.description;
}

/** Raw flags as commander gives them, for the source part. */
export interface SourceFlags {
  format?: string;
  delimiter?: string;
  quote?: string;
  null?: string;
  header: boolean;
  columns?: string;
  encoding: string;
  table?: string;
  schema?: string;
  inferRows: string;
}

export function sourceOptionsFrom(flags: SourceFlags) {
  const encoding = normalizeEncoding(flags.encoding);
  if (flags.delimiter !== undefined && [...unescapeTab(flags.delimiter)].length !== 1) {
    throw new BargeError('usage', `--delimiter must be one character, got "${flags.delimiter}"`);
  }
  // `none`: fields are never quoted, a quote is text like any other (the tokenizer's quote '').
  const quote = flags.quote === 'none' ? '' : flags.quote;
  if (quote !== undefined && quote !== '' && [...quote].length !== 1) throw new BargeError('usage', `--quote must be one character or none, got "${flags.quote}"`);
  const columns = flags.columns?.split(',').map((name) => name.trim());
  if (columns?.some((name) => name === '')) throw new BargeError('usage', `--columns has an empty name: "${flags.columns}"`);
  return {
    format: flags.format === 'jsonl' ? ('ndjson' as const) : (flags.format as 'csv' | 'tsv' | 'ndjson' | 'json' | undefined),
    delimiter: flags.delimiter === undefined ? undefined : unescapeTab(flags.delimiter),
    quote,
    nullText: flags.null,
    header: flags.header,
    columns,
    encoding,
  };
}

/** `--delimiter '\t'` as typed in a shell means a tab. */
function unescapeTab(value: string): string {
  return value === '\\t' ? '\t' : value;
}

/**
 * An integer flag in a range; a clear usage error otherwise. Checked by hand, not with zod: the
 * CLI's modules then load without zod (~40 ms of every command's start), which export, stats
 * and jobs never need; import and validate load it with their pipelines.
 */
/** --max-errors, or --fail-fast (which is --max-errors 1; both given with another count is refused). */
export function maxErrorsFlag(flags: { failFast?: boolean; maxErrors?: string }): number | undefined {
  if (flags.failFast && flags.maxErrors !== undefined && flags.maxErrors !== '1') {
    throw new BargeError('usage', '--fail-fast is --max-errors 1; do not give both');
  }
  return flags.failFast ? 1 : integerFlag('--max-errors', flags.maxErrors, 1, Number.MAX_SAFE_INTEGER);
}

export function integerFlag(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const digits = value.trim();
  const parsed = Number(digits);
  if (!/^\d+$/.test(digits) || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new BargeError('usage', `${name} must be an integer from ${min} to ${String(max)}, got "${value}"`);
  }
  return parsed;
}

export function isDebug(options: { debug?: boolean }): boolean {
  return options.debug === true || process.env.BARGE_DEBUG === '1';
}
