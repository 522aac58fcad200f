// The pieces of DOT text toDot writes: quoted ids and strings, attribute lists.

/**
 * Control characters but the newline and tab, and DEL: Graphviz ends a string at NUL,
 * and an SVG holding any other of them is not well-formed XML, which no browser opens.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g

/** The Unicode picture of a control character: `␀` for NUL, `␛` for ESC, `␡` for DEL. */
function controlPicture(char: string): string {
  const code = char.charCodeAt(0)
  return String.fromCharCode(code === 0x7f ? 0x2421 : 0x2400 + code)
}

/** A DOT double-quoted string: any key or label is safe inside. */
export function quote(text: string): string {
  const escaped = text
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(CONTROL, controlPicture)
  return `"${escaped}"`
}

/** `[a=1, b="x"]` from attributes given in order; values are written as given. */
export function attributes(pairs: readonly (readonly [string, string])[]): string {
  return `[${pairs.map(([name, value]) => `${name}=${value}`).join(', ')}]`
}
