import { Command, Option } from 'commander';
import { BargeError, EXIT } from '../../errors.js';
import { ABORTED } from '../../pipeline/until-aborted.js';
import { defaultDbPath } from '../default-db.js';
import { addSourceOptions, integerFlag, sourceOptionsFrom, switchOption, type SourceFlags } from '../options.js';
import type { CommandOutcome } from '../outcome.js';
import { interruptSignal, throwIfInterrupted } from '../signals.js';
import { oneLine } from '../../one-line.js';
import { schemaJson } from '../../schema/column-order.js';

/** `barge schema infer <input>`: the schema import would infer, as a schema file to edit and pin. */
export function schemaCommand(run: (outcome: Promise<CommandOutcome>) => void): Command {
  const schema = new Command('schema').description('schema files: barge schema infer <input> prints the schema barge would infer');
  const infer = new Command('infer')
    .description('print the schema barge would infer for an input (a valid --schema file)')
    .argument('<input>', 'input file, or - for standard input');
  addSourceOptions(infer, { schema: false });
  // The options every command takes (SPEC §1); schema infer opens no database and
  // reads only --infer-rows records, so most of them change nothing here.
  infer
    .addOption(new Option('--db <path>', 'accepted like every command\'s; schema infer does not open the database').default(defaultDbPath(), '$BARGE_DB, else ./barge.db'))
    .addOption(switchOption('--json', 'accepted like every command\'s; the schema is printed as JSON anyway'))
    .addOption(switchOption('--quiet', 'print nothing on stderr but errors'))
    .addOption(switchOption('--progress', 'accepted like every command\'s; schema infer reads too little to show progress', 'off'))
    .addOption(switchOption('--no-progress', 'accepted like every command\'s', 'off'))
    .addOption(switchOption('--debug', 'print stack traces with errors', 'off; also BARGE_DEBUG=1'));
  infer.action((input: string, flags: SourceFlags & { quiet?: boolean }) => run(inferAction(input, flags)));
  schema.addCommand(infer);
  return schema;
}

const INTERRUPTED = 'schema infer interrupted; no schema was printed';

async function inferAction(input: string, flags: SourceFlags & { quiet?: boolean }): Promise<CommandOutcome> {
  const source = sourceOptionsFrom(flags);
  const inferRows = integerFlag('--infer-rows', flags.inferRows, 1, 1_000_000)!;
  const [{ openInputsUnlessAborted, recordsOf }, { SampleInference, tableNameFromInput, withoutValuesWarning }, { checkName }, { readUnlessAborted }, { abandonInput }] = await Promise.all([
    import('../../pipeline/record-source.js'), import('../../pipeline/resolve-schema.js'), import('../../schema/index.js'),
    import('../../pipeline/until-aborted.js'), import('../../source/open-input.js'),
  ]);
  throwIfInterrupted();
  // schema infer has no --schema: its hint names --table alone.
  const table = flags.table ?? tableNameFromInput(input, '--table <name> to name the table in the schema');
  checkName(table, 'table');
  const signal = interruptSignal();
  const inputs = await openInputsUnlessAborted([input], source, signal, INTERRUPTED);
  // Their text too: inference tells a JSON `10.0` (a number column) from `10` by it, as import does.
  const warn = (message: string) => { if (!flags.quiet) process.stderr.write(`barge: ${oneLine(message)}\n`); };
  const records = recordsOf(inputs, { ...source, keepJsonSource: true, onWarning: warn });
  // Each record folded in as read, none kept: a sample of 1,000,000 rows held ~2.5 GB.
  const inference = new SampleInference(table, null);
  try {
    while (inference.count < inferRows) {
      // An idle stdin may not give the sample for minutes: a signal must not wait for it.
      const next = await readUnlessAborted(records.next(), signal, (read) => read.done === true);
      if (next === ABORTED) {
        for (const opened of inputs) abandonInput(opened);
        throw new BargeError('interrupted', INTERRUPTED);
      }
      if (next.done) break;
      for (const record of next.value) if (inference.count < inferRows) inference.add(record);
    }
  } finally {
    await records.return(undefined).catch(() => undefined);
  }
  const { spec, notes } = inference.result();
  const empty = inference.columnsWithoutValues(spec);
  if (empty.length > 0) warn(withoutValuesWarning(empty, inference.count, 'edit their "type" in this schema, then pass it with --schema'));
  for (const note of notes ?? []) warn(note);
  throwIfInterrupted(INTERRUPTED);
  process.stdout.write(schemaJson(spec, 2) + '\n');
  return { exitCode: EXIT.accepted };
}
