/**
 * Text shown inside a one-line message (SPEC §9): control characters (a newline in SQL that
 * SQLite quotes back, `near "'a⏎b'"`) written as JSON escapes, so the message stays one line;
 * so are the Unicode line and paragraph separators (U+2028, U+2029) and NEL (U+0085), which
 * JSON.stringify leaves raw and some readers of logs take for line breaks.
 */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(INVISIBLE, (c) => (c < ' ' ? JSON.stringify(c).slice(1, -1) : escapeUnits(c)));
}

/** `\uXXXX` for each UTF-16 code unit (a format character beyond U+FFFF, such as U+E0001, is two). */
function escapeUnits(c: string): string {
  let out = '';
  for (let i = 0; i < c.length; i++) out += `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
}

/**
 * Control characters (C0, and C1: U+0080-U+009F, which latin1 makes of a Windows file's € “ ”), the line breaks above, and Unicode's invisible format characters (\p{Cf}:
 * U+202E, which reverses how the rest of the line displays, U+200B, U+00AD, U+FEFF …), which a
 * message showed raw, so a value could not be told from what it looked like. Not U+200D, the
 * joiner inside emoji such as 👩‍💻. And a lone surrogate (\p{Cs}: `"\ud800"` in JSON), which printed as U+FFFD.
 */
// eslint-disable-next-line no-control-regex
export const INVISIBLE_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|(?!\u200d)\p{Cf}|\p{Cs}/u;
const INVISIBLE = new RegExp(INVISIBLE_CHARACTER.source, 'gu');
