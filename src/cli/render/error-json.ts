import { BargeError } from '../../errors.js';

/**
 * The --json output of a run that ended in an error (exit 2, 3 or 130 without a summary):
 * one JSON value on stdout, as every --json run prints, so that a script reading it finds why
 * instead of nothing. Not for an export writing its data to stdout, whose stdout is the data.
 */
export function errorJson(error: unknown, argv: readonly string[], exitCode: number): string | undefined {
  const args = argv.slice(2);
  if (!args.includes('--json')) return undefined;
  const command = args.find((arg) => !arg.startsWith('-'));
  if (command === 'export') {
    const out = args.indexOf('--out');
    if (out < 0 || args[out + 1] === '-') return undefined;
  }
  const barge = error instanceof BargeError ? error : undefined;
  const message = error instanceof Error ? error.message.replace(/^error: /, '').split('\n')[0]! : String(error);
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
