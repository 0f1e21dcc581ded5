import { resumeCommandOf } from '../../store/resume-command.js';
import { isDefaultDb } from '../default-db.js';
import { wordList } from '../../word-list.js';
import { Command, Option } from 'commander';
import { shellWord } from '../../shell-word.js';
import { BargeError, EXIT } from '../../errors.js';
import type { ImportConfig, ImportMode, ImportResult } from '../../pipeline/import-config.js';
import type { OnConflict } from '../../store/batch-writer.js';
import { announceInterrupt, createProgressDisplay, progressModeFor } from '../../progress/progress-display.js';
import { addBusyTimeout, addCommonOptions, addSourceOptions, integerFlag, maxErrorsFlag, sourceOptionsFrom, switchOption, valueOption, type CommonOptions, type SourceFlags } from '../options.js';
import { printImportInterrupted, printImportSummary, importJson } from '../render/import-summary.js';
import { interruptSignal, setQuitNote, throwIfInterrupted } from '../signals.js';
import type { CommandOutcome } from '../outcome.js';
import { oneLine } from '../../one-line.js';

interface ImportFlags extends CommonOptions, SourceFlags {
  batchSize: string;
  mode?: ImportMode;
  atomic?: boolean;
  continueOnError?: boolean;
  maxErrors?: string;
  failFast?: boolean;
  onConflict: OnConflict;
  truncate?: boolean;
  dryRun?: boolean;
  errors?: string;
  jobId?: string;
  resume?: string;
  busyTimeout: string;
}

export function importCommand(run: (outcome: Promise<CommandOutcome>) => void): Command {
  const command = new Command('import')
    .description('load records from CSV, TSV, NDJSON or JSON files (or - for stdin) into a table')
    .argument('[input...]', 'input files, or - for standard input; several inputs form one job (none with --resume)')
    // Two forms: the inputs are optional to commander only because --resume takes none.
    .usage('[options] <input...>\n       barge import --resume <job-id> [--db <path>] [--json] [--quiet]');
  addSourceOptions(command);
  command
    .addOption(new Option('--batch-size <n>', 'records per batch, 1 to 1000000').default('1000', '1000'))
    // No commander default: --atomic and --continue-on-error must be told apart from an explicit --mode.
    .addOption(valueOption('--mode <mode>', 'atomic: all or nothing; batch: each batch all or nothing; row: skip bad records, keep the rest', 'atomic').choices(['atomic', 'batch', 'row']))
    .addOption(switchOption('--atomic', 'same as --mode atomic'))
    .addOption(switchOption('--continue-on-error', 'same as --mode row'))
    .addOption(valueOption('--max-errors <n>', 'stop after n rejected records, 1 or more', 'no limit'))
    .addOption(switchOption('--fail-fast', 'same as --max-errors 1'))
    .addOption(new Option('--on-conflict <action>', 'what a record whose primary or unique key already exists does').choices(['error', 'ignore', 'replace', 'update']).default('error', 'error'))
    .addOption(switchOption('--truncate', 'empty the table first, in the same transaction as the load (atomic) or as its first batch that loads rows (batch, row)'))
    .addOption(switchOption('--dry-run', 'do everything, including constraint checks against the database, then roll back'))
    .addOption(valueOption('--errors <path>', 'error report path: .ndjson, .jsonl, .csv or .json', '<first input\'s base name>.errors.ndjson in the working directory; stdin.errors.ndjson for stdin'))
    .addOption(valueOption('--job-id <id>', 'name the job; running again a job id that finished (succeeded or partial) does nothing; one that stopped picks up where it stopped', 'generated from the time'))
    .addOption(valueOption('--resume <job-id>', 'continue an interrupted or failed batch/row job after its last committed batch', 'off: a new job'));
  addBusyTimeout(command);
  addCommonOptions(command);
  return command.action((inputs: string[], flags: ImportFlags, self: Command) => run(importAction(inputs, flags, self)));
}

async function importAction(inputs: string[], flags: ImportFlags, command: Command): Promise<CommandOutcome> {
  if (flags.resume !== undefined) refuseWhatResumeIgnores(inputs, flags, command);
  const config = importConfigFrom(inputs, flags);
  const mode = progressModeFor(flags, process.stderr);
  const progress = createProgressDisplay(mode, process.stderr);
  const signal = interruptSignal();
  announceInterrupt(signal, progress, process.stderr, flags);
  let result: ImportResult;
  const warnings: string[] = [];
  try {
    const { runImport } = await import('../../pipeline/run-import.js');
    throwIfInterrupted();
    result = await runImport(config, {
      // A second signal quits at once: its line names the job it leaves behind.
      onStart: ({ jobId }) => setQuitNote(config.dryRun ? undefined : config.mode === 'atomic'
        ? `job ${jobId} stays "running", as after kill -9; nothing of it was written: run the import again`
        : `job ${jobId} stays "running", as after kill -9; resume it: ${resumeCommandOf({ id: jobId, dbPath: config.dbIsDefault === false ? config.dbPath : undefined })}`),
      onProgress: (p) => progress.update({ done: p.bytesRead, total: p.totalBytes, records: p.records, rejected: p.rejected }),
      onWarning: (message) => {
        warnings.push(oneLine(message));
        if (!flags.quiet) progress.log(`barge: ${oneLine(message)}`);
      },
    }, signal);
  } finally {
    progress.stop();
  }
  if (flags.json) process.stdout.write(JSON.stringify(importJson(result, config, warnings)) + '\n');
  if (!flags.quiet) printImportSummary(process.stderr, result, config);
  // Exit 130 is a failure, and --quiet prints failures: the job to resume must not go unsaid.
  else if (result.status === 'interrupted') printImportInterrupted(process.stderr, result, config);
  return { exitCode: importExitCode(result) };
}

/** SPEC §10. */
export function importExitCode(result: ImportResult): number {
  if (result.status === 'interrupted') return EXIT.interrupted;
  if (result.alreadyFinished) return result.status === 'succeeded' ? EXIT.accepted : EXIT.rejected;
  return result.counts.rejected > 0 ? EXIT.rejected : EXIT.accepted;
}

/**
 * Options a resumed job takes from the command line: where the database is and how the run
 * talks. Every other (what to load, how: --table, --mode, --errors…) is the job's own.
 */
const KEPT_ON_RESUME = new Set(['db', 'busyTimeout', 'json', 'quiet', 'progress', 'debug', 'dryRun', 'resume']);

/**
 * --resume continues the job with the inputs and options it started with (resume.ts): inputs
 * or options given beside it were ignored without a word, and the job loaded its own input.
 * Options are told from their defaults by commander's value source ('cli': typed).
 */
function refuseWhatResumeIgnores(inputs: string[], flags: ImportFlags, command: Command): void {
  const options = command.options.filter((option) => {
    const key = option.attributeName();
    if (command.getOptionValueSource(key) !== 'cli') return false;
    // Naming the job resumed says nothing new; another id would be another job.
    if (key === 'jobId') return flags.jobId !== flags.resume;
    return !KEPT_ON_RESUME.has(key);
  });
  const given = [...inputs.map((input) => JSON.stringify(input)), ...new Set(options.map((option) => option.long ?? option.flags))];
  if (given.length === 0) return;
  throw new BargeError(
    'usage',
    `--resume ${flags.resume} was also given ${wordList(given, 'and')}, but job "${flags.resume}" resumes with its own inputs and options; drop ${given.length === 1 ? 'it' : 'them'}, or run a new import (without --resume) to load other data or use other options`,
  );
}

function importConfigFrom(inputs: string[], flags: ImportFlags): ImportConfig {
  if (inputs.length === 0 && !flags.resume) {
    throw new BargeError('usage', 'import needs at least one input file (or - for stdin); see barge import --help');
  }
  if (inputs.filter((input) => input === '-').length > 1) throw new BargeError('usage', 'stdin (-) can be read only once');
  const modes = [flags.mode, flags.atomic ? 'atomic' : undefined, flags.continueOnError ? 'row' : undefined].filter(Boolean);
  if (new Set(modes).size > 1) throw new BargeError('usage', `conflicting modes: ${[...new Set(modes)].join(' and ')}; pick one --mode`);
  const maxErrors = maxErrorsFlag(flags);
  return {
    inputs,
    dbPath: flags.db,
    dbIsDefault: isDefaultDb(flags.db),
    table: flags.table,
    schemaPath: flags.schema,
    source: sourceOptionsFrom(flags),
    inferRows: integerFlag('--infer-rows', flags.inferRows, 1, 1_000_000)!,
    batchSize: integerFlag('--batch-size', flags.batchSize, 1, 1_000_000)!,
    mode: (modes[0] as ImportMode | undefined) ?? 'atomic',
    maxErrors,
    onConflict: flags.onConflict,
    truncate: flags.truncate ?? false,
    dryRun: flags.dryRun ?? false,
    errorsPath: flags.errors,
    jobId: flags.jobId,
    resume: flags.resume,
    busyTimeoutMs: integerFlag('--busy-timeout', flags.busyTimeout, 0, 3_600_000)!,
    // Each word as a shell reads it: joined plainly, `my file's.csv` and `--table "t x"` could not be run again, nor told apart.
    commandLine: ['barge', ...process.argv.slice(2).map(shellWord)].join(' '),
  };
}
