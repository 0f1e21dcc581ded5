import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import Database from 'better-sqlite3';

/** Polls the jobs table (WAL lets us read beside the writer) until the running job has committed `batches`. */
export async function waitForBatches(db: string, batches: number, timeoutMs = 30_000): Promise<{ id: string; batches: number }> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (fs.existsSync(db)) {
      try {
        const conn = new Database(db, { readonly: true });
        try {
          const job = conn.prepare("SELECT id, batches_committed AS batches FROM _barge_jobs WHERE status = 'running' ORDER BY started_at DESC LIMIT 1").get() as { id: string; batches: number } | undefined;
          if (job && job.batches >= batches) return job;
        } finally {
          conn.close();
        }
      } catch {
        // The table may not exist yet.
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no job reached ${batches} batches`);
}

/** Whether util-linux `script` is here, to run the CLI in a pseudo-terminal. */
export const hasScript: boolean = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * Whether the process has a handler for SIGHUP (bit 1 of SigCgt in /proc/<pid>/status):
 * bin/barge.js installs its SIGINT/SIGTERM/SIGHUP handlers before anything else loads, so
 * a signal sent after this is barge's to handle, never Node's default death. Linux only.
 */
export function catchesSignals(pid: number): boolean {
  try {
    const caught = /^SigCgt:\s*([0-9a-f]+)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return caught !== undefined && (BigInt(`0x${caught}`) & 1n) === 1n;
  } catch {
    return false;
  }
}

/** Polls `condition` every 10 ms until it holds; throws, naming `what`, after `timeoutMs`. */
export async function waitUntil(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
