import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportJobId } from '../../src/pipeline/report-job.js';
import { readHead } from '../../src/file-head.js';

describe('the head of an input, read to find a report\'s job', () => {
  it('reads the job of an NDJSON and a CSV report; a data file names none', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-head-'));
    try {
      fs.writeFileSync(path.join(dir, 'r.ndjson'), '{"_barge_job":"j-1","id":"2"}\n');
      fs.writeFileSync(path.join(dir, 'r.csv'), '_barge_job,_barge_line,id\nj-2,3,2\n');
      fs.writeFileSync(path.join(dir, 'd.csv'), 'id\n1\n');
      expect([reportJobId(path.join(dir, 'r.ndjson')), reportJobId(path.join(dir, 'r.csv')), reportJobId(path.join(dir, 'd.csv'))]).toEqual(['j-1', 'j-2', undefined]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(process.platform === 'win32')('never opens a named pipe: its reader would take the bytes from the import', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-head-'));
    const fifo = path.join(dir, 'in.csv');
    try {
      execFileSync('mkfifo', [fifo]);
      const writer = spawn('sh', ['-c', `printf 'id\\n1\\n2\\n' > '${fifo}'`]);
      expect(readHead(fifo)).toBeUndefined();
      // All of it is still there for the import.
      expect(fs.readFileSync(fifo, 'utf8')).toBe('id\n1\n2\n');
      await new Promise((resolve) => writer.on('close', resolve));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
