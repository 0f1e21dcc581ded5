#!/usr/bin/env node
// `barge validate` of one big file: its second thread starts loading its modules now, beside
// this thread's (src/pipeline/validate-split.ts, startTailEarly).
if (process.argv[2] === 'validate') {
  const { startTailEarly } = await import('../dist/pipeline/validate-split.js');
  startTailEarly(process.argv.slice(3));
}
await import('../dist/cli/main.js');
