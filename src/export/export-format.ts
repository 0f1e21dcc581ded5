import path from 'node:path';

// Apart from the format writers so that naming a format (export's option checks, at every
// command's start) does not load the writers' typed values, and through them zod.

export type ExportFormat = 'csv' | 'tsv' | 'ndjson' | 'json';

const EXTENSIONS: Record<string, ExportFormat> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.json': 'json',
};

/** The format an --out path names by its extension (after a `.gz`), and whether it is gzipped. */
export function formatOfPath(file: string): { format: ExportFormat | undefined; gzip: boolean } {
  let name = path.basename(file).toLowerCase();
  const gzip = name.endsWith('.gz');
  if (gzip) name = name.slice(0, -3);
  return { format: EXTENSIONS[path.extname(name)], gzip };
}
