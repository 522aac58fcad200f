import { inRanges, textRanges } from './text-ranges.js'

/** A specifier a module's source may import. */
export interface ImportSpecifier {
  readonly specifier: string
  /**
   * Whether it may load code: found in code (not only in comments or strings), and not
   * only by `import type` or `export type`, which TypeScript erases.
   */
  readonly loads: boolean
}

/**
 * What a module's source may import: the specifiers of `import … from 'x'`, `import 'x'`,
 * `export … from 'x'`, `import('x')`, `require('x')` and TypeScript's
 * `import x = require('x')`.
 *
 * A scan, not a parse, and deliberately generous: a specifier in a comment or a string
 * that only looks like an import is kept too, marked as not loading. A cache key built
 * on these can then only change too often (a commented-out import's file edited), never
 * miss an import that is real. What no scan can see is an import whose specifier is
 * computed at run time (`import(name)`): docs/cache.md says so.
 */
export function importSpecifiers(source: string): ImportSpecifier[] {
  const found = new Map<string, boolean>()
  let text: number[] | undefined
  for (const match of source.matchAll(IMPORT)) {
    const specifier = specifierOf(match)
    if (found.get(specifier) === true) continue
    text ??= textRanges(source)
    const loads = !inRanges(text, match.index) && !isTypeOnly(source, match.index, text)
    found.set(specifier, loads)
  }
  // A require made under another name (`const load = createRequire(import.meta.url)`,
  // `this.load = createRequire(…)`) loads what its calls name, as `require` does; so
  // does one called as it is made (`createRequire(here)('./config.json')`). Both scans
  // look behind at every character: most sources never name it, and skip them.
  if (!source.includes('createRequire')) return [...found].map(toSpecifier)
  for (const made of source.matchAll(MADE_REQUIRE)) {
    const name = made[1]!.replace(/\s+/g, '')
    if (name === 'require') continue
    const calls = new RegExp(
      `(?<![.\\p{ID_Continue}$])${name.replace(/[$.]/g, '\\$&')}${CALLED}`,
      'gu',
    )
    for (const call of source.matchAll(calls)) {
      const specifier = specifierOf(call)
      if (found.get(specifier) === true) continue
      text ??= textRanges(source)
      found.set(specifier, !inRanges(text, call.index) && !inRanges(text, made.index))
    }
  }
  for (const call of source.matchAll(CALLED_AS_MADE)) {
    const specifier = specifierOf(call)
    if (found.get(specifier) === true) continue
    text ??= textRanges(source)
    found.set(specifier, !inRanges(text, call.index))
  }
  return [...found].map(toSpecifier)
}

/**
 * The specifiers of a module's import declarations that load code: `import … from 'x'`,
 * `import 'x'` and `export … from 'x'`, neither in a comment or a string nor erased by
 * TypeScript (`import type`). What they name is evaluated before the module's own code
 * runs, unlike a dynamic `import('x')` or a `require('x')`, which may never run.
 */
export function declaredImports(source: string): string[] {
  const declared = new Set<string>()
  let text: number[] | undefined
  for (const match of source.matchAll(DECLARED)) {
    text ??= textRanges(source)
    if (inRanges(text, match.index) || isTypeOnly(source, match.index, text)) continue
    declared.add(specifierOf(match))
  }
  return [...declared]
}

const toSpecifier = ([specifier, loads]: [string, boolean]): ImportSpecifier => ({
  specifier,
  loads,
})

/**
 * The specifier a match of `QUOTED` holds: a quoted one with its escapes undone
 * (`"it\'s.js"`), or one in backquotes.
 */
function specifierOf(match: RegExpMatchArray): string {
  const quoted = match[2]
  return quoted === undefined ? match[3]! : quoted.replace(/\\(.)/gs, '$1')
}

// Between a keyword or a parenthesis and the specifier: space, and comments, such as a
// bundler's (`import(/* webpackChunkName: "chart" */ './chart.js')`) or a line of its
// own that a formatter leaves there.
const GAP = String.raw`(?:\s|/\*[\s\S]*?\*/|//[^\n]*\n)*`
// A specifier in quotes (the other quote and escaped characters may be in it:
// `"./it's.js"`), or in backquotes without substitutions. Groups 1 to 3.
const QUOTED = String.raw`(?:(['"])((?:\\.|(?!\1)[^\\\n])+)\1|` + '`([^`$\\n]+)`)'
// A name, or a property (`this.load`): what a made require is kept in.
const NAME = String.raw`[\p{ID_Start}$_][\p{ID_Continue}$]*`

// `load = createRequire(…)` (or `module.createRequire(…)`), declared there or not, `load`
// a name or a property: `load` is a require.
const MADE_REQUIRE = new RegExp(
  String.raw`(?<![.\p{ID_Continue}$])(${NAME}(?:\s*\.\s*${NAME})*)\s*=\s*(?:${NAME}\s*\.\s*)?createRequire\s*\(`,
  'gu',
)
// A call with a specifier.
const CALLED = String.raw`${GAP}\(${GAP}${QUOTED}`
// A require called as it is made: `createRequire(here)('./x.json')`, its
// argument with a call in it at most (`createRequire(join(dir, 'noop.js'))`).
const CALLED_AS_MADE = new RegExp(
  String.raw`\bcreateRequire\s*\([^()]*(?:\([^()]*\)[^()]*)*\)${CALLED}`,
  'gu',
)

// `from` then a specifier, or `import` or `require`, an optional `(`, then one. Never a
// method's name: `from` and `import` after a `.`, or `from` with a `(`, are calls
// (`Buffer.from('…')`, `Array.from("…")`), whose strings would otherwise name packages
// that are not there.
const IMPORT = new RegExp(
  String.raw`\b(?:(?<!\.\s*)from${GAP}|(?<!\.\s*)import${GAP}\(?${GAP}|require${GAP}\(?${GAP})${QUOTED}`,
  'g',
)

// `from` then a specifier, or `import` then one without a parenthesis: a declaration's.
const DECLARED = new RegExp(
  String.raw`\b(?:(?<!\.\s*)from${GAP}|(?<!\.\s*)import${GAP})${QUOTED}`,
  'g',
)

// The declarations TypeScript erases: `import type X`, `import type { X }`,
// `import type * as X`, `export type { X }`, `export type *`; not `import type from`
// nor `import type, { X } from`, which import a default export named `type`.
const TYPE_ONLY = /\b(?:import|export)\s+type\s+(?!from\b)[{*\p{ID_Start}$_]/uy
// The start of the declaration a `from` ends: the last `import` or `export` before it.
const DECLARATION_START = /\b(?:import|export)\b/g
// How far before its `from` a declaration is looked for: past any list of names.
const LOOK_BACK = 4000

/** Whether the `from` at `index` ends an `import type` or `export type` declaration. */
function isTypeOnly(source: string, index: number, text: readonly number[]): boolean {
  if (!source.startsWith('from', index)) return false
  const before = source.slice(Math.max(0, index - LOOK_BACK), index)
  let start: number | undefined
  for (const match of before.matchAll(DECLARATION_START)) {
    if (!inRanges(text, index - before.length + match.index)) start = match.index
  }
  if (start === undefined) return false
  TYPE_ONLY.lastIndex = start
  return TYPE_ONLY.test(before)
}
