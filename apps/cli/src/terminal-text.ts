/**
 * Control characters a terminal acts on, but the newline and tab: C0 (ESC, CR, BEL...),
 * DEL and C1 (U+009B is a CSI of its own to some terminals).
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g

/** Every control character: for text that must stay on one line, in its column. */
// eslint-disable-next-line no-control-regex
const ANY_CONTROL = /[\u0000-\u001f\u007f-\u009f]/g

/**
 * `text` with its control characters (but newlines and tabs) written as JSON writes them
 * (`\r`, `\u001b`), for the command's own lines on a terminal. Keys, function names and
 * error messages come from the workflow: written as they are, an ESC in one clears the
 * screen or retitles the window, and a CR overwrites the `taskgraph: error:` before it.
 */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, escape)
}

/** `text` as `escapeControls` writes it, with newlines and tabs escaped too (`\n`, `\t`). */
export function escapeAllControls(text: string): string {
  return text.replace(ANY_CONTROL, escape)
}

function escape(char: string): string {
  // JSON names \b, \t, \n, \f and \r, and writes the rest of C0 as \u00XX; DEL and C1 it leaves.
  const escaped = JSON.stringify(char).slice(1, -1)
  return escaped.length > 1 ? escaped : `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`
}
