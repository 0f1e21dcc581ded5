import { Command } from 'commander';
import { openInputs, recordsOf } from '../../pipeline/record-source.js';
import { schemaFromSamples, tableNameFromInput } from '../../pipeline/resolve-schema.js';
import type { SourceRecord } from '../../source/types.js';
import { checkName } from '../../schema/index.js';
import { addSourceOptions, integerFlag, sourceOptionsFrom, type SourceFlags } from '../options.js';
import type { CommandOutcome } from '../outcome.js';

/** `barge schema infer <input>`: the schema import would infer, as a schema file to edit and pin. */
export function schemaCommand(run: (outcome: Promise<CommandOutcome>) => void): Command {
  const schema = new Command('schema').description('work with schema files');
  const infer = new Command('infer')
    .description('print the schema barge would infer for an input (a valid --schema file)')
    .argument('<input>', 'input file, or - for standard input');
  addSourceOptions(infer);
  infer
    .option('--db <path>', 'accepted for symmetry with the other commands; schema infer does not open the database')
    .option('--json', 'the schema is JSON already; accepted for symmetry')
    .option('--quiet', 'print nothing on stderr but errors')
    .option('--debug', 'print stack traces with errors (also BARGE_DEBUG=1)');
  infer.action((input: string, flags: SourceFlags) => run(inferAction(input, flags)));
  schema.addCommand(infer);
  return schema;
}

async function inferAction(input: string, flags: SourceFlags): Promise<CommandOutcome> {
  const source = sourceOptionsFrom(flags);
  const inferRows = integerFlag('--infer-rows', flags.inferRows, 1, 1_000_000)!;
  const table = flags.table ?? tableNameFromInput(input);
  checkName(table, 'table');
  const records = recordsOf(await openInputs([input], source), source);
  const samples: SourceRecord[] = [];
  try {
    while (samples.length < inferRows) {
      const next = await records.next();
      if (next.done) break;
      samples.push(...next.value);
    }
  } finally {
    await records.return(undefined).catch(() => undefined);
  }
  const { spec } = schemaFromSamples(table, samples.slice(0, inferRows));
  process.stdout.write(JSON.stringify(spec, null, 2) + '\n');
  return { exitCode: 0 };
}
