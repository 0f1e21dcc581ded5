import fs from 'node:fs';
import { Readable } from 'node:stream';
import { BargeError, InputFailed } from '../errors.js';
import { looksLikeReport } from './report-job.js';
import { openInput, readRecords } from '../source/index.js';
import { abandonInput, toInputError, wakePipeOpens } from '../source/open-input.js';
import { FileSha256 } from './file-sha256.js';
import { ABORTED, untilAborted } from './until-aborted.js';
import type { OpenedInput, SourceOptions, SourceRecord } from '../source/types.js';
import type { JobInput } from '../store/jobs.js';
import { nameKey } from '../schema/names.js';

/**
 * openInputs, or an interrupt (`what`, exit 130) when the signal comes first: opening stdin waits
 * for its first bytes (the format, gzip's magic, a byte order mark), and a producer that has
 * sent none yet (`tail -f`, a FIFO) held SIGINT/SIGTERM off until it did, or closed.
 */
export async function openInputsUnlessAborted(paths: string[], options: SourceOptions, signal: AbortSignal | undefined, what: string): Promise<OpenedInput[]> {
  const opening = openInputs(paths, options);
  const opened = await untilAborted(opening, signal);
  if (opened !== ABORTED) return opened;
  // The read waiting on stdin ends with it, an open waiting for a named pipe's producer when
  // woken; whatever was opened meanwhile is let go.
  if (paths.includes('-')) process.stdin.destroy();
  wakePipeOpens();
  opening.then((inputs) => { for (const input of inputs) abandonInput(input); }, () => undefined);
  throw new BargeError('interrupted', what);
}

/**
 * A warning for each input of 0 bytes (not a pipe's, whose size is unknown): a failed download
 * or a full disk's file imported "succeeded, read 0", exit 0, and said nothing of the file.
 * (A JSON input of 0 bytes is refused, as a truncated one is: `[]` is a JSON input of none.)
 */
export function emptyInputWarnings(inputs: readonly OpenedInput[]): string[] {
  return inputs.filter((input) => input.size === 0 && input.format !== 'json').map((input) => `input "${input.name}" is empty (0 bytes): it holds no records`);
}

export async function openInputs(paths: string[], options: SourceOptions, sizes?: ReadonlyArray<number | undefined>): Promise<OpenedInput[]> {
  const inputs: OpenedInput[] = [];
  for (const [index, path] of paths.entries()) {
    // An input that cannot be opened (missing, a directory) lets go of those opened before it.
    // `sizes`: the sizes the job's inputs had when it opened them, which bound the reads.
    const input = await openInput(path, options, sizes?.[index]).catch((error: unknown) => {
      for (const opened of inputs) abandonInput(opened);
      throw error;
    });
    // Each input open (a file handle, a 64 KB read ahead) until all were read: 10,000 files
    // failed with EMFILE under the usual limit of 1024, and 3,000 of 65 KB took 587 MB. An
    // input after the first is opened to learn its format, then closed until its turn; one
    // that cannot be read twice (stdin, a pipe) stays open.
    if (inputs.length > 0 && input.path !== '-' && input.size !== undefined) {
      abandonInput(input);
      inputs.push(deferredInput(input, options));
    } else {
      inputs.push(input);
    }
  }
  // A JSON record names its own fields (and writes NULL as null): --columns, --no-header and
  // --null would be ignored without a word.
  const headerOption = options.columns !== undefined ? '--columns' : options.header === false ? '--no-header' : options.nullText !== undefined ? '--null' : undefined;
  if (headerOption !== undefined && inputs.every((input) => input.format === 'ndjson' || input.format === 'json')) {
    for (const input of inputs) abandonInput(input);
    const first = inputs[0]!;
    const why = headerOption === '--null' ? 'whose NULL is null' : 'whose records name their own fields';
    throw new BargeError('usage', `${headerOption} applies to CSV/TSV input, and ${first.name} is ${first.format === 'json' ? 'a JSON array' : 'NDJSON'}, ${why}; leave it out`, { input: first.name });
  }
  // A report barge wrote is UTF-8 whatever its input was: read again with the input's --encoding
  // latin1 (from shell history), its "Müller" loaded as "MÃ¼ller", exit 0.
  if (options.encoding !== 'utf8') {
    const report = inputs.find((input) => input.path !== '-' && looksLikeReport(input.path));
    if (report !== undefined) {
      for (const input of inputs) abandonInput(input);
      throw new BargeError('usage', `${report.name} is a report barge wrote, in UTF-8 whatever --encoding its input had; leave --encoding out to import it`, { input: report.name });
    }
  }
  // Checked here, once the formats are known: told to an NDJSON input, it would be wrong advice.
  if (options.header === false && options.columns === undefined) {
    for (const input of inputs) abandonInput(input);
    throw new BargeError('usage', '--no-header needs --columns a,b,c to name the fields');
  }
  return inputs;
}

/** Reads every input in order as one stream of record chunks; `onInput` is told each one's index as its reading starts. */
export async function* recordsOf(inputs: OpenedInput[], options: SourceOptions, onInput?: (index: number) => void): AsyncGenerator<SourceRecord[]> {
  let first: { input: string; names: Set<string> } | undefined;
  for (let index = 0; index < inputs.length; index++) {
    onInput?.(index);
    const input = inputs[index]!;
    let looked = false;
    for await (const records of readRecords(input.reopen ? await input.reopen() : input, options)) {
      // Each input's first readable record with a field, once: its names against the first
      // input's. (A record of none, `{}` or a report's entry holding only _barge_raw, has no
      // name in common with any: taken as the first input's, every other input was warned of.)
      if (!looked) {
        for (const record of records) {
          if (record.parseError !== undefined) continue;
          const names = new Set(fieldNames(record).map(nameKey));
          if (names.size === 0) continue;
          looked = true;
          if (first === undefined) first = { input: input.name, names };
          else if (![...names].some((name) => first!.names.has(name))) options.onWarning?.(noColumnInCommon(input.name, first.input));
          break;
        }
      }
      yield records;
    }
  }
}

/** A record's field names: its header's (CSV/TSV), else its own. */
function fieldNames(record: SourceRecord): readonly string[] {
  return (record.csv?.names ?? Object.keys(record.data)).filter((name) => !name.startsWith('_barge'));
}

/**
 * Inputs of one run go into one table: two files of other tables (`barge import makers.csv
 * products.csv`) made one table of both files' columns, each row half NULL, exit 0.
 */
function noColumnInCommon(input: string, first: string): string {
  return `input "${input}" has no column in common with "${first}": all inputs of a run are records of one table; to load each into a table of its own, import them one at a time`;
}

/** What tells a file's content apart from what it was: device, inode, size, modification time. */
function identityOf(stat: fs.Stats): string {
  return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}`;
}

/** A closed input that opens again, once, when its turn to be read comes (OpenedInput.reopen). */
function deferredInput(first: OpenedInput, options: SourceOptions): OpenedInput {
  // Only these are kept: `first` holds the bytes it read ahead (up to 64 KB per input).
  const { name, path, size, format } = first;
  // What it was when first opened: removed or replaced before its turn, it is not silently read
  // anew (nor refused as a usage error, exit 2, once batches of the job have committed).
  // Its identity only: a whole fs.Stats (with its four Dates) was ~0.5 KB kept per input.
  const seen = identityOf(fs.statSync(path));
  let opened: OpenedInput | undefined;
  let notOpened: Readable | undefined;
  // Once read (its stream closed), only its figures are kept: each opening's reader, decoder
  // and stream held ~8 KB, 80 MB for 10,000 inputs.
  let bytes = 0;
  let sha256: string | undefined;
  return {
    name,
    path,
    size,
    format,
    get stream() {
      return opened?.stream ?? (notOpened ??= Readable.from([]));
    },
    bytesRead: () => opened?.bytesRead() ?? bytes,
    sha256: () => opened?.sha256?.() ?? sha256,
    reopen: async () => {
      if (opened !== undefined) return opened;
      let now: fs.Stats | undefined;
      try {
        now = fs.statSync(path);
      } catch {
        now = undefined;
      }
      if (now === undefined || identityOf(now) !== seen) {
        throw new InputFailed(`input "${name}" was ${now === undefined ? 'removed' : 'changed'} after the job started, before its turn to be read`, 'put it back as it was', name);
      }
      const input = await openInput(path, { ...options, format }, size);
      opened = input;
      input.stream.once('close', () => {
        bytes = input.bytesRead();
        sha256 = input.sha256?.();
        opened = undefined;
      });
      return input;
    },
  };
}

/**
 * The bytes read so far from inputs read one after another, without asking each of them each
 * time (a glob of 10,000 inputs: 10,000 calls per chunk of records). An input read to its size
 * is done; past the one being read, none has started (an empty file counts as done).
 */
export function bytesReadOf(inputs: readonly OpenedInput[]): () => number {
  let done = 0;
  let at = 0;
  return () => {
    for (; at < inputs.length; at++) {
      const input = inputs[at]!;
      if (input.size === undefined || input.bytesRead() < input.size) break;
      done += input.bytesRead();
    }
    let sum = done;
    for (let i = at; i < inputs.length; i++) {
      const bytes = inputs[i]!.bytesRead();
      if (bytes === 0 && i > at) break;
      sum += bytes;
    }
    return sum;
  };
}

/**
 * sha256 of a file's bytes as stored. Computed before the import starts (one
 * extra sequential read) because a job killed midway must already have it on
 * record for --resume to check the input is unchanged. A step at a time, letting
 * the event loop (signals) in between.
 */
export async function checksumFile(path: string, upTo?: number): Promise<string> {
  let file: FileSha256 | undefined;
  try {
    file = new FileSha256(path, upTo);
    while (file.step()) await new Promise((resolve) => setImmediate(resolve));
    return file.digest()!;
  } catch (error) {
    // Worded as any read of the input (an EIO here named no file: "EIO: i/o error, read").
    throw toInputError(error, path);
  } finally {
    file?.close();
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
      sha256: once || !checksums ? null : await checksumFile(input.path, input.size),
    });
  }
  return described;
}
