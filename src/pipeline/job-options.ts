import path from 'node:path';
import type { ImportConfig } from './import-config.js';
import { currentOwner } from './job-owner.js';
import { smallFileSha256 } from './file-sha256.js';

/** The options a resume needs to continue the job exactly as it started (kept in the job's row). */
export function jobOptions(config: ImportConfig, reportPath: string): Record<string, unknown> {
  return {
    inputs: config.inputs.map((input) => (input === '-' ? '-' : path.resolve(input))),
    table: config.table, schemaPath: config.schemaPath ? path.resolve(config.schemaPath) : undefined,
    // A resume reads the schema file again: checked unchanged, as the inputs are (resume.ts).
    schemaSha256: config.schemaPath ? smallFileSha256(config.schemaPath) : undefined,
    source: config.source, inferRows: config.inferRows, batchSize: config.batchSize, mode: config.mode,
    maxErrors: config.maxErrors, onConflict: config.onConflict, truncate: config.truncate,
    errorsPath: reportPath,
    owner: currentOwner(),
  };
}
