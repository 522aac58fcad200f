import { inRanges, textRanges } from '@taskgraph/scheduler/wire'

// Where a module's source may make a function of a given name (see function-identity.ts).
// A scan of the name's occurrences, each judged by the text around it: a regular
// expression per name cost a cold run about a millisecond a function to compile (Unicode
// classes are large), more than the rest of its key.

/** The forms `found` looks for, around an occurrence of the name. */
export interface DeclarationForms {
  /**
   * The offsets in `source` of the name where it may make a function: declared
   * (`function name(`, `function* name<`, `const name`, `let`, `var`, `class`), as a
   * property or field (`name: …`, `name?: …`, `name = …`), a method (`name(…`, `name<T>(`
   * where a statement or a member starts, or after `static`, `async`, `get`...: a call
   * there counts too, which only costs precision), or quoted (`'name'`, which may become
   * a property). Text that looks like one (a comment, a string) counts: a doubt keeps
   * the origin.
   */
  found(source: string): number[]
  /** Whether the occurrence at `at` is a plain declaration of the module's top level. */
  topLevel(source: string, at: number): boolean
}

/** The forms of `name`, an identifier. */
export function declarationForms(name: string): DeclarationForms {
  return {
    found(source) {
      const offsets: number[] = []
      for (let at = source.indexOf(name); at !== -1; at = source.indexOf(name, at + 1)) {
        if (makesFunction(source, at, at + name.length)) offsets.push(at)
      }
      return offsets
    },
    topLevel(source, at) {
      const lineStart = source.lastIndexOf('\n', at - 1) + 1
      if (!DECLARED_LINE.test(source.slice(lineStart, at))) return false
      const text = textRanges(source)
      if (inRanges(text, at)) return false
      let depth = 0
      for (let i = 0; i < lineStart; i++) {
        const c = source.charCodeAt(i)
        if ((c === OPEN_BRACE || c === CLOSE_BRACE) && !inRanges(text, i)) {
          depth += c === OPEN_BRACE ? 1 : -1
        }
      }
      return depth === 0
    },
  }
}

// What a line holds before a declared name: `export default async function* `, `const `.
const DECLARED_LINE =
  /^(?:export\s+(?:default\s+)?)?(?:async\s+)?(?:function\s*\*?\s*|(?:const|let|var|class)\s+)$/

const OPEN_BRACE = 123
const CLOSE_BRACE = 125

/** Whether the name at `at` (ending at `end`) stands in one of the forms of `found`. */
function makesFunction(source: string, at: number, end: number): boolean {
  const after = spaceAfter(source, end)
  const called = source[after] === '(' || source[after] === '<'
  const before = spaceBefore(source, at)
  if (called) {
    // `function name(`, `function* name(`, `function *name<`.
    const star = source[before - 1] === '*' ? spaceBefore(source, before - 1) : before
    if (endsWithWord(source, star, 'function') && !isWordChar(source.charCodeAt(star))) {
      return true
    }
    // A method or a call where a statement or a member starts.
    const lineStart = tabsAndSpacesBefore(source, at)
    if (lineStart === 0 || isLineTerminator(source.charCodeAt(lineStart - 1))) return true
    if (before > 0 && '{};,*'.includes(source[before - 1]!)) return true
    if (before < at && MODIFIERS.some((word) => endsWithWord(source, before, word))) return true
  }
  // `const name`, `let`, `var`, `class`, the name whole.
  if (
    before < at &&
    isWordChar(source.charCodeAt(end - 1)) !== isWordChar(source.charCodeAt(end)) &&
    DECLARERS.some((word) => endsWithWord(source, before, word))
  ) {
    return true
  }
  // A property or a field: `name: …`, `name?: …`, `name = …`, not `name ==`.
  if (at === 0 || !isNamePartOrDot(source, at)) {
    let sign = after
    if (source[sign] === '?') sign = spaceAfter(source, sign + 1)
    if ((source[sign] === ':' || source[sign] === '=') && source[sign + 1] !== '=') return true
  }
  // Quoted: `'name'`, `"name"`, `` `name` ``.
  const quote = source[at - 1]
  return (quote === "'" || quote === '"' || quote === '`') && source[end] === quote
}

const DECLARERS = ['const', 'let', 'var', 'class']
const MODIFIERS = ['static', 'async', 'get', 'set', 'public', 'private', 'protected', 'override']

/**
 * Whether `source` has `word` ending at `end`, starting where a word may (`\b`): at the
 * start, or after a character that is not a letter, digit or `_` of ASCII.
 */
function endsWithWord(source: string, end: number, word: string): boolean {
  const start = end - word.length
  return start >= 0 && source.startsWith(word, start) && !isWordChar(source.charCodeAt(start - 1))
}

/** The offset after the white space at `from`. */
function spaceAfter(source: string, from: number): number {
  let i = from
  while (i < source.length && isSpace(source.charCodeAt(i))) i++
  return i
}

/** The offset where the white space that ends at `end` starts. */
function spaceBefore(source: string, end: number): number {
  let i = end
  while (i > 0 && isSpace(source.charCodeAt(i - 1))) i--
  return i
}

/** The offset where the tabs and spaces that end at `end` start. */
function tabsAndSpacesBefore(source: string, end: number): number {
  let i = end
  while (i > 0 && (source.charCodeAt(i - 1) === 32 || source.charCodeAt(i - 1) === 9)) i--
  return i
}

/** Whether code unit `c` is a letter, digit or `_` of ASCII: what `\b` tells apart. */
function isWordChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 // _
  )
}

/** Whether code unit `c` ends a line, as `^` of a multiline pattern sees it. */
function isLineTerminator(c: number): boolean {
  return c === 10 || c === 13 || c === 0x2028 || c === 0x2029
}

/** Whether code unit `c` is white space, as `\s` matches it. */
function isSpace(c: number): boolean {
  if (c < 128) return c === 32 || (c >= 9 && c <= 13)
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  )
}

/**
 * Whether the character before `at` is a letter or digit of any script, `_`, `$` or `.`:
 * one that makes the name part of a longer one, or a member's.
 */
function isNamePartOrDot(source: string, at: number): boolean {
  const c = source.charCodeAt(at - 1)
  if (c < 128) return isWordChar(c) || c === 36 || c === 46 // $ .
  // A character outside the Basic Multilingual Plane is two code units: the whole one.
  const high = at >= 2 ? source.charCodeAt(at - 2) : 0
  const paired = c >= 0xdc00 && c <= 0xdfff && high >= 0xd800 && high <= 0xdbff
  const codePoint = paired ? source.codePointAt(at - 2)! : c
  return (LETTER_OR_DIGIT ??= /^[\p{L}\p{N}]$/u).test(String.fromCodePoint(codePoint))
}

/** Compiled only for a name after a character outside ASCII: rare, and costly to compile. */
let LETTER_OR_DIGIT: RegExp | undefined
