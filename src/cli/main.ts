import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { BargeError, exitCodeFor } from '../errors.js';
import { exportCommand } from './commands/export.js';
import { jobsCommand } from './commands/jobs.js';
import { statsCommand } from './commands/stats.js';
import { importCommand } from './commands/import.js';
import { validateCommand } from './commands/validate.js';
import { schemaCommand } from './commands/schema-infer.js';
import type { CommandOutcome } from './outcome.js';
import { isDebug } from './options.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * The one top-level catch: every command's outcome or error becomes an exit
 * code here (SPEC §10), and an error becomes one line on stderr (a stack
 * trace only with --debug or BARGE_DEBUG=1).
 */
let pending: Promise<CommandOutcome> | undefined;
const run = (outcome: Promise<CommandOutcome>) => { pending = outcome; };

const program = new Command('barge')
  .description('Bulk loader for SQLite: import CSV, TSV, NDJSON and JSON with validation; export tables back out.')
  .version(version, '--version', 'print the version')
  .helpOption('--help', 'show help')
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(text.startsWith('error:') ? `barge: ${text}` : text) })
  .showSuggestionAfterError(true);

for (const command of [importCommand(run), validateCommand(run), exportCommand(run), statsCommand(run), jobsCommand(run), schemaCommand(run)]) program.addCommand(command);
// addCommand does not pass these settings down: without them a subcommand's usage error would exit 1, not 2.
(function inherit(commands: readonly Command[]) {
  for (const command of commands) {
    command.exitOverride().configureOutput(program.configureOutput()).showSuggestionAfterError(true);
    inherit(command.commands);
  }
})(program.commands);

async function main(argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    if (!pending) return 0;
    return (await pending).exitCode;
  } catch (error) {
    return reportError(error, argv);
  }
}

function reportError(error: unknown, argv: string[]): number {
  if (error instanceof CommanderError) {
    // Help and version are not errors; every other commander error is a usage error.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
    return 2;
  }
  const debug = argv.includes('--debug') || isDebug({});
  if (error instanceof BargeError) {
    process.stderr.write(`barge: error: ${error.message}\n`);
    if (debug && error.stack) process.stderr.write(`${error.stack}\n`);
    if (debug && error.cause instanceof Error && error.cause.stack) process.stderr.write(`caused by: ${error.cause.stack}\n`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`barge: error: ${message.split('\n')[0]} (an unexpected failure; run with --debug for details)\n`);
    if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  }
  return exitCodeFor(error);
}

process.exitCode = await main(process.argv);
