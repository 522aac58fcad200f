import { describe, expect, it } from 'vitest'
import { fixture, runCli } from './helpers/run-cli.js'

/** The lines of a stack trace: "    at fn (file:line:column)". */
function framesOf(stderr: string): string[] {
  return stderr.split('\n').filter((line) => /^\s+at /.test(line))
}

/** A frame of taskgraph's own packages (this repository's builds) or of Node's own modules. */
function isInternal(frame: string): boolean {
  return /\(node:|at node:|\/(packages\/(core|scheduler)|apps\/cli)\/(dist|src)\//.test(frame)
}

describe.concurrent('error reports', () => {
  it.each([
    { case: "commander's", args: ['run', 'sum.ts', '--bogus'] },
    { case: "taskgraph's", args: ['run', 'sum.ts', '--executor', 'async', '--workers', '2'] },
    { case: 'a visualize', args: ['visualize', 'sum.ts', '-o', 'graph.png'] },
  ])('$case usage error is one "taskgraph: error:" line', async ({ args }) => {
    const result = await runCli(args)
    expect(result).toMatchObject({ code: 2, stdout: '' })
    expect(result.stderr).toMatch(/^taskgraph: error: (?!error)[^\n]+\n$/)
  })

  it.each([
    { args: ['run', 'no-such-file.ts'], name: 'WorkflowError', code: 3 },
    { args: ['run', 'bigint.ts', '--json'], name: 'OutputError', code: 4 },
  ])('a run that fails names the class of its error: $name', async ({ args, name, code }) => {
    const result = await runCli(args)
    expect(result).toMatchObject({ code, stdout: '' })
    expect(result.stderr).toMatch(new RegExp(`^taskgraph: error: ${name}: [^\\n]+\\n$`))
  })
})

// The command itself failed as it wrote the report (the getter's error, uncaught), and
// said the workflow's process had called process.exit().
describe.concurrent.each(['inline', 'async'])(
  'on %s, a task error that throws as it is read',
  (executor) => {
    it('is reported as the TaskError it is, saying it could not be shown', async () => {
      const result = await runCli(['run', 'message-getter-throws.ts', '--executor', executor])
      expect(result).toMatchObject({ code: 1, stdout: '' })
      expect(result.stderr).toBe(
        'taskgraph: error: TaskError: compute: task "unreadable-1" (function unreadable) failed: an instance of Error\n' +
          '    (what the task threw could not be shown: reading it threw the message getter threw)\n',
      )
    })
  },
)

// The report, the message and the stack that repeats it, was longer than Node's longest
// string: the command crashed as it wrote it ("Invalid string length"). On threads, the
// error comes from a worker, as a copy: a million characters show its form there.
describe.concurrent.each([
  { executor: 'inline', length: 300_000_000 },
  { executor: 'threads', length: 1_000_000 },
])('on $executor, a task error of a $length-character message', ({ executor, length }) => {
  it('is reported cut, with its frames', { timeout: 120_000 }, async () => {
    const result = await runCli(['run', 'huge-message.ts', '--executor', executor], {
      env: { MESSAGE_LENGTH: String(length) },
    })
    expect(result).toMatchObject({ code: 1, stdout: '' })
    expect(result.stderr.length).toBeLessThan(200_000)
    // What is shown of the message as one "X": a failure prints what it compares.
    const shown = result.stderr.replace(/x{1000,}/g, 'X')
    const more = (prefix: string): number => length + prefix.length - 65_536
    expect(shown).toMatch(
      new RegExp(
        `^taskgraph: error: TaskError: compute: task "dump-1" \\(function dump\\) failed: Error: X… \\(${more('compute: task "dump-1" (function dump) failed: Error: ')} more characters not shown\\)\\n` +
          `    Error: X… \\(${more('Error: ')} more characters not shown\\)\\n` +
          '        at (Object\\.)?dump .*huge-message\\.ts:\\d+:\\d+\\)\\n',
      ),
    )
  })
})

// throw-deep.ts: the task `double` calls `check`, which throws a RangeError.
describe.concurrent.each(['inline', 'async', 'threads', 'processes'])(
  'a task error on the %s executor',
  (executor) => {
    it("shows the workflow's frames and none of taskgraph's", async () => {
      const result = await runCli(['run', 'throw-deep.ts', '--executor', executor])
      expect(result).toMatchObject({ code: 1, stdout: '' })
      const [first, second] = result.stderr.split('\n')
      expect(first).toMatch(
        /^taskgraph: error: TaskError: .*"double-\w+".*RangeError: 6 is too big$/,
      )
      expect(second).toBe('    RangeError: 6 is too big')
      const frames = framesOf(result.stderr)
      // On the main thread V8 names the task function Object.double.
      const functions = frames.map((frame) => /at (?:Object\.)?(\S+)/.exec(frame)?.[1])
      expect(functions).toEqual(['check', 'double'])
      for (const frame of frames) expect(frame).toContain(fixture('throw-deep.ts'))
      expect(result.stderr).toMatch(/frames of taskgraph and Node\.js hidden; --verbose shows them/)
    })

    it.each([['--verbose'], ['--log-level', 'debug']])(
      'shows them all with %s',
      async (...flags) => {
        const result = await runCli(['run', 'throw-deep.ts', '--executor', executor, ...flags])
        expect(result).toMatchObject({ code: 1, stdout: '' })
        const frames = framesOf(result.stderr)
        expect(frames.filter((frame) => frame.includes(fixture('throw-deep.ts')))).toHaveLength(2)
        expect(frames.some(isInternal)).toBe(true)
      },
    )
  },
)

// default-throws.ts: the default export's function throws on line 3; top-level-throws.ts:
// its top-level code calls a function that throws on line 4.
describe.concurrent('a workflow that throws while it loads', () => {
  it.each([
    { file: 'default-throws.ts', at: ':3:9' },
    { file: 'top-level-throws.ts', at: ':4:26' },
  ])('$file: one line, with where its own code threw', async ({ file, at }) => {
    const result = await runCli(['run', file])
    expect(result).toMatchObject({ code: 3, stdout: '' })
    expect(result.stderr).toMatch(/^taskgraph: error: WorkflowError: [^\n]+\n$/)
    expect(result.stderr).toContain(`(at ${fixture(file)}${at})`)
  })

  it('with --verbose, the stack of its error follows, whole', async () => {
    const result = await runCli(['--verbose', 'visualize', 'top-level-throws.ts'])
    expect(result).toMatchObject({ code: 3, stdout: '' })
    const [first, second] = result.stderr.split('\n')
    expect(first).toMatch(/^taskgraph: error: WorkflowError: /)
    expect(second).toBe('    RangeError: the workers setting must be positive')
    const frames = framesOf(result.stderr)
    expect(frames[0]).toContain(`${fixture('top-level-throws.ts')}:4:26`)
    expect(frames.some(isInternal)).toBe(true)
  })
})
