import fs, { readFileSync } from 'node:fs';
import tty from 'node:tty';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { BargeError, EXIT, exitCodeFor } from '../errors.js';
import { exportCommand } from './commands/export.js';
import { jobsCommand } from './commands/jobs.js';
import { statsCommand } from './commands/stats.js';
import { importCommand } from './commands/import.js';
import { validateCommand } from './commands/validate.js';
import { schemaCommand } from './commands/schema-infer.js';
import type { CommandOutcome } from './outcome.js';
import { describeOption, isDebug } from './options.js';
import { errorJson } from './render/error-json.js';
import { helpArgv, helpFirstArgv } from './help-command.js';
import { usageLine } from './usage-error.js';
import { oneLine } from '../one-line.js';
import { onQuit, settle, throwIfInterrupted } from './signals.js';
import { workerSettingProblem } from '../worker-setting.js';
import { systemErrorText } from '../system-error-text.js';
import { runtimeProblem } from '../runtime-problem.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
// Where it is, installed or cloned: "README.md" alone named no findable file once installed.
const README = fileURLToPath(new URL('../../README.md', import.meta.url));

/**
 * The one top-level catch: every command's outcome or error becomes an exit
 * code here (SPEC §10), and an error becomes one line on stderr (a stack
 * trace only with --debug or BARGE_DEBUG=1). (This module's job; the catch is at its end.)
 */

let pending: Promise<CommandOutcome> | undefined;
const run = (outcome: Promise<CommandOutcome>) => { pending = outcome; };

const program = new Command('barge')
  .description('Bulk loader for SQLite: import CSV, TSV, NDJSON and JSON with validation; export tables back out.')
  .addHelpText('after', `
Options every command takes, after its name (barge stats --db x.db):
  --db <path>    the SQLite database (default: $BARGE_DB, else ./barge.db)
  --json         print one machine-readable JSON document on stdout
                 (default: off)
  --quiet        nothing on stderr but errors (default: off)
  --progress     progress even without a terminal: a plain line every few
                 seconds (default: on when stderr is a terminal)
  --no-progress  no progress, not even on a terminal (default: off: a bar when
                 stderr is a terminal)
  --debug        stack traces with errors (default: off; also BARGE_DEBUG=1)
  --version      print barge's version
  -h, --help     a command's own options: barge import --help

Environment:
  BARGE_DB                    the database when --db is not given
  BARGE_DEBUG=1               as --debug
  BARGE_PROGRESS_INTERVAL_MS  how often --progress prints a line without a
                              terminal, in milliseconds (default: 5000)
  BARGE_WORKER                never: imports, validations and exports on one
                              thread; always: a worker thread even for small
                              inputs (default: auto, by the input's size, on
                              1.5 CPUs or more)
  NO_COLOR                    honoured: barge prints no colour in any case
  TERM=dumb                   progress as plain lines, not a redrawn bar

Exit codes:
  0    every record accepted (or the job id already succeeded)
  1    some records were rejected (validate, import)
  2    usage or configuration error: nothing written; or a malformed
       input: a batch/row job keeps the batches it committed before the
       malformed spot
  3    runtime failure (I/O, database, locked past --busy-timeout):
       committed batches stay, the job is resumable
  130  interrupted (SIGINT, SIGTERM, SIGHUP)

Quick start (in the fixtures/ directory of a clone of barge):
  barge import makers.csv --schema makers.schema.json
  barge import products.csv --schema products.schema.json
  barge export --table products --out products.ndjson

Documentation (this installation's README):
  ${README}`);

for (const command of [importCommand(run), validateCommand(run), exportCommand(run), statsCommand(run), jobsCommand(run), schemaCommand(run)]) program.addCommand(command);
// addCommand does not pass settings down: set them on every command. Without
// exitOverride a subcommand's usage error would exit 1, not 2.
(function configure(commands: readonly Command[]) {
  for (const command of commands) {
    command
      .helpOption('-h, --help', 'show this help')
      // Every command takes --version (SPEC §1), and its help lists it.
      .version(version, '--version', 'print barge\'s version')
      // commander stops wrapping below 40 columns of description, which made the option lists
      // wider than the terminal below ~73 columns; 20 keeps them wrapped on narrower ones (the
      // epilogue and the usage lines are fixed text, wrapped for 80).
      .configureHelp({ optionDescription: describeOption, sortSubcommands: false, minWidthToWrap: 20 })
      .exitOverride()
      .configureOutput({ outputError: (text, write) => write(printedError = usageLine(text, command, parsedArgv)) })
      .showSuggestionAfterError(true);
    if (command.commands.length > 0) command.helpCommand('help [command]', 'show the help of a command');
    configure(command.commands);
  }
})([program]);

/** The error line last printed on stderr, which --json repeats (without `barge: error: `). */
let printedError: string | undefined;
/** The arguments commander parses (`barge help x` as `barge x --help`), which a usage error may quote back. */
let parsedArgv: readonly string[] = process.argv;

/**
 * An option given an empty value (`--job-id "$ID"` with ID unset in a cron line) is refused: an
 * empty --job-id made every run a new job left `running`, an empty --schema was ignored.
 */
function refuseEmptyValues(command: Command): void {
  for (const option of command.options) {
    if (!option.required && !option.optional) continue;
    if (command.getOptionValue(option.attributeName()) !== '') continue;
    throw new BargeError('usage', `${option.long ?? option.flags} was given an empty value (an unset shell variable?); give it a value or leave it out`);
  }
}

/**
 * An option whose value is another option's name (`--db --json`: a value left out): commander
 * takes the next word as the value, so a file named "--json" was made, and no JSON printed;
 * `--table --mode row` read "row" as an input. `--db=--json` says the value is meant.
 */
function refuseOptionsAsValues(command: Command): void {
  const flags = new Set(command.options.flatMap((option) => [option.long, option.short]).filter((flag): flag is string => flag !== undefined));
  for (const option of command.options) {
    if (!option.required && !option.optional) continue;
    const value: unknown = command.getOptionValue(option.attributeName());
    if (typeof value !== 'string' || !flags.has(value) || command.getOptionValueSource(option.attributeName()) !== 'cli') continue;
    const name = option.long ?? option.flags;
    if (parsedArgv.includes(`${name}=${value}`)) continue;
    throw new BargeError('usage', `${name} was given the option ${value} as its value (was its value left out?); give ${name} a value, or write ${name}=${value} if that is the value meant`);
  }
}

/**
 * An argument that is not valid UTF-8 (a file name in latin1): Node reads each byte it cannot
 * decode as U+FFFD, so the name barge saw was not the one given: an input that exists was "no
 * such file", an --out or --table name was made with U+FFFD in it, exit 0.
 */
function refuseUndecodableNames(command: Command): void {
  // Names of files and tables only: SQL (`--where "name LIKE '%\uFFFD%'"`) may hold U+FFFD itself.
  const given: Array<[string, unknown]> = command.args.map((arg) => ['the argument', arg]);
  for (const option of ['db', 'out', 'table', 'schema', 'errors']) {
    const value = command.getOptionValue(option);
    // --db's default comes from BARGE_DB, which Node decodes the same way.
    const from = option === 'db' && command.getOptionValueSource(option) === 'default' ? 'BARGE_DB' : `--${option}`;
    given.push([from, value]);
  }
  for (const [what, value] of given) {
    if (typeof value !== 'string' || !value.includes('\uFFFD')) continue;
    throw new BargeError('usage', `${what} ${JSON.stringify(oneLine(value))} is not valid UTF-8 (each byte barge could not read shows as \uFFFD): barge reads names as UTF-8; rename the file, or give the name in UTF-8`);
  }
}

/**
 * A working directory removed after the shell entered it: every command failed with "ENOENT:
 * no such file or directory, uv_cwd (an unexpected failure)", exit 3, even given absolute paths
 * only (Node resolves every path against it).
 */
function refuseGoneWorkingDirectory(): void {
  try {
    process.cwd();
  } catch {
    throw new BargeError('usage', 'the working directory no longer exists (it was removed after this shell entered it); cd to a directory that exists and run the command again');
  }
}

async function main(argv: string[]): Promise<number> {
  try {
    program.hook('preAction', (_, command) => {
      refuseGoneWorkingDirectory();
      refuseEmptyValues(command);
      refuseOptionsAsValues(command);
      const workerProblem = workerSettingProblem();
      if (workerProblem !== undefined) throw new BargeError('usage', workerProblem);
      refuseUndecodableNames(command);
    });
    // A signal while the modules loaded (bin/barge.js recorded it): nothing is started.
    throwIfInterrupted();
    parsedArgv = helpFirstArgv(program, helpArgv(program, argv));
    await program.parseAsync([...parsedArgv]);
    if (!pending) return EXIT.accepted;
    return (await pending).exitCode;
  } catch (error) {
    return reportError(error, argv);
  }
}

function reportError(error: unknown, argv: string[]): number {
  const exitCode = describeError(error, argv);
  if (exitCode !== 0) {
    const message = printedError?.replace(/^barge: error: /, '').trimEnd();
    const json = errorJson(error, argv, exitCode, program.commands.map((command) => command.name()), message);
    if (json !== undefined) process.stdout.write(json + '\n');
  }
  return exitCode;
}

/** The error's line (and stack, with --debug) on stderr; returns the exit code. */
function describeError(error: unknown, argv: string[]): number {
  if (error instanceof CommanderError) {
    // Help and version are not errors; every other commander error is a usage error.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.accepted;
    // `barge` or `barge schema` without a command: the help went to stderr; that is a usage error.
    if (error.code === 'commander.help') return error.exitCode === 0 ? EXIT.accepted : EXIT.usage;
    return EXIT.usage;
  }
  const debug = argv.includes('--debug') || isDebug({});
  if (error instanceof BargeError) {
    // A message naming a path or a value holding a newline stays one line (SPEC §9).
    process.stderr.write(printedError = `barge: error: ${oneLine(error.message)}\n`);
    if (debug && error.stack) process.stderr.write(`${error.stack}\n`);
    if (debug && error.cause instanceof Error && error.cause.stack) process.stderr.write(`caused by: ${error.cause.stack}\n`);
  } else {
    // A failure of the environment (too many open files, the native addon) says what to change.
    const problem = runtimeProblem(error);
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(printedError = problem !== undefined ? `barge: error: ${oneLine(problem)}\n` : `barge: error: ${oneLine(message.split('\n')[0]!)} (an unexpected failure${debug ? '' : '; run with --debug for details'})\n`);
    if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  }
  return exitCodeFor(error);
}

/**
 * A reader of stderr (or of stdout) that went away, as in `barge import … 2>&1 | head -1`, is
 * not barge's failure: the messages are lost, the exit code still says what happened. Without
 * this the write's EPIPE was an uncaught error, and the run exited 1 ("records rejected")
 * after a job that had succeeded. An export's own output keeps its handling (export/sink.ts).
 *
 * Any other failure to write them (`> /dev/full`: ENOSPC; EIO from a terminal that was closed)
 * is one: a crash with a stack trace and exit 1 said "records rejected". The run goes on (its
 * output is secondary to its data, and the first failure is kept), and exits 3 (see below).
 */
let outputFailure: { name: 'stdout' | 'stderr'; error: NodeJS.ErrnoException } | undefined;

function watchOutput(stream: NodeJS.WriteStream, name: 'stdout' | 'stderr'): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') outputFailure ??= { name, error };
  });
}
watchOutput(process.stderr, 'stderr');
watchOutput(process.stdout, 'stdout');

/**
 * A run whose stdout or stderr could not be written exits 3, a runtime failure, rather than 0
 * or 1, which would say the output was there; 2, 3 and 130 stay (their error line came first).
 * One line names the stream, on stderr unless stderr is the one that failed. At exit, because
 * the write's error is emitted after the command has returned its exit code.
 */
process.on('exit', (code) => {
  if (outputFailure === undefined || (code !== EXIT.accepted && code !== EXIT.rejected)) return;
  process.exitCode = EXIT.failure;
  if (outputFailure.name === 'stderr') return;
  process.stderr.write(`barge: error: cannot write to stdout: ${systemErrorText(outputFailure.error)}\n`);
  const debug = process.argv.includes('--debug') || isDebug({});
  if (debug && outputFailure.error.stack) process.stderr.write(`${outputFailure.error.stack}\n`);
});

/**
 * Node restores the terminal's modes at exit and (before nodejs/node#58200: Node 20 does)
 * aborts with SIGABRT when it cannot, as when the terminal was hung up (closed, an ssh session
 * dropped: SIGHUP) and tcsetattr fails with EIO: an interrupted job ended with 134, not 130. A descriptor that was a terminal at the start and is none now is closed first, which
 * Node's restore then skips. Registered after the listener above, which may still write.
 */
const startedOnTerminal = [0, 1, 2].map((fd) => tty.isatty(fd));
process.on('exit', () => {
  for (const fd of [0, 1, 2]) {
    if (!startedOnTerminal[fd] || tty.isatty(fd)) continue;
    try {
      fs.closeSync(fd);
    } catch {
      // Already closed: nothing for Node to restore either.
    }
  }
});

/** A second signal quits at once (signals.ts): its line on stderr and, with --json, the error document. */
onQuit((error) => {
  // On a terminal the progress bar may be drawn on the current line.
  process.stderr.write(`${process.stderr.isTTY ? '\r\x1b[2K' : ''}barge: error: ${oneLine(error.message)}\n`);
  const json = errorJson(error, process.argv, 130, program.commands.map((command) => command.name()), oneLine(error.message));
  if (json !== undefined) process.stdout.write(json + '\n');
});

process.exitCode = await main(process.argv);
// The outcome is decided: a signal from now on no longer changes the exit code (signals.ts).
settle(process.exitCode);
// And the process ends now, with it: left to end by itself, Node stops running signal handlers
// while it tears down, and a SIGTERM or SIGHUP in those ~5-15 ms ended a job that had succeeded
// with 143 or 129 (a cron script took it for a failure). What is written is written first.
// A turn first, for a failed write's error event (`> /dev/full`), which gives exit 3 (above).
await new Promise((resolve) => setImmediate(resolve));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit();

/** Resolves once `stream` holds nothing unwritten (at once on Linux, where stdout is synchronous), or it fails. */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.writableLength === 0 || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once('drain', resolve);
    stream.once('error', resolve);
    stream.once('close', resolve);
  });
}
