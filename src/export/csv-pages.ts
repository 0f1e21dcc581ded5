import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { quoteIdent } from '../schema/names.js';
import type { Db } from '../store/open-database.js';
import { DamagedTable } from './table-pages.js';
import { csvPageSql, pageNeedsRewrite } from './csv-page-sql.js';
import type { FromPageWorker, PageWorkerStart, ToPageWorker } from './csv-page-protocol.js';
import type { FormatWriter } from './format-writers.js';
import type { ResultColumn } from './typed-values.js';
import type { WorkerSetting } from '../worker-setting.js';

/**
 * A whole table exported as CSV or TSV in pages of up to 1000 rows (page-rows.ts) that SQLite formats
 * (csv-page-sql.ts), split between this thread and a worker with its own connection: the
 * pages alternate, this thread formats one while the worker formats the next, and they are
 * written in rowid order. Measured on the 1M-row benchmark table (2 cores): 1.45-1.62 s
 * against 2.4-2.6 s for reading values and formatting them in JS, at the same peak RSS
 * (~118 MB). With the JS formatter on both threads instead, 2.0-2.2 s at 230-239 MB; with
 * SQLite formatting on this thread alone, 2.3-2.5 s.
 *
 * Both connections must read one snapshot. better-sqlite3 has no sqlite3_snapshot API, so a
 * third connection holds the write lock (BEGIN IMMEDIATE, never waiting for it) from before
 * this thread's read transaction starts until the worker's has started: no commit can fall
 * between the two. Writers wait meanwhile (the worker's start, ~0.1 s), as for any lock,
 * within their --busy-timeout. When the lock is taken (an import is writing) or the file is
 * read-only, this thread formats every page itself.
 */

/** Below this many rows (estimated from the rowid span) the worker's start costs more than it saves. */
const WORKER_MIN_ROWS = 50_000;
/** Pages the worker may hold at once: enough to keep it busy while this thread formats one. */
const WORKER_PAGES_AHEAD = 2;
/** How long writers may be held off while the worker starts (it takes ~0.1 s). */
const WORKER_START_LIMIT_MS = 2000;
/** The worker keeps nothing alive but a page; V8's default young generation (32 MB) would only add RSS. */
const WORKER_YOUNG_GENERATION_MB = 8;

export interface CsvPagesConfig {
  dbPath: string;
  busyTimeoutMs: number;
  table: string;
  /** The exported columns (a table's own, at least two) and the SELECT list that reads them. */
  columns: ResultColumn[];
  list: string;
  delimiter: ',' | '\t';
  /** BARGE_WORKER: `always` starts the worker for any table, `never` for none. */
  worker: WorkerSetting;
  /** Rows per page (page-rows.ts): 1000, fewer for big rows. */
  pageRows: number;
}

export interface CsvPage {
  data: string | Uint8Array;
  rows: number;
}

interface Slot {
  first: bigint;
  last: bigint;
  /** More rows follow: the page holds exactly `pageRows`. */
  full: boolean;
  fromWorker?: Promise<Extract<FromPageWorker, { type: 'page' }>>;
}

export class CsvPages {
  private readonly page: Database.Statement;
  private readonly bounds: Database.Statement;
  private readonly rows: Database.Statement;
  private readonly span: Database.Statement;
  private gate: Database.Database | undefined;
  private worker: Worker | undefined;
  private ready = false;
  /** Settles when the worker is ready or gone. */
  private started: Promise<void> = Promise.resolve();
  private settleStarted: () => void = () => {};
  private readonly waiting = new Map<number, { resolve(message: Extract<FromPageWorker, { type: 'page' }>): void; reject(error: Error): void }>();
  private nextId = 0;
  private range: { first: bigint; last: bigint } | undefined;

  constructor(
    db: Db,
    private readonly config: CsvPagesConfig,
    private readonly writer: FormatWriter,
  ) {
    const table = quoteIdent(config.table);
    this.page = db.prepare(csvPageSql(config.table, config.columns, config.delimiter)).raw(true).safeIntegers(true);
    // The last rowid of the page starting at `first`, and the first of the next page.
    this.bounds = db.prepare(`SELECT rowid FROM ${table} WHERE rowid >= ? ORDER BY rowid LIMIT 2 OFFSET ${config.pageRows - 1}`).pluck(true).safeIntegers(true);
    this.rows = db.prepare(`SELECT ${config.list} FROM ${table} WHERE rowid BETWEEN ? AND ? ORDER BY rowid`).raw(true).safeIntegers(true);
    // Two subqueries: min() and max() together in one SELECT scan the whole table (70 ms per 1M
    // rows); alone, each is one seek.
    this.span = db.prepare(`SELECT (SELECT min(rowid) FROM ${table}), (SELECT max(rowid) FROM ${table})`).raw(true).safeIntegers(true);
  }

  /** Before the export's read transaction: the gate and the worker, when they are worth it. */
  startWorker(): void {
    if (this.config.worker === 'never') return;
    if (this.config.worker === 'auto') {
      const [first, last] = this.span.get() as [bigint | null, bigint | null];
      if (first === null || last === null || Number(last) - Number(first) + 1 < WORKER_MIN_ROWS) return;
    }
    this.gate = takeWriteLock(this.config.dbPath);
    if (this.gate === undefined) return;
    const start: PageWorkerStart = {
      dbPath: this.config.dbPath,
      busyTimeoutMs: this.config.busyTimeoutMs,
      table: this.config.table,
      columns: this.config.columns.map(({ name, type }) => ({ name, type })),
      delimiter: this.config.delimiter,
    };
    let worker: Worker;
    try {
      worker = new Worker(new URL('./csv-page-worker.js', import.meta.url), {
        workerData: start,
        resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
      });
    } catch {
      // No thread to be had (EAGAIN under `ulimit -u` or a cgroup's pids.max: it was "an
      // unexpected failure"): this thread formats every page, as with BARGE_WORKER=never.
      this.releaseGate();
      return;
    }
    this.worker = worker;
    this.started = new Promise((resolve) => { this.settleStarted = resolve; });
    // Writers wait while the gate is held: a worker slow to start is given up, not waited for.
    const giveUp = setTimeout(() => { if (!this.ready) this.lose(new Error('the export worker did not start in time')); }, WORKER_START_LIMIT_MS);
    giveUp.unref();
    worker.on('message', (message: FromPageWorker) => this.receive(message));
    worker.on('error', (error) => this.lose(error));
    worker.on('exit', () => this.lose(new Error('the export worker stopped')));
  }

  /** Right after BEGIN, before anything awaits: this thread's snapshot is taken while the gate holds. */
  begin(): void {
    const [first, last] = this.span.get() as [bigint | null, bigint | null];
    if (first !== null && last !== null) this.range = { first, last };
  }

  /** The table's rows, a page at a time, in rowid order. */
  async *pages(): AsyncGenerator<CsvPage> {
    // BARGE_WORKER=always (tests) waits for the worker, so that even a small table's pages
    // alternate; otherwise this thread starts at once and the worker joins when it is up.
    if (this.config.worker === 'always') await this.started;
    const planned: Slot[] = [];
    let next = this.range?.first;
    let workerPages = 0;
    for (;;) {
      while (next !== undefined && planned.length < 2 * WORKER_PAGES_AHEAD) {
        const [last, following] = this.bounds.all(next) as bigint[];
        // Rowids read in order go up: on a damaged table they need not, and the pages went round
        // for ever (6 GB written from a 350 KB table, never exiting).
        if ((last !== undefined && last < next) || (following !== undefined && following <= next)) {
          throw new DamagedTable(this.config.table);
        }
        const slot: Slot = { first: next, last: last ?? this.range!.last, full: following !== undefined };
        // Alternate: the worker takes a page when this thread has one of its own before it.
        const previous = planned[planned.length - 1];
        if (this.ready && this.worker && workerPages < WORKER_PAGES_AHEAD && previous !== undefined && !previous.fromWorker) {
          slot.fromWorker = this.request(slot);
          workerPages++;
        }
        planned.push(slot);
        next = following;
      }
      const slot = planned.shift();
      if (slot === undefined) return;
      if (slot.fromWorker) {
        workerPages--;
        yield await this.fromWorker(slot);
      } else {
        yield this.format(slot);
      }
    }
  }

  async close(): Promise<void> {
    this.releaseGate();
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private format(slot: Slot): CsvPage {
    const [text, rows] = this.page.get(slot.first, slot.last) as [string | null, bigint];
    if (text === null) return { data: '', rows: 0 };
    if (pageNeedsRewrite(text, Number(rows))) return this.rewrite(slot);
    return { data: text, rows: Number(rows) };
  }

  /** A page with a value SQLite cannot be trusted to write as format-writers.ts does. */
  private rewrite(slot: Slot): CsvPage {
    const values = this.rows.all(slot.first, slot.last) as unknown[][];
    let text = '';
    for (const row of values) text += this.writer.row(row);
    return { data: text, rows: values.length };
  }

  private async fromWorker(slot: Slot): Promise<CsvPage> {
    let message: Extract<FromPageWorker, { type: 'page' }>;
    try {
      message = await slot.fromWorker!;
    } catch {
      return this.format(slot); // the worker is gone: this thread has the same snapshot
    }
    if (slot.full && message.rows !== this.config.pageRows) {
      // Both threads read one snapshot: two counts of the same rowids mean pages that contradict
      // themselves (it was an "unexpected failure", exit 3, on a damaged database).
      throw new DamagedTable(this.config.table, `gave ${message.rows} rows where its rowids said ${this.config.pageRows}`);
    }
    if (message.rewrite) return this.rewrite(slot);
    return { data: message.data ?? '', rows: message.rows };
  }

  private request(slot: Slot): Promise<Extract<FromPageWorker, { type: 'page' }>> {
    const id = this.nextId++;
    const reply = new Promise<Extract<FromPageWorker, { type: 'page' }>>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    // A page the export no longer waits for (stdout closed, interrupted) may be refused when the
    // worker is stopped: that is no unhandled rejection. fromWorker() still sees the refusal.
    reply.catch(() => undefined);
    this.worker!.postMessage({ type: 'page', id, first: slot.first, last: slot.last } satisfies ToPageWorker);
    return reply;
  }

  private receive(message: FromPageWorker): void {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.releaseGate();
        this.settleStarted();
        break;
      case 'page': {
        const waiting = this.waiting.get(message.id);
        this.waiting.delete(message.id);
        waiting?.resolve(message);
        break;
      }
      case 'error':
        this.lose(new Error(message.message));
        break;
    }
  }

  /** The worker failed or stopped: its pages are formatted here instead. */
  private lose(error: Error): void {
    this.ready = false;
    this.releaseGate();
    this.settleStarted();
    const worker = this.worker;
    this.worker = undefined;
    if (worker) void worker.terminate();
    for (const waiting of this.waiting.values()) waiting.reject(error);
    this.waiting.clear();
  }

  private releaseGate(): void {
    const gate = this.gate;
    this.gate = undefined;
    if (gate === undefined) return;
    try {
      gate.exec('ROLLBACK');
    } finally {
      gate.close();
    }
  }
}

/** The write lock on its own connection, or undefined at once if another process has it or the file is read-only. */
function takeWriteLock(dbPath: string): Database.Database | undefined {
  let gate: Database.Database | undefined;
  try {
    gate = new Database(dbPath, { fileMustExist: true, timeout: 0 });
    gate.exec('BEGIN IMMEDIATE');
    return gate;
  } catch {
    gate?.close();
    return undefined;
  }
}
