import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAbruptExitCleanups } from '../../src/exit-cleanups.js';
import { fileSink } from '../../src/export/sink.js';

describe('an export file sink and an abrupt exit', () => {
  it('the temporary file exists from the start, so the cleanup of a second signal removes it (the stream opened it later, and a 0-byte one stayed)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-sink-'));
    try {
      const out = path.join(dir, 'o.csv');
      const sink = fileSink(out, false);
      // Made at once, beside --out.
      expect(fs.readdirSync(dir).filter((name) => name.endsWith('.barge-tmp'))).toHaveLength(1);
      runAbruptExitCleanups();
      // Nothing is opened later behind the cleanup's back.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(fs.readdirSync(dir)).toEqual([]);
      await sink.discard();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
