/**
 * What a module's source may import: the specifiers of `import … from 'x'`, `import 'x'`,
 * `export … from 'x'`, `import('x')`, `require('x')` and TypeScript's
 * `import x = require('x')`.
 *
 * A scan, not a parse, and deliberately generous: a specifier in a comment or a string
 * that only looks like an import is kept too. A cache key built on these can then only
 * change too often (a commented-out import's file edited), never miss an import that is
 * real. What no scan can see is an import whose specifier is computed at run time
 * (`import(name)`): docs/cache.md says so.
 */
export function importSpecifiers(source: string): string[] {
  const found = new Set<string>()
  for (const match of source.matchAll(IMPORT)) found.add(match[2] ?? match[3]!)
  return [...found]
}

// `from` then a quoted specifier (or one in backquotes without substitutions), or
// `import` or `require`, an optional `(`, then one. Never a method's name: `from` and
// `import` after a `.`, or `from` with a `(`, are calls (`Buffer.from('…')`,
// `Array.from("…")`), whose strings would otherwise name packages that are not there.
const IMPORT =
  /\b(?:(?<!\.\s*)from\s*|(?<!\.\s*)import\s*\(?\s*|require\s*\(?\s*)(?:(['"])([^'"\n]+)\1|`([^`$\n]+)`)/g
