import type { InputFormat } from './types.js';

const FORMAT_BY_EXTENSION: Record<string, InputFormat> = {
  csv: 'csv',
  tsv: 'tsv',
  ndjson: 'ndjson',
  jsonl: 'ndjson',
  json: 'json',
};

/** The format an extension names (after stripping .gz), or undefined to sniff. */
export function formatFromPath(path: string): InputFormat | undefined {
  if (path === '-') return undefined;
  let base = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1).toLowerCase();
  if (base.endsWith('.gz')) base = base.slice(0, -3);
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return undefined;
  return FORMAT_BY_EXTENSION[base.slice(dot + 1)];
}
