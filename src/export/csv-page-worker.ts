import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { csvPageSql, pageNeedsRewrite } from './csv-page-sql.js';
import type { FromPageWorker, PageWorkerStart, ToPageWorker } from './csv-page-protocol.js';

/**
 * The second reader of a whole-table CSV/TSV export (csv-pages.ts): formats the pages it is
 * sent, on its own connection, inside one read transaction whose snapshot is the export's
 * own (the exporting thread holds the write lock until this one says it is ready).
 */
const start = workerData as PageWorkerStart;
const port = parentPort!;
const post = (message: FromPageWorker) => port.postMessage(message);

let db: Database.Database | undefined;
try {
  db = new Database(start.dbPath, { readonly: true, fileMustExist: true, timeout: start.busyTimeoutMs });
  db.pragma('cache_size = -2048');
  const page = db.prepare(csvPageSql(start.table, start.columns, start.delimiter)).raw(true).safeIntegers(true);
  db.exec('BEGIN');
  // The first read takes the snapshot.
  db.prepare('SELECT count(*) FROM sqlite_schema').get();
  port.on('message', (message: ToPageWorker) => {
    try {
      const [text, rows] = page.get(message.first, message.last) as [string | null, bigint];
      if (text === null || pageNeedsRewrite(text, Number(rows))) {
        post({ type: 'page', id: message.id, rows: Number(rows), data: undefined, rewrite: text !== null });
      } else {
        // As text, copied into the exporting thread's heap, not as UTF-8 bytes transferred: each
        // page's ~150 KB buffer outside V8's heap was freed only at a collection V8 was in no
        // hurry to make, and a 10M-row export peaked at 159-170 MB (121-124 MB as text). The
        // exporting thread now encodes the worker's pages too: 1M rows 1.27 s against 1.21 s
        // (medians of 8 interleaved runs).
        post({ type: 'page', id: message.id, rows: Number(rows), data: text, rewrite: false });
      }
    } catch (error) {
      post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  });
  post({ type: 'ready' });
} catch (error) {
  post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  db?.close();
  port.close();
}
