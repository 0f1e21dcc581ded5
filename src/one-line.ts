/**
 * Text shown inside a one-line message (SPEC §9): control characters (a newline in SQL that
 * SQLite quotes back, `near "'a⏎b'"`) written as JSON escapes, so the message stays one line;
 * so are the Unicode line and paragraph separators (U+2028, U+2029) and NEL (U+0085), which
 * JSON.stringify leaves raw and some readers of logs take for line breaks.
 */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]/g, (c) => (c < ' ' ? JSON.stringify(c).slice(1, -1) : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}
