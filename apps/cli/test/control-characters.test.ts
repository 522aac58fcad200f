import stringWidth from 'string-width'
import { afterAll, describe, expect, it } from 'vitest'
import { fixture, runCli } from './helpers/run-cli.js'
import { cleanUp, makeTempDir } from './helpers/temp-dirs.js'

// Keys, function names and error messages come from the workflow: the command's own lines
// (errors, warnings) write the control characters in them as escapes, so that what a
// terminal would act on (clear the screen, retitle the window, go back to the line's
// start) is shown instead.

/** C0 controls but the newline, DEL and C1: what must not reach the terminal. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/

afterAll(cleanUp)

describe('control characters in names and messages', () => {
  it('are escaped in the error report and the warnings of taskgraph run', async () => {
    const result = await runCli([
      'run',
      fixture('control-names.ts'),
      '-k',
      '-e',
      'threads',
      '-w',
      '1',
    ])
    expect(result.code).toBe(1)
    expect(result.stderr).not.toMatch(RAW_CONTROL)
    const evil = '\\u001b[2J\\u001b]0;pwned\\u0007\\r\\u009b31m'
    // The function's name in the failure and in the warning, and the task's own message.
    expect(result.stderr).toContain(`(function fail${evil}) failed: Error: bad ${evil}input 2`)
    expect(result.stderr).toContain(`function scale${evil} was made at run time`)
  })

  it('leave the lines of the stack of what a task threw as they are, but indented', async () => {
    const result = await runCli(['run', fixture('control-names.ts'), '-k'])
    expect(result.code).toBe(1)
    // Not broken at the CR, U+2028 or U+2029 of its message as the lines are indented.
    expect(result.stderr).toContain(
      `\n    Error: bad \\u001b[2J\\u001b]0;pwned\\u0007\\r\\u009b31minput 2\u2028and\u2029more\n        at `,
    )
  })

  it('are escaped in what taskgraph cache why says', async () => {
    const result = await runCli([
      'cache',
      'why',
      fixture('control-names.ts'),
      'key\u001b[2J\u001b]0;pwned\u0007\r\u009b31m',
      '--cache',
      await makeTempDir(),
    ])
    expect(result.stdout).not.toMatch(RAW_CONTROL)
    expect(result.stdout).toContain('fail\\u001b[2J')
  })

  it('are escaped in taskgraph cache ls, whose columns line up however wide the names are', async () => {
    const cache = await makeTempDir()
    const run = await runCli(['run', fixture('cached-odd-names.ts'), '--cache', cache])
    expect(run.code).toBe(0)
    const result = await runCli(['cache', 'ls', '--cache', cache])
    expect(result.code).toBe(0)
    expect(result.stdout).not.toMatch(RAW_CONTROL)
    const lines = result.stdout.trimEnd().split('\n')
    // A header, a row per task (none broken in two by a newline), the total.
    expect(lines).toHaveLength(1 + 6 + 1)
    expect(result.stdout).toContain('new\\nline-key')
    expect(result.stdout).toContain('esc\\u001b[31m-key')
    // Each row's size starts in the column of the header's SIZE, on screen.
    const column = (line: string, at: number): number => stringWidth(line.slice(0, at))
    const sizeColumn = column(lines[0]!, lines[0]!.indexOf('SIZE'))
    for (const line of lines.slice(1, -1)) {
      expect(column(line, line.search(/ \d+ B /) + 1), line).toBe(sizeColumn)
    }
  })
})
