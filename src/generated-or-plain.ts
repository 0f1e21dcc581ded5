/**
 * A function generated from source for speed (an object literal or a call per column, which V8
 * inlines), or the same work as a plain loop where Node forbids making code from strings:
 * `--disallow-code-generation-from-strings`, which hardened environments put in NODE_OPTIONS.
 * There every import, validate and export failed with "Code generation from strings
 * disallowed for this context", exit 3; the loop is slower, its results the same.
 */
export function generatedOrPlain<T>(generate: () => T, plain: () => T): T {
  try {
    return generate();
  } catch (error) {
    if (error instanceof EvalError) return plain();
    throw error;
  }
}
