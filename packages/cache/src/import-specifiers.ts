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

// `from`, `import` or `require`, an optional `(`, then a quoted specifier (or one in
// backquotes without substitutions).
const IMPORT = /\b(?:from|import|require)\s*\(?\s*(?:(['"])([^'"\n]+)\1|`([^`$\n]+)`)/g
