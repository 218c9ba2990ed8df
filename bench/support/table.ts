import type { BenchRow } from './context.ts';

/** A plain-text table (also valid Markdown) of the benchmark rows. */
export function formatTable(rows: readonly BenchRow[]): string {
  const header = ['benchmark', 'measure', 'value', 'baseline', 'ratio', 'target'];
  const body = rows.map((row) => [
    row.benchmark,
    row.measure,
    `${format(row.value)} ${row.unit}`,
    row.baseline === null ? '' : `${format(row.baseline)} ${row.unit} (${row.baselineName})`,
    row.ratio === null ? '' : `${row.ratio}×`,
    row.target,
  ]);
  const widths = header.map((_, column) => Math.max(header[column]!.length, ...body.map((cells) => cells[column]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

function format(value: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
}
