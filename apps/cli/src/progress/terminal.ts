import type { WriteStream } from 'node:tty'

/** Erases from the cursor to the end of its line. */
export const ERASE_LINE_END = '\x1b[K'
/**
 * Erases from the cursor to the end of the screen: after the terminal got narrower, the
 * rows a terminal that rewraps lines made of the last frame (the cursor stays at its start).
 */
export const ERASE_DOWN = '\x1b[J'

/**
 * Turn the terminal's wrapping at the right margin off, then on again. A frame written
 * for the old width just as the terminal gets narrower is then cut at the margin rather
 * than wrapped onto a second row, which the next frame would leave behind.
 */
export const NO_WRAP = '\x1b[?7l'
export const WRAP = '\x1b[?7h'

/** Width assumed for a stream that is not a terminal. */
const DEFAULT_COLUMNS = 80

/** The terminal's width now (it follows resizes), or 80 when the stream is not a terminal. */
export function columnsOf(stream: NodeJS.WritableStream): number {
  const columns = (stream as Partial<WriteStream>).columns
  return typeof columns === 'number' && columns > 0 ? columns : DEFAULT_COLUMNS
}

/** Whether the stream is a terminal that can redraw a line in place. */
export function canRedraw(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv): boolean {
  return (stream as Partial<WriteStream>).isTTY === true && env.TERM !== 'dumb'
}

/** The colours the display uses. */
export type Style = 'green' | 'red' | 'yellow' | 'dim'

const SGR: Readonly<Record<Style, readonly [string, string]>> = {
  green: ['\x1b[32m', '\x1b[39m'],
  red: ['\x1b[31m', '\x1b[39m'],
  yellow: ['\x1b[33m', '\x1b[39m'],
  dim: ['\x1b[2m', '\x1b[22m'],
}

/** `text` in `style` if `colors`, else as it is. */
export function paint(text: string, style: Style | undefined, colors: boolean): string {
  if (!colors || style === undefined || text === '') return text
  const [open, close] = SGR[style]
  return open + text + close
}
