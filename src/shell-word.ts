/**
 * A word as a POSIX shell reads it, for a command barge prints to be run as printed (the resume
 * hint, an option moved after its command): as it is when it is plain, else single-quoted; a
 * word holding control characters (a newline in a file name) in $'…' with escapes, which bash,
 * zsh, ksh and dash (0.5.12+) read back as the same bytes, and which keeps the message one line.
 */
export function shellWord(text: string): string {
  if (/^[\w./@%+=:,-]+$/.test(text)) return text;
  // eslint-disable-next-line no-control-regex
  if (!/[\u0000-\u001f\u007f]/.test(text)) return `'${text.replaceAll("'", "'\\''")}'`;
  // eslint-disable-next-line no-control-regex
  const escaped = text.replace(/[\\'\u0000-\u001f\u007f]/g, (c) => ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `$'${escaped}'`;
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', "'": "\\'", '\n': '\\n', '\t': '\\t', '\r': '\\r' };
