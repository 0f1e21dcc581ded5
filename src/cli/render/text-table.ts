import { groupDigits } from '../../group-digits.js';

/**
 * Aligned columns for the human output of stats and jobs: text left-aligned,
 * numbers right-aligned, two spaces between columns, no trailing spaces.
 */
export interface TextColumn {
  header: string;
  align?: 'left' | 'right';
}

export function textTable(columns: TextColumn[], rows: string[][], indent = ''): string {
  const widths = columns.map((column, i) => Math.max(width(column.header), ...rows.map((row) => width(row[i] ?? ''))));
  const line = (cells: string[]) =>
    indent +
    cells
      .map((cell, i) => {
        const pad = ' '.repeat(widths[i]! - width(cell));
        return columns[i]!.align === 'right' ? pad + cell : i === cells.length - 1 ? cell : cell + pad;
      })
      .join('  ');
  return [line(columns.map((column) => column.header)), ...rows.map(line)].join('\n') + '\n';
}

/** Display width: code points, which is right for the names and numbers shown here. */
function width(text: string): number {
  return [...text].length;
}

export function formatCount(value: number): string {
  return groupDigits(value);
}

/** 1536 -> "1.5 KiB". */
export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export function formatDuration(ms: number | null): string {
  return ms === null ? '-' : `${(ms / 1000).toFixed(1)} s`;
}

/** An ISO timestamp as "2024-05-01 12:00:03" (UTC, as stored). */
export function formatTime(iso: string | null): string {
  if (iso === null) return '-';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace(/Z$/, ' UTC');
}
