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
  for await (const chunk of fs.createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function describeInputs(inputs: OpenedInput[]): Promise<JobInput[]> {
  const described: JobInput[] = [];
  for (const input of inputs) {
    const stdin = input.path === '-';
    described.push({
      path: stdin ? '-' : input.path,
      name: input.name,
      format: input.format,
      size: input.size ?? null,
      sha256: stdin ? null : await checksumFile(input.path),
    });
  }
  return described;
}
