import { BargeError } from '../errors.js';
import { openInput, readRecords } from '../source/index.js';
import { abandonInput } from '../source/open-input.js';
import { FileSha256 } from './file-sha256.js';
import type { OpenedInput, SourceOptions, SourceRecord } from '../source/types.js';
import type { JobInput } from '../store/jobs.js';

export async function openInputs(paths: string[], options: SourceOptions): Promise<OpenedInput[]> {
  const inputs: OpenedInput[] = [];
  for (const path of paths) inputs.push(await openInput(path, options));
  // A JSON record names its own fields: --columns and --no-header would be ignored without a word.
  const headerOption = options.columns !== undefined ? '--columns' : options.header === false ? '--no-header' : undefined;
  if (headerOption !== undefined && inputs.every((input) => input.format === 'ndjson' || input.format === 'json')) {
    for (const input of inputs) abandonInput(input);
    const first = inputs[0]!;
    throw new BargeError('usage', `${headerOption} applies to CSV/TSV input, and ${first.name} is ${first.format === 'json' ? 'a JSON array' : 'NDJSON'}, whose records name their own fields; leave it out`, { input: first.name });
  }
  // Checked here, once the formats are known: told to an NDJSON input, it would be wrong advice.
  if (options.header === false && options.columns === undefined) {
    for (const input of inputs) abandonInput(input);
    throw new BargeError('usage', '--no-header needs --columns a,b,c to name the fields');
  }
  return inputs;
}

/** Reads every input in order as one stream of record chunks. */
export async function* recordsOf(inputs: OpenedInput[], options: SourceOptions): AsyncGenerator<SourceRecord[]> {
  for (const input of inputs) yield* readRecords(input, options);
}

/**
 * sha256 of a file's bytes as stored. Computed before the import starts (one
 * extra sequential read) because a job killed midway must already have it on
 * record for --resume to check the input is unchanged. A step at a time, letting
 * the event loop (signals) in between.
 */
export async function checksumFile(path: string): Promise<string> {
  const file = new FileSha256(path);
  try {
    while (file.step()) await new Promise((resolve) => setImmediate(resolve));
    return file.digest()!;
  } finally {
    file.close();
  }
}

/**
 * The job's record of its inputs; `checksums: false` leaves sha256 null, to be filled in later
 * or not at all. Only a regular file is hashed (an input with a size): stdin, a named pipe or a
 * process substitution (`<(zcat x)`) cannot be read twice, and reading it here took from the
 * import the records it had not read yet.
 */
export async function describeInputs(inputs: OpenedInput[], checksums: boolean): Promise<JobInput[]> {
  const described: JobInput[] = [];
  for (const input of inputs) {
    const stdin = input.path === '-';
    const once = stdin || input.size === undefined;
    described.push({
      path: stdin ? '-' : input.path,
      name: input.name,
      format: input.format,
      size: input.size ?? null,
      sha256: once || !checksums ? null : await checksumFile(input.path),
    });
  }
  return described;
}
