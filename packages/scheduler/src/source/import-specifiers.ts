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
    const specifier = match[2] ?? match[3]!
    if (found.get(specifier) === true) continue
    text ??= textRanges(source)
    const loads = !inRanges(text, match.index) && !isTypeOnly(source, match.index, text)
    found.set(specifier, loads)
  }
  // A require made under another name (`const load = createRequire(import.meta.url)`)
  // loads what its calls name, as `require` does.
  for (const made of source.matchAll(MADE_REQUIRE)) {
    const name = made[1]!
    if (name === 'require') continue
    const calls = new RegExp(
      `(?<![.\\p{ID_Continue}$])${name.replace(/\$/g, '\\$')}${CALLED}`,
      'gu',
    )
    for (const call of source.matchAll(calls)) {
      const specifier = call[2] ?? call[3]!
      if (found.get(specifier) === true) continue
      text ??= textRanges(source)
      found.set(specifier, !inRanges(text, call.index) && !inRanges(text, made.index))
    }
  }
  return [...found].map(([specifier, loads]) => ({ specifier, loads }))
}

// `const load = createRequire(…)` (or `module.createRequire(…)`): `load` is a require.
const MADE_REQUIRE =
  /\b(?:const|let|var)\s+([\p{ID_Start}$_][\p{ID_Continue}$]*)\s*=\s*(?:[\p{ID_Start}$_][\p{ID_Continue}$]*\s*\.\s*)?createRequire\s*\(/gu
// A call with a quoted specifier (or one in backquotes without substitutions).
const CALLED = '\\s*\\(\\s*(?:([\'"])([^\'"\\n]+)\\1|`([^`$\\n]+)`)'

// `from` then a quoted specifier (or one in backquotes without substitutions), or
// `import` or `require`, an optional `(`, then one. Never a method's name: `from` and
// `import` after a `.`, or `from` with a `(`, are calls (`Buffer.from('…')`,
// `Array.from("…")`), whose strings would otherwise name packages that are not there.
const IMPORT =
  /\b(?:(?<!\.\s*)from\s*|(?<!\.\s*)import\s*\(?\s*|require\s*\(?\s*)(?:(['"])([^'"\n]+)\1|`([^`$\n]+)`)/g

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
