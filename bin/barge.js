#!/usr/bin/env node
// `barge validate` of one big file, `barge import` of big files: the second thread starts
// loading its modules now, beside this thread's (src/pipeline/validate-split.ts startTailEarly,
// src/pipeline/validation-worker-start.ts startImportWorkerEarly).
if (process.argv[2] === 'validate') {
  const { startTailEarly } = await import('../dist/pipeline/validate-split.js');
  startTailEarly(process.argv.slice(3));
} else if (process.argv[2] === 'import') {
  const { startImportWorkerEarly } = await import('../dist/pipeline/validation-worker-start.js');
  startImportWorkerEarly(process.argv.slice(3));
}
await import('../dist/cli/main.js');
