import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { openInput, readRecords } from '../source/index.js';
import type { OpenedInput, SourceOptions, SourceRecord } from '../source/types.js';
import type { JobInput } from '../store/jobs.js';

export async function openInputs(paths: string[], options: SourceOptions): Promise<OpenedInput[]> {
  const inputs: OpenedInput[] = [];
  for (const path of paths) inputs.push(await openInput(path, options));
  return inputs;
}

/** Reads every input in order as one stream of record chunks. */
export async function* recordsOf(inputs: OpenedInput[], options: SourceOptions): AsyncGenerator<SourceRecord[]> {
  for (const input of inputs) yield* readRecords(input, options);
}

/**
 * sha256 of a file's bytes as stored. Computed before the import starts (one
 * extra sequential read) because a job killed midway must already have it on
 * record for --resume to check the input is unchanged.
 */
export async function checksumFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  // One buffer, reused: a read stream's fresh 1 MB buffer per read left ~25-30 MB of
  // garbage that the import's peak RSS carried (27-34 MB of ArrayBuffers on the main
  // thread at the peak of a 1M-row import; measured with v8 heap statistics).
  const buffer = Buffer.allocUnsafe(CHECKSUM_READ_BYTES);
  const file = await fs.promises.open(path, 'r');
  try {
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await file.close();
  }
  return hash.digest('hex');
}

const CHECKSUM_READ_BYTES = 1 << 20;

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
