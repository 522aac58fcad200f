// The pieces of DOT text toDot writes: quoted ids and strings, attribute lists.

/**
 * Control characters but the newline and tab, DEL, and the noncharacters U+FFFE and
 * U+FFFF: Graphviz ends a string at NUL, and an SVG holding any other of them is not
 * well-formed XML, which no browser opens.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f\ufffe\uffff]/g

/** A surrogate that is not half of a pair: UTF-16 for no character. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

/**
 * The Unicode picture of a control character: `␀` for NUL, `␛` for ESC, `␡` for DEL;
 * U+FFFD for a noncharacter, which has none.
 */
function controlPicture(char: string): string {
  const code = char.charCodeAt(0)
  if (code >= 0xfffe) return '\ufffd'
  return String.fromCharCode(code === 0x7f ? 0x2421 : 0x2400 + code)
}

/**
 * A DOT double-quoted string: any key or label is safe inside. Graphviz reads `&…;` as a
 * character entity (`&amp;`, `&#60;`), so `&` is written as `&amp;`: `a&amp;` is drawn
 * as it is, not as `a&`.
 */
export function quote(text: string): string {
  const escaped = text
    .replace(/&/g, '&amp;')
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(CONTROL, controlPicture)
    // As UTF-8 writes one (DOT text on stdout, a .dot file); the WebAssembly Graphviz
    // would read its three bytes of WTF-8 as three U+FFFD.
    .replace(LONE_SURROGATE, '\ufffd')
  return `"${escaped}"`
}

/**
 * What an id cannot hold as it is: `%` (the escape), control characters and
 * noncharacters (see `CONTROL`), lone surrogates (written as UTF-8, each becomes U+FFFD),
 * and the backslash, which Graphviz keeps doubled in an id (an SVG node's title).
 */
const ID_ESCAPED =
  // eslint-disable-next-line no-control-regex
  /[%\\\u0000-\u0008\u000b-\u001f\u007f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

/**
 * A DOT id for `text`, quoted: as `quote` writes it, but with `%`, `\`, control
 * characters, noncharacters and lone surrogates written as `%` and their code (`%1B`,
 * `%5C`, `%uD800`). Two texts never share an id, as they could through `quote`'s pictures
 * (an id is what makes two nodes one).
 */
export function quoteId(text: string): string {
  return quote(
    text.replace(ID_ESCAPED, (char) => {
      const code = char.charCodeAt(0)
      return code >= 0xd800 ? `%u${code.toString(16).toUpperCase()}` : `%${hex2(code)}`
    }),
  )
}

function hex2(code: number): string {
  return code.toString(16).toUpperCase().padStart(2, '0')
}

/** `[a=1, b="x"]` from attributes given in order; values are written as given. */
export function attributes(pairs: readonly (readonly [string, string])[]): string {
  return `[${pairs.map(([name, value]) => `${name}=${value}`).join(', ')}]`
}
