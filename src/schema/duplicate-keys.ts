/**
 * The first key that an object of a JSON text (already valid: JSON.parse took it) declares twice,
 * with its path and line, or undefined. JSON.parse keeps the last value: a schema file with a
 * column pasted tightened and the old one left below loaded the old one's rules, exit 0.
 */
export function firstDuplicateKey(text: string): { path: string; line: number } | undefined {
  const objects: Array<{ keys: Set<string>; path: string }> = [];
  /** Per open container: the key (object) or index (array) of the value being read. */
  const places: Array<string | number> = [];
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') line++;
    else if (c === '{') {
      objects.push({ keys: new Set(), path: pathOf(places) });
      places.push('');
    } else if (c === '[') places.push(0);
    else if (c === '}') {
      objects.pop();
      places.pop();
    } else if (c === ']') places.pop();
    else if (c === ',' && typeof places[places.length - 1] === 'number') places[places.length - 1] = (places[places.length - 1] as number) + 1;
    else if (c === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const literal = text.slice(i, end + 1);
      i = end;
      let next = i + 1;
      while (next < text.length && /\s/.test(text[next]!)) next++;
      if (text[next] !== ':') continue;
      const key = JSON.parse(literal) as string;
      const object = objects[objects.length - 1]!;
      if (object.keys.has(key)) return { path: object.path === '' ? key : `${object.path}.${key}`, line };
      object.keys.add(key);
      places[places.length - 1] = key;
    }
  }
  return undefined;
}

function pathOf(places: ReadonlyArray<string | number>): string {
  return places.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '[');
}
