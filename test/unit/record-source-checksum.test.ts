import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileSha256 } from '../../src/pipeline/file-sha256.js';
import { IdleChecksums } from '../../src/pipeline/idle-checksums.js';
import { checksumFile } from '../../src/pipeline/record-source.js';
import { seededRandom } from '../helpers/random.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-checksum-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('checksumFile (one 1 MB buffer, reused from read to read)', () => {
  const random = seededRandom(7);
  // Sizes around the buffer's: empty, one short read, exactly one buffer, several with a short last one.
  for (const size of [0, 1000, 1 << 20, (3 << 20) + 12345]) {
    it(`${size} bytes: the sha256 of the whole file`, async () => {
      const bytes = Buffer.alloc(size);
      for (let i = 0; i < size; i++) bytes[i] = Math.floor(random() * 256);
      const file = path.join(dir, `f-${size}.bin`);
      fs.writeFileSync(file, bytes);
      expect(await checksumFile(file)).toBe(crypto.createHash('sha256').update(bytes).digest('hex'));
    });
  }
});

describe('FileSha256 (checksumFile and the atomic import\'s idle checksums)', () => {
  it.skipIf(process.platform === 'win32')('refuses a named pipe without opening it (with no writer, opening would block)', () => {
    const fifo = path.join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    expect(() => new FileSha256(fifo)).toThrow('is not a regular file');
    expect(new IdleChecksums([fifo]).finish()).toEqual([undefined]);
  });

  it('takes each regular input of several in steps; one that is gone gets none', () => {
    const a = path.join(dir, 'a.bin');
    const b = path.join(dir, 'b.bin');
    fs.writeFileSync(a, Buffer.alloc((2 << 20) + 7, 1));
    fs.writeFileSync(b, 'b');
    const sums = new IdleChecksums([a, path.join(dir, 'missing'), '-', b]);
    let steps = 0;
    while (sums.step()) steps++;
    expect(steps).toBe(4); // three steps for a (two full buffers and seven bytes), one for b
    const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    expect(sums.taken()).toEqual([sha(a), undefined, undefined, sha(b)]);
  });
});
