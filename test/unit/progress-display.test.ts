import { describe, expect, it, vi, afterEach } from 'vitest';
import { createProgressDisplay, formatSeconds, lineIntervalMs, progressModeFor } from '../../src/progress/progress-display.js';

const tty = { isTTY: true } as NodeJS.WriteStream;
const pipe = { isTTY: false } as NodeJS.WriteStream;

/** A stream that keeps what is written. */
function sink(isTTY = false) {
  const written: string[] = [];
  const stream = { isTTY, columns: 100, write: (text: string) => { written.push(text); return true; } } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

describe('progressModeFor (SPEC §9)', () => {
  it('a bar on a terminal, nothing on a pipe unless --progress, then plain lines', () => {
    expect(progressModeFor({}, tty, {})).toBe('bar');
    expect(progressModeFor({}, pipe, {})).toBe('off');
    expect(progressModeFor({ progress: true }, pipe, {})).toBe('lines');
    expect(progressModeFor({ progress: true }, tty, {})).toBe('bar');
  });

  it('--no-progress and --quiet turn it off everywhere; --quiet wins over --progress', () => {
    expect(progressModeFor({ progress: false }, tty, {})).toBe('off');
    expect(progressModeFor({ quiet: true }, tty, {})).toBe('off');
    expect(progressModeFor({ quiet: true, progress: true }, pipe, {})).toBe('off');
  });

  it('TERM=dumb: plain lines on a terminal', () => {
    expect(progressModeFor({}, tty, { TERM: 'dumb' })).toBe('lines');
  });
});

describe('lineIntervalMs', () => {
  it('5 s by default, BARGE_PROGRESS_INTERVAL_MS otherwise, a usage error when it is not a number of ms', () => {
    expect(lineIntervalMs({})).toBe(5000);
    expect(lineIntervalMs({ BARGE_PROGRESS_INTERVAL_MS: '250' })).toBe(250);
    for (const bad of ['0', '9', 'soon', '1.5', '-100', '3600001']) {
      expect(() => lineIntervalMs({ BARGE_PROGRESS_INTERVAL_MS: bad }), bad).toThrow(/^BARGE_PROGRESS_INTERVAL_MS must be a number of milliseconds from 10 to 3600000/);
    }
  });
});

describe('formatSeconds', () => {
  it('s, m and s, h and m', () => {
    expect([0, 5, 59, 60, 65, 3599, 3600, 3700].map(formatSeconds)).toEqual(['0s', '5s', '59s', '1m00s', '1m05s', '59m59s', '1h00m', '1h01m']);
  });
});

describe('plain lines', () => {
  afterEach(() => vi.useRealTimers());

  it('one line per interval, the first after one interval; no \\r, no escape codes', () => {
    vi.useFakeTimers({ now: 0 });
    const { stream, written } = sink();
    const display = createProgressDisplay('lines', stream, { env: { BARGE_PROGRESS_INTERVAL_MS: '1000' } });
    display.update({ done: 10, total: 100, records: 10, rejected: 0 });
    expect(written).toEqual([]);
    vi.setSystemTime(1000);
    display.update({ done: 25, total: 100, records: 250, rejected: 3 });
    vi.setSystemTime(1500);
    display.update({ done: 40, total: 100, records: 400, rejected: 3 });
    vi.setSystemTime(2000);
    display.update({ done: 50, total: 100, records: 1500, rejected: 4 });
    display.stop();
    expect(written).toEqual([
      'barge: 25% | 250 records | 250 records/s | 3 rejected | ETA 3s\n',
      'barge: 50% | 1,500 records | 750 records/s | 4 rejected | ETA 2s\n',
    ]);
  });

  it('without a total: a running count, the rate and the time so far; export counts rows of a total', () => {
    vi.useFakeTimers({ now: 0 });
    const { stream, written } = sink();
    const stdin = createProgressDisplay('lines', stream, { env: { BARGE_PROGRESS_INTERVAL_MS: '1000' } });
    vi.setSystemTime(2000);
    stdin.update({ done: 123, records: 4000, rejected: 0 });
    const exported = createProgressDisplay('lines', stream, { unit: 'rows', totalIsCount: true, env: { BARGE_PROGRESS_INTERVAL_MS: '1000' } });
    vi.setSystemTime(3000);
    exported.update({ done: 500, total: 2000, records: 500 });
    expect(written).toEqual([
      'barge: 4,000 records | 2,000 records/s | 0 rejected | 2s elapsed\n',
      'barge: 25% | 500 of 2,000 rows | 500 rows/s | ETA 3s\n',
    ]);
  });

  it('log: a message on its own line, in every mode', () => {
    for (const mode of ['lines', 'off'] as const) {
      const { stream, written } = sink();
      createProgressDisplay(mode, stream).log('barge: a warning');
      expect(written).toEqual(['barge: a warning\n']);
    }
  });
});
