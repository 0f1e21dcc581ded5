import path from 'node:path';
import type { ImportConfig } from '../../src/pipeline/import-config.js';

/** An import's config as the CLI's defaults make it, its database and report in `dir`: for tests that call runImport. */
export function importConfig(dir: string, inputs: string[], extra: Partial<ImportConfig> = {}): ImportConfig {
  return {
    inputs,
    dbPath: path.join(dir, 'x.db'),
    source: { header: true, encoding: 'utf8' },
    inferRows: 1000,
    batchSize: 1000,
    mode: 'atomic',
    onConflict: 'error',
    truncate: false,
    dryRun: false,
    errorsPath: path.join(dir, 'x.errors.ndjson'),
    busyTimeoutMs: 5000,
    commandLine: 'barge import',
    ...extra,
  };
}
