import stringWidth from 'string-width'
import { escapeAllControls } from './terminal-text.js'

/**
 * Rows of cells as lines of left-aligned columns, two spaces apart, each line ending in a
 * newline: what `taskgraph cluster status` and `taskgraph cache ls` print. Cells hold
 * task keys and function names, which may hold anything: control characters are
 * escaped, so that a newline does not break a row nor an ESC act on the terminal, and
 * cells are padded to the columns they take on screen (a CJK character takes two, a
 * combining accent none), not to their length.
 */
export function textColumns(rows: readonly (readonly string[])[]): string {
  const cells = rows.map((row) => row.map(escapeAllControls))
  const width = cells.map((row) => row.map((cell) => stringWidth(cell)))
  const widths = cells[0]!.map((_, column) => Math.max(...width.map((row) => row[column]!)))
  return cells
    .map(
      (row, i) =>
        `${row
          .map((cell, column) => cell + ' '.repeat(widths[column]! - width[i]![column]!))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('')
}
