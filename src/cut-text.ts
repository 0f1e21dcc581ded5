/**
 * `text` cut to at most `max` UTF-16 code units, never between the two halves of a surrogate
 * pair: a message's value cut in an emoji kept a lone high surrogate, which broke strict JSON
 * readers of the --json summary and the report (jq: "Invalid \uXXXX\uXXXX surrogate pair").
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}
