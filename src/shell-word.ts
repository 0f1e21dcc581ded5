import { INVISIBLE_CHARACTER } from './one-line.js';

/**
 * A word as a POSIX shell reads it, for a command barge prints to be run as printed (the resume
 * hint, an option moved after its command): as it is when it is plain, else single-quoted; a
 * word holding control characters (a newline in a file name) in $'…' with escapes, which bash,
 * zsh, ksh and dash (0.5.12+) read back as the same bytes, and which keeps the message one line.
 */
export function shellWord(text: string): string {
  if (/^[\w./@%+=:,-]+$/.test(text)) return text;
  if (!UNSEEN.test(text)) return `'${text.replaceAll("'", "'\\''")}'`;
  // An invisible format character (U+200B) as its UTF-8 bytes: messages show it escaped
  // (one-line.ts), and a word printed with it raw inside '…' could not be told or typed back.
  const escaped = text.replace(UNSEEN_OR_QUOTE, (c) => ESCAPES[c] ?? [...Buffer.from(c, 'utf8')].map((byte) => `\\x${byte.toString(16).padStart(2, '0')}`).join(''));
  return `$'${escaped}'`;
}

/** The characters a message shows escaped (one-line.ts), and with them the backslash and the quote. */
const UNSEEN = INVISIBLE_CHARACTER;
const UNSEEN_OR_QUOTE = new RegExp(`[\\\\']|${INVISIBLE_CHARACTER.source}`, 'gu');

const ESCAPES: Record<string, string> = { '\\': '\\\\', "'": "\\'", '\n': '\\n', '\t': '\\t', '\r': '\\r' };
