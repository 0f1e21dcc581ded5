import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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
