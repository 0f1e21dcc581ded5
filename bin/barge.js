#!/usr/bin/env node
// The CLI runs from dist/bundle/, the modules tsc builds bundled by esbuild (npm run build):
// ~200 module files took every start 30-60 ms of loading (zod's 64 locales among them);
// commander (CommonJS) and better-sqlite3 (a native addon) stay in node_modules.
// With --debug or BARGE_DEBUG=1 (as src/cli/options.ts isDebug), stack traces point at src/
// through the bundle's source maps.
if (process.argv.includes('--debug') || process.env.BARGE_DEBUG === '1') process.setSourceMapsEnabled(true);
// The signal handlers come first: while the modules below load (~0.1 s), SIGTERM ended barge
// with 143 and SIGINT with 130 and no message. A signal now is recorded; the command, once
// loaded, finds it and stops with exit 130 (src/cli/signals.ts takes these handlers over).
const interrupt = { controller: new AbortController(), handle: undefined };
globalThis[Symbol.for('barge.interrupt')] = interrupt;
for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(name, () => {
    if (interrupt.handle) interrupt.handle(name);
    // 130 is EXIT.interrupted (src/errors.ts), written out: this runs before any module loads.
    else if (interrupt.controller.signal.aborted) process.exit(130);
    else interrupt.controller.abort(name);
  });
}
// `barge validate` of one big file, `barge import` of big files: the second thread starts
// loading its modules now, beside this thread's (src/pipeline/validate-split.ts startTailEarly,
// src/pipeline/validation-worker-start.ts startImportWorkerEarly).
try {
  if (process.argv[2] === 'validate') {
    const { startTailEarly } = await import('../dist/bundle/validate-split.js');
    startTailEarly(process.argv.slice(3));
  } else if (process.argv[2] === 'import') {
    const { startImportWorkerEarly } = await import('../dist/bundle/validation-worker-start.js');
    startImportWorkerEarly(process.argv.slice(3));
  }
  await import('../dist/bundle/main.js');
} catch (error) {
  // Loading the modules opens ~20 files at once: under `ulimit -n 32` that failed with Node's
  // stack trace and exit 1 ("records rejected"). Nothing has been read or written yet. (Once
  // loaded, src/runtime-problem.ts words it.) 3 is EXIT.failure (src/errors.ts).
  // Node's resolver, short of files, also says a package that is there cannot be found.
  const code = error?.code;
  const why = code === 'EMFILE' || code === 'ENFILE'
    ? `too many open files (${code}) while starting; raise the limit (ulimit -n 1024) and run again`
    : `cannot load barge's modules (${String(error?.message ?? error).split('\n')[0]}); if what it names is there, too few files may be allowed open (raise ulimit -n), else install barge again (in a clone: npm ci)`;
  process.stderr.write(`barge: error: ${why}\n`);
  if (process.argv.includes('--debug') || process.env.BARGE_DEBUG === '1') process.stderr.write(`${error?.stack ?? error}\n`);
  // At once: the early worker (above), short of files too, would add its own stack trace.
  process.exit(3);
}
