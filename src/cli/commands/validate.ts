import { Command, Option } from 'commander';
import { BargeError, EXIT } from '../../errors.js';
import type { ValidateConfig, ValidateResult } from '../../pipeline/run-validate.js';
import { announceInterrupt, createProgressDisplay, progressModeFor } from '../../progress/progress-display.js';
import { addBusyTimeout, addCommonOptions, addSourceOptions, integerFlag, maxErrorsFlag, sourceOptionsFrom, switchOption, valueOption, type CommonOptions, type SourceFlags } from '../options.js';
import type { CommandOutcome } from '../outcome.js';
import { oneLine } from '../../one-line.js';
import { printValidateInterrupted, printValidateSummary, validateJson } from '../render/validate-summary.js';
import { interruptSignal, throwIfInterrupted } from '../signals.js';

interface ValidateFlags extends CommonOptions, SourceFlags {
  batchSize: string;
  maxErrors?: string;
  failFast?: boolean;
  errors?: string;
  busyTimeout: string;
}

export function validateCommand(run: (outcome: Promise<CommandOutcome>) => void): Command {
  const command = new Command('validate')
    .description('check records against a schema (or an existing table\'s) and write the error report; writes nothing to the database')
    .argument('<input...>', 'input files, or - for standard input');
  addSourceOptions(command);
  command
    .addOption(new Option('--batch-size <n>', 'records per batch, as import would cut them (numbers the report\'s batches)').default('1000', '1000'))
    .addOption(valueOption('--max-errors <n>', 'stop after n rejected records', 'no limit'))
    .addOption(switchOption('--fail-fast', 'same as --max-errors 1'))
    .addOption(valueOption('--errors <path>', 'error report path: .ndjson, .jsonl, .csv or .json', '<first input\'s base name>.errors.ndjson'));
  addBusyTimeout(command);
  addCommonOptions(command);
  return command.action((inputs: string[], flags: ValidateFlags) => run(validateAction(inputs, flags)));
}

async function validateAction(inputs: string[], flags: ValidateFlags): Promise<CommandOutcome> {
  if (inputs.filter((input) => input === '-').length > 1) throw new BargeError('usage', 'stdin (-) can be read only once');
  const config: ValidateConfig = {
    inputs,
    dbPath: flags.db,
    table: flags.table,
    schemaPath: flags.schema,
    source: sourceOptionsFrom(flags),
    inferRows: integerFlag('--infer-rows', flags.inferRows, 1, 1_000_000)!,
    batchSize: integerFlag('--batch-size', flags.batchSize, 1, 1_000_000)!,
    maxErrors: maxErrorsFlag(flags),
    errorsPath: flags.errors,
    busyTimeoutMs: integerFlag('--busy-timeout', flags.busyTimeout, 0, 3_600_000)!,
  };
  const progress = createProgressDisplay(progressModeFor(flags, process.stderr), process.stderr);
  const signal = interruptSignal();
  announceInterrupt(signal, progress, process.stderr, flags);
  let result: ValidateResult;
  const warnings: string[] = [];
  try {
    const { runValidate } = await import('../../pipeline/run-validate.js');
    throwIfInterrupted();
    result = await runValidate(config, {
      onProgress: (p) => progress.update({ done: p.bytesRead, total: p.totalBytes, records: p.records, rejected: p.rejected }),
      onWarning: (message) => {
        warnings.push(oneLine(message));
        if (!flags.quiet) progress.log(`barge: ${oneLine(message)}`);
      },
    }, signal);
  } finally {
    progress.stop();
  }
  if (flags.json) process.stdout.write(JSON.stringify(validateJson(result, inputs, warnings)) + '\n');
  if (!flags.quiet) printValidateSummary(process.stderr, result, inputs);
  // Exit 130 is a failure, and --quiet prints failures.
  else if (result.stoppedEarly === 'interrupted') printValidateInterrupted(process.stderr, result, inputs);
  if (result.stoppedEarly === 'interrupted') return { exitCode: EXIT.interrupted };
  return { exitCode: result.counts.rejected > 0 ? EXIT.rejected : EXIT.accepted };
}
