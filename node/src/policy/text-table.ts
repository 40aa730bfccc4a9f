/**
 * Lays out rows as a plain-text table with a header line and a rule under it. Every column is
 * as wide as its longest cell, so the table reads in a terminal and in a commit message.
 */
export function formatTable (headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map(row => (row[column] ?? '').length)))
  const line = (cells: readonly string[]): string => cells.map((cell, column) => cell.padEnd(widths[column] as number)).join('  ').trimEnd()
  return [line(headers), widths.map(width => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n')
}
