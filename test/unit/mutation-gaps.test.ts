import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatBytes } from '../../src/cli/render/text-table.js';
import { createProgressDisplay } from '../../src/progress/progress-display.js';
import { ErrorReport } from '../../src/report/error-report.js';
import type { ReportEntry } from '../../src/report/report-entry.js';
import { firstEntryJob } from '../../src/report/report-owner.js';
import { tempDir } from '../helpers/temp-dirs.js';

// Behaviour a mutation-testing round found no test pinned: each test here fails with its mutant.

/** A stream that keeps what is written. */
function sink() {
  const written: string[] = [];
  const stream = { isTTY: false, columns: 100, write: (text: string) => { written.push(text); return true; } } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

describe('formatBytes: a unit is used from exactly 1024 of the one below', () => {
  it('1023 is bytes, 1024 is 1.0 KiB, 1048576 is 1.0 MiB', () => {
    expect([1023, 1024, 1048576].map(formatBytes)).toEqual(['1023 B', '1.0 KiB', '1.0 MiB']);
  });
});

describe('plain progress lines: edge cases', () => {
  afterEach(() => vi.useRealTimers());

  it('a total of 0 rows gives no percent and no ETA: the count of 0 and the time elapsed (not NaN%)', () => {
    vi.useFakeTimers({ now: 0 });
    const { stream, written } = sink();
    const display = createProgressDisplay('lines', stream, { unit: 'rows', totalIsCount: true, env: { BARGE_PROGRESS_INTERVAL_MS: '1000' } });
    vi.setSystemTime(1000);
    display.update({ done: 0, total: 0, records: 0 });
    display.stop();
    expect(written).toEqual(['barge: 0 of 0 rows | 0 rows/s | 1s elapsed\n']);
  });

  it('no ETA before half a second has passed, however far along the run is', () => {
    vi.useFakeTimers({ now: 0 });
    const { stream, written } = sink();
    const display = createProgressDisplay('lines', stream, { env: { BARGE_PROGRESS_INTERVAL_MS: '100' } });
    vi.setSystemTime(100);
    display.update({ done: 50, total: 100, records: 50 });
    display.stop();
    expect(written).toEqual(['barge: 50% | 50 records | 500 records/s | ETA --\n']);
  });
});

function entry(id: number): ReportEntry {
  return {
    _barge_job: 'j1', _barge_input: 'in.csv', _barge_line: id + 1, _barge_record: id, _barge_batch: id,
    _barge_errors: [{ column: 'qty', code: 'invalid_type', message: `line ${id + 1}, column "qty": expected an integer`, value: 'x' }],
    _barge_text: true, id: String(id), qty: 'x',
  };
}

describe('ErrorReport: a resumed JSON report found as an empty array', () => {
  it('the first new entry takes no comma: the report stays one JSON array holding only it', () => {
    const file = path.join(tempDir('barge-report-'), 'report.json');
    const first = new ErrorReport(file, ['id', 'qty']);
    first.add(entry(1));
    first.add(entry(2));
    const committed = first.size;
    first.close();
    // Cut shorter than the checkpoint said, to an empty array.
    fs.writeFileSync(file, '[\n]\n');
    const resumed = new ErrorReport(file, ['id', 'qty'], true, committed);
    resumed.add(entry(3));
    resumed.close();
    const text = fs.readFileSync(file, 'utf8');
    expect(text.startsWith('[\n  {')).toBe(true);
    expect((JSON.parse(text) as ReportEntry[]).map((e) => e.id)).toEqual(['3']);
  });
});

describe('firstEntryJob: a named pipe at the report\'s path', () => {
  it.skipIf(process.platform === 'win32')('is never opened: its writer stays waiting for a reader, and every byte is left for that reader', async () => {
    const dir = tempDir('barge-head-');
    const fifo = path.join(dir, 'r.ndjson');
    execFileSync('mkfifo', [fifo]);
    // The writer's open waits until something opens the pipe for reading.
    const writer = spawn('sh', ['-c', 'echo \'{"_barge_job":"x"}\' > "$1"', 'sh', fifo]);
    const closed = new Promise((resolve) => writer.on('close', resolve));
    const job = firstEntryJob(fifo, 'ndjson');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const writerDone = writer.exitCode !== null || writer.signalCode !== null;
    // The reader, opened without waiting (a pipe opened for reading never blocks so): the writer is
    // released, and what it wrote is read back, nothing hanging whatever happened above.
    const fd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    let text = '';
    try {
      await closed;
      const buffer = Buffer.alloc(1024);
      for (let n; (n = fs.readSync(fd, buffer, 0, buffer.length, null)) > 0;) text += buffer.subarray(0, n).toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
    expect(job).toBeUndefined();
    expect(writerDone).toBe(false);
    expect(text).toBe('{"_barge_job":"x"}\n');
  });
});
