import { createRequire } from 'node:module';
import type cliProgress from 'cli-progress';
import { BargeError } from '../errors.js';
import { groupDigits } from '../group-digits.js';
import { barGlyphs, barLine, type BarGlyphs, type ProgressWord } from './bar-line.js';

/**
 * SPEC §9: progress on stderr. On a terminal, one bar redrawn in place at most
 * 10 times a second and cleared at the end, so the summary takes its place.
 * Elsewhere (cron, CI) nothing at all unless --progress, and then a plain line
 * every few seconds: no `\r`, no escape codes, so a cron mail stays readable.
 *
 * barge never prints colour, so NO_COLOR needs nothing more; the only escape
 * codes it writes are the cursor moves and line erases that redraw the bar, on
 * a terminal only. A terminal that cannot move the cursor (TERM=dumb) gets the
 * plain lines instead.
 */
export interface ProgressTick {
  /** Bytes read (import, validate) or rows written (export); with `total`, gives the percent. */
  done: number;
  total?: number;
  records: number;
  /** Rejected so far (import, validate); undefined for export, which has none. */
  rejected?: number;
}

export interface ProgressDisplay {
  update(tick: ProgressTick): void;
  /** A message (a warning) on a line of its own, above the bar, which is redrawn after it. */
  log(line: string): void;
  /** Removes the bar (a terminal) so the summary takes its place. */
  stop(): void;
}

export type ProgressMode = 'bar' | 'lines' | 'off';

export interface ProgressOptions {
  /** What is counted: "records" (import, validate) or "rows" (export). */
  unit?: string;
  /** `done` counts the same things as `records` (export), so show "n of total" rather than a byte percent only. */
  totalIsCount?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** The default interval of the plain lines; BARGE_PROGRESS_INTERVAL_MS overrides it. */
export const LINE_INTERVAL_MS = 5000;

/**
 * SPEC §9: a bar on a terminal, nothing elsewhere unless --progress (then plain
 * lines), nothing with --quiet or --no-progress. --quiet wins over --progress.
 */
export function progressModeFor(
  options: { progress?: boolean; quiet?: boolean },
  stream: NodeJS.WriteStream,
  env: NodeJS.ProcessEnv = process.env,
): ProgressMode {
  if (options.quiet || options.progress === false) return 'off';
  if (stream.isTTY) return env.TERM === 'dumb' ? 'lines' : 'bar';
  return options.progress === true ? 'lines' : 'off';
}

export function createProgressDisplay(mode: ProgressMode, stream: NodeJS.WriteStream, options: ProgressOptions = {}): ProgressDisplay {
  const format = new ProgressText(options.unit ?? 'records', options.totalIsCount ?? false);
  if (mode === 'bar') return new BarDisplay(stream, format, barGlyphs(options.env ?? process.env));
  if (mode === 'lines') return new LineDisplay(stream, format, lineIntervalMs(options.env ?? process.env));
  return new SilentDisplay(stream);
}

/**
 * On a terminal, the first Ctrl-C gets an answer at once: the run stops at the
 * next batch boundary (rolling back, writing the report), which may take a
 * moment, and a second Ctrl-C quits at once (signals.ts).
 */
export function announceInterrupt(signal: AbortSignal, display: ProgressDisplay, stream: NodeJS.WriteStream, options: { quiet?: boolean }): void {
  if (options.quiet || !stream.isTTY) return;
  // After SIGHUP the terminal is gone: there is no one to tell.
  signal.addEventListener('abort', () => { if (signal.reason !== 'SIGHUP') display.log('barge: stopping (Ctrl-C again to quit at once)'); }, { once: true });
}

/** BARGE_PROGRESS_INTERVAL_MS: how often --progress prints a line without a terminal. */
export function lineIntervalMs(env: NodeJS.ProcessEnv): number {
  const value = env.BARGE_PROGRESS_INTERVAL_MS;
  if (value === undefined || value === '') return LINE_INTERVAL_MS;
  const ms = Number(value);
  if (!/^\d+$/.test(value.trim()) || ms < 10 || ms > 3_600_000) {
    throw new BargeError('usage', `BARGE_PROGRESS_INTERVAL_MS must be a number of milliseconds from 10 to 3600000, got "${value}"; unset it for the default (${LINE_INTERVAL_MS})`);
  }
  return ms;
}

/** The words of a progress state, shared by the bar and the plain lines. */
class ProgressText {
  private readonly since = Date.now();

  constructor(private readonly unit: string, private readonly totalIsCount: boolean) {}

  elapsedMs(): number {
    return Date.now() - this.since;
  }

  /** 0..1 when the total is known. */
  fraction(tick: ProgressTick): number | undefined {
    if (tick.total === undefined || tick.total <= 0) return undefined;
    return Math.min(1, Math.max(0, tick.done / tick.total));
  }

  /** ["42%", "126,000 records", "98,000 records/s", "0 rejected", "ETA 2s"] */
  parts(tick: ProgressTick): string[] {
    return this.words(tick).map((word) => word.text);
  }

  /** The parts, each with what it is, so that a narrow line can leave out the least needed. */
  words(tick: ProgressTick): ProgressWord[] {
    const elapsed = this.elapsedMs();
    const fraction = this.fraction(tick);
    const words: ProgressWord[] = [];
    if (fraction !== undefined) words.push({ kind: 'percent', text: `${Math.floor(fraction * 100)}%` });
    words.push({
      kind: 'count',
      text: this.totalIsCount && tick.total !== undefined
        ? `${groupDigits(tick.records)} of ${groupDigits(tick.total)} ${this.unit}`
        : `${groupDigits(tick.records)} ${this.unit}`,
    });
    words.push({ kind: 'rate', text: `${elapsed > 0 ? groupDigits(Math.round((tick.records * 1000) / elapsed)) : '0'} ${this.unit}/s` });
    if (tick.rejected !== undefined) words.push({ kind: 'rejected', text: `${groupDigits(tick.rejected)} rejected` });
    // From stdin there is no total, hence no ETA: the elapsed time instead.
    words.push({ kind: 'time', text: fraction !== undefined ? `ETA ${eta(fraction, elapsed)}` : `${formatSeconds(Math.floor(elapsed / 1000))} elapsed` });
    return words;
  }
}

/** The time left at the average pace so far; "--" until there is a pace to go by. */
function eta(fraction: number, elapsedMs: number): string {
  if (fraction >= 1) return '0s';
  if (fraction <= 0 || elapsedMs < 500) return '--';
  const seconds = Math.ceil(((1 - fraction) / fraction) * (elapsedMs / 1000));
  return seconds > 100 * 3600 ? '--' : formatSeconds(seconds);
}

/** 5 -> "5s", 65 -> "1m05s", 3700 -> "1h01m". */
export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

/** What the bar hides and shows again; written on exit too, should the process end with the bar drawn. */
const RESTORE_TERMINAL = '\x1b[?25h\x1b[?7h';

/**
 * cli-progress on a terminal: it redraws in place (cursor to column 1, erase to
 * the end of the line), at most `fps` times a second, only when the text
 * changed, and clears the line on stop. The text is ours (format function).
 */
class BarDisplay implements ProgressDisplay {
  private bar: cliProgress.SingleBar | undefined;
  private tick: ProgressTick = { done: 0, records: 0 };
  // The last frame stays on screen; the shell's prompt goes below it.
  private readonly restoreOnExit = () => { this.stream.write(`${RESTORE_TERMINAL}\n`); };

  constructor(private readonly stream: NodeJS.WriteStream, private readonly text: ProgressText, private readonly glyphs: BarGlyphs) {}

  update(tick: ProgressTick): void {
    this.tick = tick;
    if (!this.bar) this.start();
    this.bar!.update(this.text.fraction(tick) ?? 0);
  }

  log(line: string): void {
    // cli-progress keeps the cursor position it saved at start; a line written
    // under a running bar would be overdrawn. So: stop (clears the bar), write,
    // and let the next update draw a new bar below.
    this.stop();
    this.stream.write(line.endsWith('\n') ? line : line + '\n');
  }

  stop(): void {
    if (!this.bar) return;
    this.bar.stop();
    this.bar = undefined;
    process.removeListener('exit', this.restoreOnExit);
  }

  private start(): void {
    // Loaded when a bar is first drawn (a terminal): ~10 ms of every command's start otherwise.
    const { SingleBar } = createRequire(import.meta.url)('cli-progress') as typeof cliProgress;
    this.bar = new SingleBar({
      stream: this.stream,
      format: (_options, params) => this.line(params.maxWidth),
      fps: 10,
      hideCursor: true,
      linewrap: false,
      clearOnComplete: true,
      gracefulExit: false,
    });
    // A second Ctrl-C exits at once (signals.ts): give the terminal its cursor back.
    process.on('exit', this.restoreOnExit);
    this.bar.start(1, 0);
  }

  /** The line fitted to the terminal's width (barLine). */
  private line(width: number): string {
    return barLine(this.text.words(this.tick), this.text.fraction(this.tick), width, this.glyphs);
  }
}

/** Without a terminal (cron, CI) and --progress: a plain line every few seconds, no \r or escape codes. */
class LineDisplay implements ProgressDisplay {
  private last: number;

  constructor(private readonly stream: NodeJS.WriteStream, private readonly text: ProgressText, private readonly everyMs: number) {
    // The first line after one interval: a run shorter than that prints none, only its summary.
    this.last = Date.now();
  }

  update(tick: ProgressTick): void {
    const now = Date.now();
    if (now - this.last < this.everyMs) return;
    this.last = now;
    this.stream.write(`barge: ${this.text.parts(tick).join(' | ')}\n`);
  }

  log(line: string): void {
    this.stream.write(line.endsWith('\n') ? line : line + '\n');
  }

  stop(): void {}
}

/** --no-progress, --quiet, or no terminal: nothing drawn; messages still go out (the caller drops them with --quiet). */
class SilentDisplay implements ProgressDisplay {
  constructor(private readonly stream: NodeJS.WriteStream) {}

  update(): void {}

  log(line: string): void {
    this.stream.write(line.endsWith('\n') ? line : line + '\n');
  }

  stop(): void {}
}
