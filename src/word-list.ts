/** "a", "a and b", "a, b and c" (or "… or c"): names listed in a message. */
export function wordList(items: readonly string[], conjunction: 'and' | 'or'): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} ${conjunction} ${items.at(-1)}`;
}
