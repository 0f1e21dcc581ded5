import { wordList } from '../word-list.js';

/**
 * Other tools' spellings of what barge does under another name (sqlite-utils, csvkit,
 * mongoimport, pandas, the sqlite3 shell), each with barge's own. Looked up before commander's
 * suggestion, which goes by edit distance: it answered `--sep` with --help, `--nl` with --null
 * (sqlite-utils' --nl is NDJSON) and `--header` with --no-header (the opposite), and most of
 * these with nothing.
 */

/** barge's equivalent of another tool's option. */
interface OptionEquivalent {
  /** barge's option it stands for: a command without it says which commands have it. */
  option?: string;
  /** What the message says: barge's spelling after "barge's is", or with no option, the whole advice. */
  says: string;
  /** Advice for a command for which the general one would mislead (export has no --delimiter). */
  under?: Readonly<Record<string, string>>;
}

const DELIMITER: OptionEquivalent = {
  option: '--delimiter',
  says: '--delimiter <char>',
  under: { export: 'barge export writes commas (CSV), or tabs with --format tsv' },
};
const HEADER: OptionEquivalent = {
  says: 'barge reads the first line as the header unless given --no-header',
  under: { export: 'barge export writes a header line (CSV, TSV) always' },
};
const NO_HEADER: OptionEquivalent = { option: '--no-header', says: '--no-header (with --columns a,b,c)' };
const TRUNCATE: OptionEquivalent = { option: '--truncate', says: '--truncate' };
const ERRORS: OptionEquivalent = { option: '--errors', says: '--errors <path>' };
const VERBOSE: OptionEquivalent = { says: "barge has no verbose mode: --progress shows progress; barge's version is --version" };
const DRY_RUN: OptionEquivalent = { option: '--dry-run', says: '--dry-run' };
const PRIMARY_KEY: OptionEquivalent = {
  says: 'a primary key is a schema\'s "primaryKey": barge schema infer <input> > schema.json, add it there, then pass --schema schema.json',
};
const SKIP: OptionEquivalent = {
  says: "barge has no --skip; to leave out a file's first lines: tail -n +N data.csv | barge import - --format csv; to go on with a stopped job: --resume <job-id>",
};

const format = (name: string): OptionEquivalent => ({ option: '--format', says: `--format ${name}` });

const OPTIONS: ReadonlyMap<string, OptionEquivalent> = new Map([
  ['--sep', DELIMITER],
  ['--separator', DELIMITER],
  ['--field-separator', DELIMITER],
  ['--delim', DELIMITER],
  ['-d', DELIMITER],
  ['--header', HEADER],
  ['--headers', HEADER],
  ['--headerline', HEADER],
  ['--no-headers', NO_HEADER],
  ['--replace', { option: '--on-conflict', says: '--on-conflict replace' }],
  ['--upsert', { option: '--on-conflict', says: '--on-conflict update' }],
  ['--ignore', { option: '--on-conflict', says: '--on-conflict ignore' }],
  ['--drop', TRUNCATE],
  ['--overwrite', TRUNCATE],
  ['--type', { option: '--format', says: '--format csv|tsv|ndjson|json' }],
  ['--csv', format('csv')],
  ['--tsv', format('tsv')],
  ['--nl', format('ndjson')],
  ['--ndjson', format('ndjson')],
  ['--jsonl', format('ndjson')],
  ['--json-array', format('json')],
  ['--jsonArray', format('json')],
  ['--jsonarray', format('json')],
  ['--errors-file', ERRORS],
  ['--error-file', ERRORS],
  ['-q', { option: '--quiet', says: '--quiet' }],
  ['-v', VERBOSE],
  ['--verbose', VERBOSE],
  ['-V', { option: '--version', says: '--version' }],
  ['--dry', DRY_RUN],
  ['--dryrun', DRY_RUN],
  ['--skip', SKIP],
  ['--skip-lines', SKIP],
  ['--skip-rows', SKIP],
  ['--pk', PRIMARY_KEY],
  ['--primary-key', PRIMARY_KEY],
]);

/**
 * The advice for an unknown option that another tool spells so (`--sep`, `--sep=;`), under
 * `command` (`import`, `schema infer`): `has` tells whether that command has an option,
 * `commandsWith` lists the commands that do. Undefined when no other tool spells it so.
 */
export function otherToolsOption(token: string, command: string, has: (option: string) => boolean, commandsWith: (option: string) => string[]): string | undefined {
  const equivalent = OPTIONS.get(token.replace(/=.*$/s, ''));
  if (equivalent === undefined) return undefined;
  const special = equivalent.under?.[command];
  if (special !== undefined) return special;
  if (equivalent.option === undefined) return equivalent.says;
  if (has(equivalent.option)) return `barge's is ${equivalent.says}`;
  return `barge's is ${equivalent.says}, an option of ${wordList(commandsWith(equivalent.option).map((name) => `barge ${name}`), 'and')}`;
}

/** Other tools' command words, with barge's command for them. */
const COMMANDS: ReadonlyMap<string, readonly string[]> = new Map([
  ['load', ['import']],
  ['insert', ['import']],
  ['ingest', ['import']],
  ['resume', ['import', '--resume']],
  ['infer', ['schema', 'infer']],
  ['dump', ['export']],
  ['history', ['jobs']],
]);

/** A word that names a data file: `barge data.csv` meant `barge import data.csv`. */
export function looksLikeInput(word: string, exists: boolean): boolean {
  return exists || /\.(csv|tsv|tab|txt|ndjson|jsonl|json)(\.gz)?$/i.test(word);
}

/**
 * barge's words for another tool's command word given to barge itself (`barge load x.csv`),
 * as the command line to run: `args` (after `barge`) with the word at `at` replaced.
 */
export function otherToolsCommand(word: string, args: readonly string[], at: number, isInput: boolean): { what: string; line: string[] } | undefined {
  const replacement = COMMANDS.get(word) ?? (isInput ? ['import', word] : undefined);
  if (replacement === undefined) return undefined;
  return { what: isInput && !COMMANDS.has(word) ? 'to load it' : `barge's is ${replacement.join(' ')}`, line: ['barge', ...args.slice(0, at), ...replacement, ...args.slice(at + 1)] };
}
