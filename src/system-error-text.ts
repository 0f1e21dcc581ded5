import { messageOf } from './errors.js';

/**
 * A failed system call in words, as barge's messages give it: "i/o error (EIO)" for Node's
 * "EIO: i/o error, read", "no space left on device (ENOSPC)" for its "ENOSPC: no space left
 * on device, write '/x'". The call's name and path say nothing to the user; the message names
 * the file itself.
 */
export function systemErrorText(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const text = messageOf(error).replace(/^[A-Z0-9_]+: /, '').replace(/, \w+(?: '.*')?$/, '');
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? `${text} (${code})` : text;
}
