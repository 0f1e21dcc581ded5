import type { ImportConfig, ImportResult } from '../../pipeline/import-config.js';

const number = new Intl.NumberFormat('en-US');

/** The --json summary of import (its shape is documented in the README and kept stable). */
export function importJson(result: ImportResult, config: Pick<ImportConfig, 'inputs' | 'dbPath'>) {
  return {
    command: 'import',
    jobId: result.jobId,
    status: result.status,
    alreadySucceeded: result.alreadySucceeded,
    dryRun: result.dryRun,
    table: result.table,
    mode: result.mode,
    db: config.dbPath,
    inputs: config.inputs,
    counts: result.counts,
    batchesCommitted: result.batchesCommitted,
    rolledBack: result.rolledBack,
    reportPath: result.reportPath,
    durationMs: result.durationMs,
    recordsPerSecond: result.recordsPerSecond,
    stoppedEarly: result.stoppedEarly ?? null,
    firstErrors: result.firstErrors,
  };
}

/** The short human summary on stderr (SPEC §9). */
export function printImportSummary(stream: NodeJS.WritableStream, result: ImportResult, config: Pick<ImportConfig, 'inputs'>): void {
  const lines: string[] = [];
  if (result.alreadySucceeded) {
    lines.push(`barge: job ${result.jobId} already ${result.status === 'succeeded' ? 'succeeded' : `finished (${result.status})`}; nothing to do`);
    if (result.reportPath) lines.push(`  report: ${result.reportPath}`);
    stream.write(lines.join('\n') + '\n');
    return;
  }
  const c = result.counts;
  const what = result.dryRun ? 'dry run of' : 'import of';
  lines.push(`barge: ${what} ${config.inputs.join(', ') || 'job ' + result.jobId} into "${result.table}": ${headline(result)}`);
  const counts = [`read ${number.format(c.read)}`, `inserted ${number.format(c.inserted)}`];
  if (c.updated) counts.push(`updated ${number.format(c.updated)}`);
  if (c.ignored) counts.push(`ignored ${number.format(c.ignored)}`);
  counts.push(`rejected ${number.format(c.rejected)}`);
  lines.push(`  ${counts.join(', ')}`);
  lines.push(`  ${(result.durationMs / 1000).toFixed(1)} s, ${number.format(result.recordsPerSecond)} records/s, job ${result.jobId}`);
  if (result.stoppedEarly) lines.push(`  ${result.stoppedEarly}`);
  for (const error of result.firstErrors) lines.push(`  ${error}`);
  if (result.reportPath) lines.push(`  report: ${result.reportPath} (fix the records and import it again)`);
  stream.write(lines.join('\n') + '\n');
}

function headline(result: ImportResult): string {
  const rejected = result.counts.rejected;
  if (result.status === 'interrupted') {
    return result.rolledBack ? 'interrupted; rolled back, nothing was written' : `interrupted after ${result.batchesCommitted} committed batches; continue with --resume ${result.jobId}`;
  }
  if (result.dryRun) return rejected > 0 ? `${rejected} records would be rejected; rolled back` : 'every record would load; rolled back';
  if (result.mode === 'atomic' && rejected > 0) return `failed: ${rejected} records rejected, rolled back, nothing was written`;
  if (rejected > 0) return `partial: ${rejected} records rejected, the rest committed`;
  return 'succeeded';
}
