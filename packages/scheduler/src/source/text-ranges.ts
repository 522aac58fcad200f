/**
 * Where a module's source is text rather than code: its comments, and the insides of its
 * strings, template literals (but their `${…}`) and regular expressions. As flat pairs
 * `[start, end, start, end, …]`, in order.
 *
 * A lexer, not a parser: whether a `/` starts a regular expression is told by what came
 * before it, as JavaScript's own lexers guess it, and a string ends at a line's end
 * whatever happens, so a wrong guess costs a line. Good for telling a commented-out
 * import from a real one; never for leaving out what the code may load (see
 * import-specifiers.ts, which uses it only to forgive).
 */
export function textRanges(source: string): number[] {
  const ranges: number[] = []
  const length = source.length
  // Open `${` of template literals, as the brace depth each was opened at.
  const templates: number[] = []
  let depth = 0
  // Whether a `/` here would start a regular expression.
  let regexAllowed = true
  // Open parentheses, each as whether it follows `if`, `while`, `for` or `with`: after
  // such a `)` comes a statement, which a `/` starts as a regular expression.
  const parens: boolean[] = []
  let i = 0

  /** Skips the rest of a template literal from `i`; true if it stopped at a `${`. */
  const templateText = (): boolean => {
    const start = i
    while (i < length) {
      const c = source.charCodeAt(i)
      if (c === BACKSLASH) i += 2
      else if (c === BACKTICK) {
        ranges.push(start, i)
        i++
        return false
      } else if (c === DOLLAR && source.charCodeAt(i + 1) === OPEN_BRACE) {
        ranges.push(start, i)
        i += 2
        return true
      } else i++
    }
    ranges.push(start, length)
    return false
  }

  while (i < length) {
    const c = source.charCodeAt(i)
    if (c === SLASH && source.charCodeAt(i + 1) === SLASH) {
      const end = lineEnd(source, i)
      ranges.push(i, end)
      i = end
    } else if (c === SLASH && source.charCodeAt(i + 1) === STAR) {
      const close = source.indexOf('*/', i + 2)
      const end = close === -1 ? length : close + 2
      ranges.push(i, end)
      i = end
    } else if (c === QUOTE || c === DOUBLE_QUOTE) {
      const end = stringEnd(source, i + 1, c)
      ranges.push(i + 1, end)
      i = end + 1
      regexAllowed = false
    } else if (c === BACKTICK) {
      i++
      if (templateText()) templates.push(depth++)
      regexAllowed = false
    } else if (c === SLASH && regexAllowed) {
      const end = regexEnd(source, i + 1)
      if (end === undefined) {
        i++
        regexAllowed = true
      } else {
        ranges.push(i + 1, end)
        i = end + 1
        while (i < length && isIdentifierPart(source.charCodeAt(i))) i++
        regexAllowed = false
      }
    } else if (c === OPEN_BRACE) {
      depth++
      i++
      regexAllowed = true
    } else if (c === CLOSE_BRACE) {
      depth--
      i++
      if (templates.length > 0 && templates[templates.length - 1] === depth) {
        templates.pop()
        if (templateText()) templates.push(depth++)
        regexAllowed = false
      } else regexAllowed = true
    } else if (isIdentifierPart(c)) {
      const start = i
      while (i < length && isIdentifierPart(source.charCodeAt(i))) i++
      // `return /x/`, but `a / b` and `f(x) / 2`.
      regexAllowed =
        i - start <= LONGEST_KEYWORD && KEYWORDS_BEFORE_EXPRESSION.has(source.slice(start, i))
    } else if (c === OPEN_PAREN) {
      parens.push(followsControlKeyword(source, i))
      i++
      regexAllowed = true
    } else if (c === CLOSE_PAREN) {
      i++
      regexAllowed = parens.pop() === true
    } else if (c === CLOSE_BRACKET) {
      i++
      regexAllowed = false
    } else {
      // Whitespace keeps what came before it; any other punctuator starts an expression.
      if (!isWhitespace(c)) regexAllowed = true
      i++
    }
  }
  return ranges
}

/** Whether `index` lies inside one of `ranges` (see `textRanges`). */
export function inRanges(ranges: readonly number[], index: number): boolean {
  let low = 0
  let high = ranges.length / 2 - 1
  while (low <= high) {
    const middle = (low + high) >> 1
    if (index < ranges[2 * middle]!) high = middle - 1
    else if (index >= ranges[2 * middle + 1]!) low = middle + 1
    else return true
  }
  return false
}

const BACKSLASH = 92
const BACKTICK = 96
const DOLLAR = 36
const OPEN_BRACE = 123
const CLOSE_BRACE = 125
const SLASH = 47
const STAR = 42
const QUOTE = 39
const DOUBLE_QUOTE = 34
const OPEN_PAREN = 40
const CLOSE_PAREN = 41
const OPEN_BRACKET = 91
const CLOSE_BRACKET = 93
const NEWLINE = 10
const CARRIAGE_RETURN = 13

const KEYWORDS_BEFORE_EXPRESSION = new Set([
  'return',
  'typeof',
  'instanceof',
  'in',
  'of',
  'new',
  'delete',
  'void',
  'throw',
  'case',
  'do',
  'else',
  'yield',
  'await',
])

const LONGEST_KEYWORD = 10

/** Keywords whose parenthesis is followed by a statement: `if (x) /re/.test(s)`. */
const CONTROL_KEYWORDS = new Set(['if', 'while', 'for', 'with'])

/** Whether the `(` at `index` follows one of `CONTROL_KEYWORDS` (a property `a.if(` does not). */
function followsControlKeyword(source: string, index: number): boolean {
  let end = index
  while (end > 0 && isWhitespace(source.charCodeAt(end - 1))) end--
  let start = end
  while (start > 0 && end - start < 5 && isIdentifierPart(source.charCodeAt(start - 1))) start--
  if (start > 0 && (isIdentifierPart(source.charCodeAt(start - 1)) || source[start - 1] === '.'))
    return false
  return CONTROL_KEYWORDS.has(source.slice(start, end))
}

function lineEnd(source: string, from: number): number {
  const newline = source.indexOf('\n', from)
  return newline === -1 ? source.length : newline
}

/** Where the string opened before `from` by `quote` ends: its closing quote, or the line's end. */
function stringEnd(source: string, from: number, quote: number): number {
  let i = from
  while (i < source.length) {
    const c = source.charCodeAt(i)
    if (c === BACKSLASH) i += 2
    else if (c === quote || c === NEWLINE || c === CARRIAGE_RETURN) return i
    else i++
  }
  return source.length
}

/**
 * Where a regular expression whose body starts at `from` ends (its closing `/`), or
 * `undefined` if the line ends first: then the `/` was a division after all.
 */
function regexEnd(source: string, from: number): number | undefined {
  let inClass = false
  let i = from
  while (i < source.length) {
    const c = source.charCodeAt(i)
    if (c === NEWLINE || c === CARRIAGE_RETURN) return undefined
    if (c === BACKSLASH) i += 2
    else {
      if (c === OPEN_BRACKET) inClass = true
      else if (c === CLOSE_BRACKET) inClass = false
      else if (c === SLASH && !inClass) return i
      i++
    }
  }
  return undefined
}

function isIdentifierPart(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || // a-z
    (c >= 65 && c <= 90) || // A-Z
    (c >= 48 && c <= 57) || // 0-9
    c === 95 || // _
    c === DOLLAR ||
    c > 127
  )
}

function isWhitespace(c: number): boolean {
  return c === 32 || c === 9 || c === NEWLINE || c === CARRIAGE_RETURN || c === 11 || c === 12
}
