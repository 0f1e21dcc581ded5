import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { barge, BIN, rows, workdir } from '../helpers/cli.js';
import { hasScript, waitForBatches, waitUntil } from '../helpers/waits.js';

/**
 * SPEC §9 and issue 6: what a person sees. In a real terminal (a pseudo-terminal
 * made by util-linux `script`) a bar is drawn, redrawn and replaced by the
 * summary; without one (a pipe, as cron and CI give) stderr holds no `\r` and no
 * escape codes, and --progress prints plain lines; --quiet prints nothing but errors.
 */

const RECORDS = 300_000;
const BAD_EVERY = 1000;
const ESC = '\x1b';
/** Any SGR (colour, bold...) sequence. barge prints none, in any mode. */
const SGR = /\x1b\[[0-9;]*m/;


/** numbered.csv: RECORDS records, every BAD_EVERY-th with a qty that is not an integer. */
function writeInputs(dir: string): void {
  const lines = ['id,name,qty'];
  for (let i = 1; i <= RECORDS; i++) lines.push(`${i},item ${i},${i % BAD_EVERY === 0 ? 'many' : i % 500}`);
  fs.writeFileSync(path.join(dir, 'numbered.csv'), lines.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'numbered.schema.json'), JSON.stringify({
    table: 'numbered',
    columns: { id: { type: 'integer', required: true }, name: { type: 'string', required: true }, qty: { type: 'integer', min: 0 } },
  }));
}

const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

interface TerminalOptions { env?: Record<string, string>; before?: string; after?: string; timeout?: number }

/**
 * Starts `barge <args>` (or a shell pipeline ending in it) in a pseudo-terminal of
 * 100 columns: stdin, stdout and stderr are the terminal. Its stdout is what it printed.
 */
function startInTerminal(dir: string, args: string[], { env = {}, before = '', after = '', timeout }: TerminalOptions = {}) {
  const command = `stty cols 100 rows 40 2>/dev/null; ${before}node ${quote(BIN)} ${args.map(quote).join(' ')}${after}`;
  return execa('script', ['-qfec', command, '/dev/null'], {
    cwd: dir, reject: false, stdin: 'pipe', stripFinalNewline: false, timeout,
    env: { ...process.env, BARGE_DB: '', BARGE_DEBUG: '', NO_COLOR: '', FORCE_COLOR: '', TERM: 'xterm-256color', LANG: 'C.UTF-8', LC_ALL: '', LC_CTYPE: '', ...env },
  });
}

/** Runs `barge <args>` in a pseudo-terminal (startInTerminal); returns all it printed. */
async function inTerminal(dir: string, args: string[], options: TerminalOptions = {}) {
  const result = await startInTerminal(dir, args, options);
  return { exitCode: result.exitCode, output: String(result.stdout) };
}

/** The frames of a bar: each redraw goes to column 1 (ESC[1G), writes the text and erases the rest (ESC[0K). */
function framesOf(output: string): string[] {
  return [...output.matchAll(/\x1b\[1G([^\x1b]*)\x1b\[0K/g)].map((m) => m[1]!);
}

/** What follows the bar: the summary, as a user reads it (the terminal turns \n into \r\n). */
function afterBar(output: string): string {
  const erased = output.lastIndexOf(`${ESC}[2K`);
  expect(erased, 'the bar line is erased at the end').toBeGreaterThan(-1);
  return output.slice(erased + `${ESC}[2K`.length).replace(/\r\n/g, '\n');
}

/** A work directory with the inputs and loaded.db, a loaded table to export. */
async function inputsAndLoadedTable(): Promise<string> {
  const dir = workdir();
  writeInputs(dir);
  const load = await barge(dir, ['import', 'numbered.csv', '--schema', 'numbered.schema.json', '--mode', 'row', '--db', 'loaded.db', '--errors', 'loaded.errors.ndjson']);
  expect(load.exitCode, load.stderr).toBe(1);
  return dir;
}

const IMPORT_FRAME = /^[█░]* ?(\d{1,3})% \| ([\d,]+) records \| [\d,]+ records\/s \| ([\d,]+) rejected \| ETA (?:--|\d+s|\d+m\d\ds|\d+h\d\dm)$/;
const count = (text: string) => Number(text.replace(/,/g, ''));

describe.skipIf(!hasScript)('in a terminal (util-linux script)', () => {
  let dir: string;
  beforeAll(async () => { dir = await inputsAndLoadedTable(); });

  it('import: a bar with percent, records/s, rejected and ETA, redrawn at most ~10 times a second, then the summary in its place', async () => {
    const { exitCode, output } = await inTerminal(dir, ['import', 'numbered.csv', '--schema', 'numbered.schema.json', '--mode', 'row', '--db', 'tty.db', '--errors', 'tty.errors.ndjson']);
    expect(exitCode, output).toBe(1);
    const frames = framesOf(output);
    expect(frames.length, output).toBeGreaterThanOrEqual(2);
    const parsed = frames.map((frame) => {
      const m = IMPORT_FRAME.exec(frame);
      expect(m, `a frame of the bar: ${JSON.stringify(frame)}`).not.toBeNull();
      return { percent: Number(m![1]), records: count(m![2]!), rejected: count(m![3]!), frame };
    });
    // Redrawn as the import goes, never backwards; the last frame is the whole input.
    for (let i = 1; i < parsed.length; i++) {
      expect(parsed[i]!.percent).toBeGreaterThanOrEqual(parsed[i - 1]!.percent);
      expect(parsed[i]!.records).toBeGreaterThanOrEqual(parsed[i - 1]!.records);
    }
    expect(parsed.at(-1)).toMatchObject({ percent: 100, records: RECORDS, rejected: RECORDS / BAD_EVERY });
    expect(parsed.at(-1)!.frame).toMatch(/^█+ 100%/);
    expect(parsed.some((p) => p.rejected > 0 && p.rejected < RECORDS / BAD_EVERY || p.percent < 100)).toBe(true);
    // The cursor is hidden while the bar draws and given back after it.
    expect(output.indexOf(`${ESC}[?25l`)).toBeLessThan(output.indexOf(`${ESC}[1G`));
    expect(output.lastIndexOf(`${ESC}[?25h`)).toBeGreaterThan(output.lastIndexOf(`${ESC}[0K`));
    // The summary replaces the bar: the line is erased, then plain text, with no redraw after it.
    const summary = afterBar(output);
    expect(summary).not.toContain(ESC);
    const lines = summary.split('\n');
    expect(lines[0]).toBe(`barge: import of numbered.csv into "numbered": partial: 300 records rejected, 299,700 loaded`);
    expect(lines[1]).toBe('  read 300,000, inserted 299,700, rejected 300');
    const seconds = Number(/^ {2}(\d+\.\d) s, [\d,]+ records\/s, job \S+$/.exec(lines[2]!)?.[1]);
    expect(seconds).toBeGreaterThan(0);
    expect(summary).toContain(`  ... and 295 more rejected records in the report\n  report: ${path.join(fs.realpathSync(dir), 'tty.errors.ndjson')} (fix the records and import it again)\n`);
    // At most ~10 redraws a second (and a first and a last).
    expect(frames.length).toBeLessThanOrEqual(Math.ceil(seconds * 11) + 3);
    expect(output).not.toMatch(SGR);
  });

  it('import from stdin: a running count and rate instead of a percent', async () => {
    const { exitCode, output } = await inTerminal(dir, ['import', '-', '--format', 'csv', '--schema', 'numbered.schema.json', '--mode', 'row', '--db', 'stdin.db', '--errors', 'stdin.errors.ndjson'], { before: 'cat numbered.csv | ' });
    expect(exitCode, output).toBe(1);
    const frames = framesOf(output);
    expect(frames.length, output).toBeGreaterThanOrEqual(2);
    for (const frame of frames) expect(frame).toMatch(/^[\d,]+ records \| [\d,]+ records\/s \| [\d,]+ rejected \| \d+(?:s|m\d\ds) elapsed$/);
    expect(frames.at(-1)).toMatch(/^300,000 records \| /);
    expect(afterBar(output).split('\n')[0]).toBe('barge: import of stdin into "numbered": partial: 300 records rejected, 299,700 loaded');
  });

  it('Ctrl-C while stdin is idle: stops at once, not when stdin ends; says so, then the summary; cursor and wrapping given back', async () => {
    // stdin stays open after the records (an idle producer) for as long as barge runs (the pid it
    // finds in ctrl-c.pid; or the shell, if the run is killed): were the read to hold the stop up
    // until stdin ends, it would never end, and the run would be killed (timedOut).
    // The Ctrl-C comes when the test creates ctrl-c.now: once the bar shows the records read and
    // their 4 whole batches are committed.
    const now = path.join(dir, 'ctrl-c.now');
    const run = startInTerminal(dir, ['import', '-', '--format', 'csv', '--table', 'waiting', '--mode', 'batch', '--db', 'ctrl-c.db'], {
      before: '(head -5000 numbered.csv; while { [ ! -s ctrl-c.pid ] || kill -0 "$(cat ctrl-c.pid)"; } 2>/dev/null && kill -0 $$ 2>/dev/null; do sleep 0.05; done) | ',
      after: ' & pid=$!; echo $pid > ctrl-c.pid; while [ ! -e ctrl-c.now ] && kill -0 $pid 2>/dev/null; do sleep 0.05; done; kill -INT $pid; wait $pid',
      timeout: 45_000,
    });
    let printed = '';
    run.stdout!.on('data', (chunk: Buffer) => { printed += String(chunk); });
    try {
      const shown = () => /^4,9\d\d records \| /.test(framesOf(printed).at(-1) ?? '');
      await waitUntil('the bar to show the 4,999 records read', () => shown() || run.exitCode !== null);
      expect(shown(), `the bar never showed the records read: ${JSON.stringify(printed.slice(-500))}`).toBe(true);
      await waitForBatches(path.join(dir, 'ctrl-c.db'), 4);
    } finally {
      fs.writeFileSync(now, '');
    }
    const result = await run;
    const output = String(result.stdout);
    expect(result.timedOut, output).toBe(false);
    expect(result.exitCode, output).toBe(130);
    expect(framesOf(output).at(-1)).toMatch(/^4,9\d\d records \| /);
    expect(output).toContain(`${ESC}[2Kbarge: stopping (Ctrl-C again to quit at once)\r\n`);
    expect(output).toContain('barge: import of stdin into "waiting": interrupted after 4 committed batches, which stay; a job that read stdin cannot be resumed');
    // The run's own duration, in its format (how long is the benchmark's to say).
    expect(output).toMatch(/\r\n {2}\d+\.\d s, [\d,]+ records\/s, job /);
    expect(output.lastIndexOf(`${ESC}[?25h`)).toBeGreaterThan(output.lastIndexOf(`${ESC}[?25l`));
    expect(output.lastIndexOf(`${ESC}[?7h`)).toBeGreaterThan(output.lastIndexOf(`${ESC}[?7l`));
    expect(rows(path.join(dir, 'ctrl-c.db'), 'SELECT count(*) AS n FROM waiting')[0]).toEqual({ n: 4000 });
  });

  it('validate draws the same bar', async () => {
    const { exitCode, output } = await inTerminal(dir, ['validate', 'numbered.csv', '--schema', 'numbered.schema.json', '--errors', 'validate.errors.ndjson']);
    expect(exitCode, output).toBe(1);
    const frames = framesOf(output);
    expect(frames.length).toBeGreaterThanOrEqual(2);
    for (const frame of frames) expect(frame).toMatch(IMPORT_FRAME);
    expect(afterBar(output).split('\n')[0]).toBe('barge: validate numbered.csv against "numbered" (file schema): 300 invalid records');
  });

  it('export: a bar against the total from COUNT(*), then its summary', async () => {
    const { exitCode, output } = await inTerminal(dir, ['export', '--table', 'numbered', '--db', 'loaded.db', '--out', 'out.csv']);
    expect(exitCode, output).toBe(0);
    const frames = framesOf(output);
    expect(frames.length, output).toBeGreaterThanOrEqual(2);
    for (const frame of frames) expect(frame).toMatch(/^[█░]* ?\d{1,3}% \| [\d,]+ of 299,700 rows \| [\d,]+ rows\/s \| ETA (?:--|\d+s|\d+m\d\ds)$/);
    expect(frames.at(-1)).toMatch(/^█+ 100% \| 299,700 of 299,700 rows \| /);
    expect(afterBar(output)).toMatch(/^barge: exported 299,700 rows from "numbered" to out\.csv \(\d+\.\d s, [\d,]+ rows\/s\)\n$/);
    expect(fs.readFileSync(path.join(dir, 'out.csv'), 'utf8').split('\n')).toHaveLength(299_700 + 2);
  });

  it('export with its rows on the terminal draws no bar over them', async () => {
    const { exitCode, output } = await inTerminal(dir, ['export', '--table', 'numbered', '--db', 'loaded.db', '--limit', '2000']);
    expect(exitCode, output).toBe(0);
    expect(output).not.toContain(ESC);
    expect(output.replace(/\r\n/g, '\n')).toMatch(/^id,name,qty\n1,item 1,1\n[^]*\nbarge: exported 2,000 rows from "numbered" to stdout \(\d+\.\d s, [\d,]+ rows\/s\)\n$/);
  });

  it('NO_COLOR, FORCE_COLOR: no colour either way; --no-progress: no escape codes at all', async () => {
    for (const env of [{ NO_COLOR: '1' }, { FORCE_COLOR: '3' }]) {
      const { output } = await inTerminal(dir, ['import', 'numbered.csv', '--schema', 'numbered.schema.json', '--mode', 'row', '--db', `color-${Object.keys(env)[0]}.db`, '--errors', 'c.ndjson'], { env });
      expect(framesOf(output).length).toBeGreaterThanOrEqual(2);
      expect(output).not.toMatch(SGR);
    }
    const { exitCode, output } = await inTerminal(dir, ['import', 'numbered.csv', '--schema', 'numbered.schema.json', '--mode', 'row', '--db', 'plain.db', '--errors', 'p.ndjson', '--no-progress']);
    expect(exitCode).toBe(1);
    expect(output).not.toContain(ESC);
    expect(output.replace(/\r\n/g, '\n')).toMatch(/^barge: import of numbered\.csv into "numbered": partial: 300 records rejected, 299,700 loaded\n/);
  });

  it('TERM=dumb: plain progress lines, no escape codes', async () => {
    const { exitCode, output } = await inTerminal(dir, ['import', 'numbered.csv', '--schema', 'numbered.schema.json', '--mode', 'row', '--db', 'dumb.db', '--errors', 'd.ndjson'], {
      env: { TERM: 'dumb', BARGE_PROGRESS_INTERVAL_MS: '50' },
    });
    expect(exitCode).toBe(1);
    expect(output).not.toContain(ESC);
    const lines = output.replace(/\r\n/g, '\n').split('\n');
    expect(lines.filter((line) => /^barge: \d+% \| [\d,]+ records \| /.test(line)).length).toBeGreaterThanOrEqual(1);
    expect(output.replace(/\r\n/g, '')).not.toContain('\r');
  });

  it('--quiet: nothing at all, even on a terminal; errors still', async () => {
    const ok = await inTerminal(dir, ['import', 'numbered.csv', '--schema', 'numbered.schema.json', '--mode', 'row', '--db', 'quiet.db', '--errors', 'q.ndjson', '--quiet']);
    expect(ok.exitCode).toBe(1);
    expect(ok.output).toBe('');
    const failed = await inTerminal(dir, ['import', 'numbered.csv', '--batch-size', '0', '--quiet']);
    expect(failed.exitCode).toBe(2);
    expect(failed.output).toBe('barge: error: --batch-size must be an integer from 1 to 1000000, got "0"\r\n');
  });
});

describe('without a terminal (pipes, as in cron and CI)', () => {
  let dir: string;
  beforeAll(async () => { dir = await inputsAndLoadedTable(); });

  const expectPlain = (stderr: string) => {
    expect(stderr).not.toContain('\r');
    expect(stderr).not.toContain(ESC);
  };

  it('import, validate, export: no \\r, no escape codes, only the summary', async () => {
    const runs: Array<[string[], number, RegExp]> = [
      [['import', 'numbered.csv', '--schema', 'numbered.schema.json', '--mode', 'row', '--db', 'a.db', '--errors', 'a.ndjson'], 1, /^barge: import of numbered\.csv into "numbered": partial: /],
      [['validate', 'numbered.csv', '--schema', 'numbered.schema.json', '--errors', 'v.ndjson'], 1, /^barge: validate numbered\.csv against "numbered" \(file schema\): 300 invalid records\n/],
      [['export', '--table', 'numbered', '--db', 'loaded.db', '--out', 'out.ndjson'], 0, /^barge: exported 299,700 rows from "numbered" to out\.ndjson \(\d+\.\d s, [\d,]+ rows\/s\)$/],
    ];
    for (const [args, exit, summary] of runs) {
      const result = await barge(dir, args, { env: { NO_COLOR: '' } });
      expect(result.exitCode, result.stderr).toBe(exit);
      expectPlain(result.stderr);
      expect(result.stderr).toMatch(summary);
      expect(result.stderr).not.toMatch(/^barge: \d+%/m);
    }
  });

  it('--progress: a plain line every BARGE_PROGRESS_INTERVAL_MS, then the summary', async () => {
    const env = { BARGE_PROGRESS_INTERVAL_MS: '50' };
    const imported = await barge(dir, ['import', 'numbered.csv', '--schema', 'numbered.schema.json', '--mode', 'row', '--db', 'b.db', '--errors', 'b.ndjson', '--progress'], { env });
    expect(imported.exitCode).toBe(1);
    expectPlain(imported.stderr);
    const lines = imported.stderr.split('\n');
    const progress = lines.filter((line) => line.startsWith('barge: ') && /^barge: \d/.test(line));
    expect(progress.length, imported.stderr).toBeGreaterThanOrEqual(2);
    for (const line of progress) expect(line).toMatch(/^barge: \d{1,3}% \| [\d,]+ records \| [\d,]+ records\/s \| [\d,]+ rejected \| ETA (?:--|\d+s|\d+m\d\ds)$/);
    // The lines come first, then the summary.
    expect(lines.findIndex((line) => line.startsWith('barge: import of'))).toBe(progress.length);

    const exported = await barge(dir, ['export', '--table', 'numbered', '--db', 'loaded.db', '--out', 'p.csv', '--progress'], { env: { BARGE_PROGRESS_INTERVAL_MS: '10' } });
    expect(exported.exitCode).toBe(0);
    expectPlain(exported.stderr);
    const rows = exported.stderr.split('\n').filter((line) => /^barge: \d/.test(line));
    expect(rows.length, exported.stderr).toBeGreaterThanOrEqual(1);
    for (const line of rows) expect(line).toMatch(/^barge: \d{1,3}% \| [\d,]+ of 299,700 rows \| [\d,]+ rows\/s \| ETA \S+$/);

    const fromStdin = await barge(dir, ['import', '-', '--format', 'csv', '--schema', 'numbered.schema.json', '--mode', 'row', '--db', 'c.db', '--errors', 'c.ndjson', '--progress'], {
      env, inputFile: path.join(dir, 'numbered.csv'),
    });
    expect(fromStdin.exitCode).toBe(1);
    const counted = fromStdin.stderr.split('\n').filter((line) => /^barge: \d/.test(line));
    expect(counted.length, fromStdin.stderr).toBeGreaterThanOrEqual(1);
    for (const line of counted) expect(line).toMatch(/^barge: [\d,]+ records \| [\d,]+ records\/s \| [\d,]+ rejected \| \d+(?:s|m\d\ds) elapsed$/);
  });

  it('--progress with the default interval (5 s): a short run prints no progress line', async () => {
    const result = await barge(dir, ['import', 'fixtures/makers.csv', '--schema', 'fixtures/makers.schema.json', '--progress', '--db', 'short.db']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/^barge: import of fixtures\/makers\.csv into "makers": succeeded\n/);
  });

  it('a bad BARGE_PROGRESS_INTERVAL_MS is a usage error, before anything is written', async () => {
    const result = await barge(dir, ['import', 'fixtures/makers.csv', '--schema', 'fixtures/makers.schema.json', '--progress', '--db', 'never.db'], { env: { BARGE_PROGRESS_INTERVAL_MS: 'often' } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('barge: error: BARGE_PROGRESS_INTERVAL_MS must be a number of milliseconds from 10 to 3600000, got "often"; unset it for the default (5000)');
    expect(fs.existsSync(path.join(dir, 'never.db'))).toBe(false);
  });

  it('--quiet: nothing on stderr, whatever happened, also with --progress; errors still', async () => {
    const runs: Array<[string[], number]> = [
      [['import', 'numbered.csv', '--schema', 'numbered.schema.json', '--mode', 'row', '--db', 'q.db', '--errors', 'q.ndjson', '--progress'], 1],
      [['import', 'fixtures/makers.csv', '--schema', 'fixtures/makers.schema.json', '--db', 'q2.db'], 0],
      [['validate', 'numbered.csv', '--schema', 'numbered.schema.json', '--errors', 'qv.ndjson'], 1],
      [['export', '--table', 'numbered', '--db', 'loaded.db', '--out', 'q.csv', '--progress'], 0],
      [['export', '--table', 'numbered', '--db', 'loaded.db', '--limit', '3'], 0],
      [['stats', '--db', 'loaded.db'], 0],
    ];
    for (const [args, exit] of runs) {
      const result = await barge(dir, [...args, '--quiet'], { env: { BARGE_PROGRESS_INTERVAL_MS: '10' } });
      expect(result.exitCode, args.join(' ')).toBe(exit);
      expect(result.stderr, args.join(' ')).toBe('');
    }
    const failed = await barge(dir, ['export', '--table', 'nope', '--db', 'loaded.db', '--quiet']);
    expect(failed.exitCode).toBe(2);
    expect(failed.stderr).toBe('barge: error: no table "nope" in loaded.db; list the tables with: barge stats --db loaded.db');
  });
});

describe('a reader that goes away', () => {
  it('stderr (or stdout with --json) closed early: the exit code still says what happened', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'good.csv'), 'id,name\n1,a\n');
    fs.writeFileSync(path.join(dir, 'bad.csv'), 'id,name\nx,a\n');
    const run = async (command: string) => {
      const result = await execa('bash', ['-c', `${command}; echo "exit=\${PIPESTATUS[0]}"`], { cwd: dir, reject: false, env: { ...process.env, BIN, BARGE_DB: '' } });
      return /exit=(\d+)/.exec(String(result.stdout))?.[1];
    };
    expect(await run('node "$BIN" import good.csv 2>&1 | true')).toBe('0');
    expect(await run('node "$BIN" validate good.csv 2>&1 | true')).toBe('0');
    expect(await run('node "$BIN" validate good.csv --json 2>/dev/null | true')).toBe('0');
    expect(await run('node "$BIN" stats 2>/dev/null --json | true')).toBe('0');
    expect(await run('node "$BIN" validate bad.csv --table good 2>&1 | true')).toBe('1');
    expect(rows(path.join(dir, 'barge.db'), 'SELECT status FROM _barge_jobs')).toEqual([{ status: 'succeeded' }]);
  });
});
