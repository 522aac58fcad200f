import { describe, expect, test } from 'vitest'
import { readPage } from './markdown-snippets.js'
import { addResultChecks } from './result-comments.js'

// The two halves of the snippet runner, on small pages: what runs, and what is checked.

const fence = '```'

describe('readPage', () => {
  test('runs every block, joins continued ones, names files, and keeps what is skipped', () => {
    const page = [
      '<!-- snippet: file lib/a.ts',
      'export const a = 1',
      '-->',
      `${fence}ts`,
      '// main.ts',
      "import { a } from './lib/a.js'",
      fence,
      '<!-- snippet: continues -->',
      '',
      `${fence}ts`,
      'a // 1',
      fence,
      '<!-- snippet: setup',
      'const b = 2',
      '-->',
      `${fence}js`,
      'b // 2',
      fence,
      '<!-- snippet: skip wrong on purpose -->',
      `${fence}ts`,
      'count(42)',
      fence,
      '<!-- snippet: excerpt examples/pi.ts -->',
      `${fence}ts`,
      'const TASKS = 8',
      fence,
      `${fence}sh`,
      'npx taskgraph run flow.ts',
      fence,
    ].join('\n')
    expect(readPage(page, 'page.md')).toEqual({
      files: [{ file: 'lib/a.ts', source: { code: 'export const a = 1', line: 2 } }],
      programs: [
        {
          file: 'main.ts',
          line: 5,
          parts: [
            { code: "// main.ts\nimport { a } from './lib/a.js'", line: 5 },
            { code: 'a // 1', line: 11 },
          ],
        },
        {
          file: 'snippet-17.ts',
          line: 17,
          parts: [
            { code: 'const b = 2', line: 14 },
            { code: 'b // 2', line: 17 },
          ],
        },
      ],
      excerpts: [{ path: 'examples/pi.ts', code: 'const TASKS = 8', line: 25 }],
      skipped: [{ line: 21, reason: 'wrong on purpose' }],
    })
  })

  test.each([
    ['a skip without a reason', ['<!-- snippet: skip -->', `${fence}ts`, 'x', fence]],
    [
      'a directive away from its block',
      ['<!-- snippet: continues -->', 'text', `${fence}ts`, fence],
    ],
    ['an unknown directive', ['<!-- snippet: run-later -->', `${fence}ts`, fence]],
    ['stderr allowed without a reason', ['<!-- snippet: stderr -->', `${fence}ts`, fence]],
    ['a comment that never ends', ['<!-- snippet: setup', 'const a = 1']],
  ])('refuses %s', (_, lines) => {
    expect(() => readPage(lines.join('\n'), 'page.md')).toThrow(/^page\.md:\d+: /)
  })
})

describe('addResultChecks', () => {
  test('checks the plain values stated after top-level statements, and nothing else', () => {
    const source = [
      'await total.compute() // 5',
      'await compute(a, total) // [2, 5]: one graph',
      'console.log(await gather({ x: a }).compute()) // { x: 2 }',
      'await numbers.stats()',
      '// [4, 17]',
      'const d = add(a, b) // Delayed<number>: nothing has run yet',
      'await pi.compute() // [ 3.14… ]',
      'await words.compute() // 10, 20, 30',
    ].join('\n')
    const checked = addResultChecks(source, (line) => `page.md:${line + 1}`)
    expect(checked.slice(0, checked.indexOf('\n\n'))).toMatchInlineSnapshot(`
      "__snippetResult(await total.compute(), 5, "page.md:1") // 5
      __snippetResult(await compute(a, total), [2, 5], "page.md:2") // [2, 5]: one graph
      console.log(__snippetResult(await gather({ x: a }).compute(), { x: 2 }, "page.md:3")) // { x: 2 }
      __snippetResult(await numbers.stats(), [4, 17], "page.md:4")
      // [4, 17]
      const d = add(a, b) // Delayed<number>: nothing has run yet
      await pi.compute() // [ 3.14… ]
      await words.compute() // 10, 20, 30"
    `)
  })

  test('leaves a block that states nothing as it is', () => {
    expect(addResultChecks('const a = 1 // one', () => '')).toBe('const a = 1 // one')
  })
})
