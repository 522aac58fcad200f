/**
 * Rows of cells as lines of left-aligned columns, two spaces apart, each line ending in a
 * newline: what `taskgraph cluster status` and `taskgraph cache ls` print.
 */
export function textColumns(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)))
  return rows
    .map(
      (row) =>
        `${row
          .map((cell, column) => cell.padEnd(widths[column]!))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('')
}
