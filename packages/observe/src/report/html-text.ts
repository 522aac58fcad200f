/** `text` for HTML, as element content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/**
 * Whole microseconds as milliseconds with all three decimals (`1,234.567 ms`): exact, so
 * the number on the page is the one in the data and the trace.
 */
export function formatMicroseconds(us: number): string {
  const ms = Math.trunc(us / 1000).toLocaleString('en-US')
  return `${ms}.${String(us % 1000).padStart(3, '0')} ms`
}

/** `part` as a percentage of `whole`, one decimal. */
export function percent(part: number, whole: number): string {
  return whole === 0 ? '–' : `${((100 * part) / whole).toFixed(1)}%`
}

/**
 * A value to put in a `<script type="application/json">`: JSON with every `<` escaped,
 * so no string in it (a key, an error message) can close the script element.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c')
}
