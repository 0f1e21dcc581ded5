import cliProgress from 'cli-progress';

export interface ProgressTick {
  /** Bytes (or rows, for export) done; with `total`, gives the percent. */
  done: number;
  total?: number;
  records: number;
  rejected?: number;
}

export interface ProgressDisplay {
  update(tick: ProgressTick): void;
  /** Removes the bar (a TTY) so the summary takes its place. */
  stop(): void;
}

export type ProgressMode = 'bar' | 'lines' | 'off';

/** SPEC §9: a bar on a TTY, nothing elsewhere unless --progress (then plain lines), nothing with --quiet. */
export function progressModeFor(options: { progress?: boolean; quiet?: boolean }, stream: NodeJS.WriteStream): ProgressMode {
  if (options.quiet) return 'off';
  if (options.progress === false) return 'off';
  if (stream.isTTY) return 'bar';
  return options.progress === true ? 'lines' : 'off';
}

export function createProgressDisplay(mode: ProgressMode, stream: NodeJS.WriteStream, unit = 'records'): ProgressDisplay {
  if (mode === 'bar') return new BarDisplay(stream, unit);
  if (mode === 'lines') return new LineDisplay(stream, unit);
  return { update() {}, stop() {} };
}

const started = () => Date.now();

function rateOf(records: number, since: number): number {
  const seconds = (Date.now() - since) / 1000;
  return seconds > 0 ? Math.round(records / seconds) : 0;
}

const number = new Intl.NumberFormat('en-US');

/** cli-progress on a TTY; it throttles redraws itself (fps 10). */
class BarDisplay implements ProgressDisplay {
  private bar: cliProgress.SingleBar | undefined;
  private readonly since = started();
  private knownTotal: boolean | undefined;

  constructor(private readonly stream: NodeJS.WriteStream, private readonly unit: string) {}

  update(tick: ProgressTick): void {
    const rate = rateOf(tick.records, this.since);
    const payload = {
      records: number.format(tick.records),
      rate: number.format(rate),
      rejected: number.format(tick.rejected ?? 0),
      unit: this.unit,
    };
    if (!this.bar) {
      this.knownTotal = tick.total !== undefined && tick.total > 0;
      const withRejected = tick.rejected !== undefined ? ' | {rejected} rejected' : '';
      const format = this.knownTotal
        ? `{bar} {percentage}% | {records} {unit} | {rate}/s${withRejected} | ETA {eta_formatted}`
        : `{records} {unit} | {rate}/s${withRejected}`;
      this.bar = new cliProgress.SingleBar({
        stream: this.stream,
        format,
        fps: 10,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 50,
        barsize: 30,
      }, cliProgress.Presets.shades_classic);
      this.bar.start(this.knownTotal ? tick.total! : 0, 0, payload);
    }
    this.bar.update(this.knownTotal ? Math.min(tick.done, tick.total!) : tick.records, payload);
  }

  stop(): void {
    this.bar?.stop();
  }
}

/** Without a TTY (cron, CI) and --progress: a plain line every few seconds, no \r or escape codes. */
class LineDisplay implements ProgressDisplay {
  private readonly since = started();
  private last = 0;

  constructor(private readonly stream: NodeJS.WriteStream, private readonly unit: string, private readonly everyMs = 2000) {}

  update(tick: ProgressTick): void {
    const now = Date.now();
    if (now - this.last < this.everyMs) return;
    this.last = now;
    const percent = tick.total ? `${Math.min(100, Math.floor((tick.done / tick.total) * 100))}% ` : '';
    const rejected = tick.rejected !== undefined ? `, ${number.format(tick.rejected)} rejected` : '';
    this.stream.write(`barge: ${percent}${number.format(tick.records)} ${this.unit}, ${number.format(rateOf(tick.records, this.since))}/s${rejected}\n`);
  }

  stop(): void {}
}
