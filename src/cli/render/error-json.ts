import { BargeError } from '../../errors.js';
import { isProcessStdout } from '../../export/sink.js';


/**
 * The --json output of a run that ended in an error (exit 2, 3 or 130 without a summary):
 * one JSON value on stdout, as every --json run prints, so that a script reading it finds why
 * instead of nothing. Not for an export writing its data to stdout, whose stdout is the data.
 */
export function errorJson(error: unknown, argv: readonly string[], exitCode: number, commands: readonly string[], printed?: string): string | undefined {
  // Options only: what follows `--` is inputs (a file may be called --json).
  const end = argv.indexOf('--', 2);
  const args = argv.slice(2, end < 0 ? undefined : end);
  if (!args.includes('--json')) return undefined;
  // The first of barge's command names among the arguments (an option's value may come first).
  const found = args.find((arg) => commands.includes(arg));
  // `schema infer`, as its help and messages name it (it was "schema").
  const command = found === 'schema' && args[args.indexOf(found) + 1] === 'infer' ? 'schema infer' : found;
  if (command === 'export') {
    const at = args.findIndex((arg) => arg === '--out' || arg.startsWith('--out='));
    const out = at < 0 ? undefined : args[at]!.startsWith('--out=') ? args[at]!.slice('--out='.length) : args[at + 1];
    // --out /dev/stdout (or the file stdout is) is stdout, as `-` is.
    if (isProcessStdout(out)) return undefined;
  }
  const barge = error instanceof BargeError ? error : undefined;
  // The line stderr got (`printed`, without `barge: error: `), hint included.
  const message = printed ?? (error instanceof Error ? error.message.replace(/^error: /, '').split('\n')[0]! : String(error));
  return JSON.stringify({
    command: command ?? null,
    error: {
      code: barge?.code ?? (exitCode === 2 ? 'usage' : 'unexpected'),
      message,
      input: barge?.input ?? null,
      line: barge?.line ?? null,
      column: barge?.column ?? null,
    },
    exitCode,
  });
}
