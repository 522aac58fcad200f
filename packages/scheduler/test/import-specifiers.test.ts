import { describe, expect, test } from 'vitest'
import { declaredImports, importSpecifiers } from '../src/source/import-specifiers.js'

/** The specifiers of `lines` (one module's source) that load code, and those that do not. */
function scan(...lines: string[]): { loads: string[]; text: string[] } {
  const found = importSpecifiers(lines.join('\n'))
  return {
    loads: found.filter((s) => s.loads).map((s) => s.specifier),
    text: found.filter((s) => !s.loads).map((s) => s.specifier),
  }
}

describe('importSpecifiers', () => {
  test('imports in code load; those in comments and strings are only text', () => {
    expect(
      scan(
        "import { a } from './a.js'",
        "// import _ from 'lodash'",
        "/* import { old } from 'old-lib'",
        "   export * from 'older-lib' */",
        'const query = "select * from \'users\'"',
        'const note = \'see require("left-pad")\'',
        "const url = 'http://example.com' // import('after-url')",
        "export { b } from './b.js'",
        "const c = await import('./c.js')",
        "const d = require('d-package')",
        "import './side-effect.js'",
      ),
    ).toEqual({
      loads: ['./a.js', './b.js', './c.js', 'd-package', './side-effect.js'],
      text: ['lodash', 'old-lib', 'older-lib', 'users', 'left-pad', 'after-url'],
    })
  })

  test('template literals: their text is text, their substitutions code', () => {
    expect(
      scan(
        "const sql = `select * from 'events' where at > ${since}`",
        "const nested = `${`inner ${await import('./in-template.js')}`} from 'outside'`",
        'const multi = `line one',
        "import x from 'not-an-import'",
        '`',
        "import { after } from './after.js'",
      ),
    ).toEqual({
      loads: ['./in-template.js', './after.js'],
      text: ['events', 'outside', 'not-an-import'],
    })
  })

  test('regular expressions and divisions are told apart by what comes before them', () => {
    expect(
      scan(
        // A regular expression holding a quote does not open a string...
        "const quote = /'/g; const both = /[\"/]/; import('./a.js')",
        // ...and a division is not a regular expression: the import after it is code.
        "const half = total / 2; const ratio = f(x) / g(y); import('./b.js')",
        "if (ok) return /from 'regex-text'/.test(s)",
        // After the parenthesis of an if, a statement: here a regular expression.
        "if (ok) /'/.test(s) && load(); import('./c.js')",
        "while (f(x)) /`/.test(s); import('./d.js')",
        // After other parentheses, a division.
        "const share = (a + b) / 2; import('./e.js'); a.if(x) / 3; import('./f.js')",
      ),
    ).toEqual({
      loads: ['./a.js', './b.js', './c.js', './d.js', './e.js', './f.js'],
      text: ['regex-text'],
    })
  })

  test('type-only imports and exports load nothing; a default export named type does', () => {
    expect(
      scan(
        "import type { Request } from 'types-only'",
        "import type Default from 'types-default'",
        "import type * as All from 'types-all'",
        "export type { Shape } from 'types-shape'",
        "export type * from 'types-star'",
        "import type from 'named-type'",
        "import type, { other } from 'named-type-and-more'",
        "import {\n  type A,\n  b,\n} from 'mixed'",
      ),
    ).toEqual({
      loads: ['named-type', 'named-type-and-more', 'mixed'],
      text: ['types-only', 'types-default', 'types-all', 'types-shape', 'types-star'],
    })
  })

  test('a specifier found in code and in a comment loads', () => {
    expect(scan("// import { a } from 'pkg'", "import { a } from 'pkg'")).toEqual({
      loads: ['pkg'],
      text: [],
    })
  })

  test('comments between import( or require( and the specifier', () => {
    expect(
      scan(
        "const chart = await import(/* webpackChunkName: 'chart' */ './chart.js')",
        'const table = await import(',
        '  // loaded when first shown',
        "  './table.js'",
        ')',
        "const config = require(/* the defaults */ './config.json')",
        "export { a } from /* the helpers */ './a.js'",
      ),
    ).toEqual({ loads: ['./chart.js', './table.js', './config.json', './a.js'], text: [] })
  })

  test('a specifier holding the other quote, or an escaped one', () => {
    expect(scan('import { k } from "./it\'s.js"', "import { j } from './it\\'s-too.js'")).toEqual({
      loads: ["./it's.js", "./it's-too.js"],
      text: [],
    })
  })

  test('a require made by createRequire: named, assigned later, a property, or called at once', () => {
    expect(
      scan(
        "import { createRequire } from 'node:module'",
        'const load = createRequire(import.meta.url)',
        "load('./named.cjs')",
        'let later',
        'later = createRequire(import.meta.url)',
        "later('./later.cjs')",
        'this.load = createRequire(import.meta.url)',
        "this.load('./property.cjs')",
        "const config = createRequire(import.meta.url)('./config.json')",
        "const other = createRequire(join(dir, 'x.js'))(\n  // the table\n  './table.json')",
      ),
    ).toEqual({
      loads: [
        'node:module',
        './named.cjs',
        './later.cjs',
        './property.cjs',
        './config.json',
        './table.json',
      ],
      text: [],
    })
  })
})

describe('declaredImports', () => {
  test("import declarations' specifiers: not a dynamic import, a require, a comment or a type", () => {
    const source = [
      "import { a } from './a.js'",
      "import './side-effect.js'",
      "export * from './re-exported.js'",
      "export { b as c } from './b.js'",
      'import d, {',
      '  e,',
      "} from './multi-line.js'",
      "const lazy = await import('./lazy.js')",
      "const required = require('./required.cjs')",
      "// import { old } from './commented.js'",
      'const text = "import x from \'./in-a-string.js\'"',
      "import type { T } from './types.js'",
      "export type { U } from './more-types.js'",
      "import { a as again } from './a.js'",
    ].join('\n')
    expect(declaredImports(source)).toEqual([
      './a.js',
      './side-effect.js',
      './re-exported.js',
      './b.js',
      './multi-line.js',
    ])
  })
})
