/**
 * Text shown inside a one-line message (SPEC §9): control characters (a newline in SQL that
 * SQLite quotes back, `near "'a⏎b'"`) written as JSON escapes, so the message stays one line.
 */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1).replace('\u007f', '\\u007f'));
}
