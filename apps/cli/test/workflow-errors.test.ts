import { afterAll, describe, expect, it } from 'vitest'
import { cleanUp, makeTempDir } from './helpers/temp-dirs.js'
import { runCli } from './helpers/run-cli.js'

// A workflow file that cannot be used exits 3 with a one-line reason on stderr naming
// the file (and, where there is one, what the file got wrong), and prints nothing on stdout.
const badWorkflows = [
  { case: 'a missing file', file: 'missing.ts', named: [] },
  {
    case: 'a directory',
    file: 'lib',
    named: ['lib is a directory, not a file; give the path of a workflow'],
  },
  // It said "workflow path is not a file: ", naming nothing.
  { case: 'an empty path', file: '', named: ['an empty path; give the path of a workflow'] },
  { case: 'an unsupported extension', file: 'not-a-workflow.txt', named: ['.txt'] },
  { case: 'a TypeScript syntax error', file: 'syntax-error.ts', named: ['syntax-error.ts:3:'] },
  {
    case: 'a JavaScript syntax error',
    file: 'syntax-error.mjs',
    named: ['SyntaxError', '(line 3)'],
  },
  {
    case: 'a syntax error in a module it imports',
    file: 'imports-syntax-error.mjs',
    named: ['SyntaxError', '(in a module it imports)'],
  },
  {
    case: 'a SyntaxError its top-level code throws (JSON.parse)',
    file: 'parse-json-on-load.ts',
    named: ['SyntaxError', 'parse-json-on-load.ts:5:'],
  },
  { case: 'no default export', file: 'no-default.ts', named: ['has no default export'] },
  // It said the default export must be a Delayed, and got an object.
  {
    case: 'no export statement at all',
    file: 'commonjs/no-export.ts',
    named: ['exports nothing but an empty object', 'add `export default`'],
  },
  { case: 'a number as default export', file: 'default-number.ts', named: ['42'] },
  {
    case: 'a delayed function (not a call of it) as default export',
    file: 'default-delayed-function.ts',
    named: ['bake'],
  },
  {
    case: 'a default export function that throws',
    file: 'default-throws.ts',
    named: ['no graph today'],
  },
  {
    case: 'a default export whose getter throws',
    file: 'default-getter-throws.ts',
    named: ['Error: the getter jammed'],
  },
  {
    case: 'a default export that is a Proxy whose traps throw',
    file: 'default-proxy-throws.ts',
    named: ['Error: the proxy trap sprang'],
  },
  {
    case: 'a rejected promise as default export',
    file: 'default-rejected-promise.ts',
    named: ['promise', 'Error: the oven is cold'],
  },
  {
    case: 'a future (from submit) as default export',
    file: 'default-future.ts',
    named: ['WorkflowError', 'a Future (from submit)'],
  },
  {
    case: 'a promise its top-level code rejects with nothing to handle it',
    file: 'loose-rejection.ts',
    named: ['WorkflowError', 'Error: the settings server is down'],
  },
  {
    case: 'a timer of its top-level code that throws while it loads',
    file: 'loose-exception.ts',
    named: ['WorkflowError', 'Error: the warm-up timer tripped'],
  },
  {
    case: 'a class as default export',
    file: 'default-class.ts',
    named: ['WorkflowError', 'a class (Pipeline)'],
  },
  {
    case: 'an async generator function as default export',
    file: 'default-async-generator.ts',
    named: ['WorkflowError', 'an async generator function (stages)'],
  },
  {
    case: 'a default export function that needs the arguments it is not given',
    file: 'default-takes-arguments.ts',
    named: ['WorkflowError', '1 parameter', "reading 'size'"],
  },
  { case: 'two tasks with one key', file: 'key-clash.ts', named: ['"clashing-key"'] },
  // Node ended the process with code 13, and the command said a task or the workflow
  // had called process.exit().
  {
    case: 'top-level code awaiting a promise nothing settles',
    file: 'awaits-forever.ts',
    named: ['WorkflowError', 'never finished loading'],
  },
  {
    case: 'a default export function awaiting a promise nothing settles',
    file: 'default-awaits-forever.ts',
    named: ['WorkflowError', 'never finished loading'],
  },
]

describe.concurrent.each(['run', 'visualize'])('taskgraph %s of a bad workflow file', (command) => {
  it.each(badWorkflows)('$case exits 3', async ({ file, named }) => {
    const result = await runCli([command, file])
    expect(result.code).toBe(3)
    expect(result.stdout).toBe('')
    const lines = result.stderr.trimEnd().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain(file)
    for (const text of named) expect(lines[0]).toContain(text)
  })
})

describe.concurrent.each(['run', 'visualize'])('taskgraph %s of a default export', (command) => {
  it('holding a Delayed inside a reference cycle exits 3 with an InvalidArgumentError, computing nothing', async () => {
    const result = await runCli([command, 'cyclic-export.ts'])
    expect(result).toMatchObject({ code: 3, stdout: '' })
    const lines = result.stderr.trimEnd().split('\n')
    expect(lines).toEqual([
      expect.stringMatching(/^taskgraph: error: InvalidArgumentError: .*cycle/),
    ])
  })
})

// Commands that only read the graph: their stdout is the drawing or the answer, and a
// workflow's process.exit() would end them with neither, and exit code 0.
describe.concurrent('a workflow loaded only to read its graph', () => {
  afterAll(cleanUp)
  const commands = [
    { name: 'visualize', args: (file: string) => ['visualize', file] },
    {
      name: 'cache why',
      args: (file: string, cache: string) => ['cache', 'why', file, 'shout-1', '--cache', cache],
    },
  ]

  it.each(commands)('$name: what it prints as it loads goes to stderr', async ({ args }) => {
    const result = await runCli(args('prints.ts', await makeTempDir()))
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^(digraph|shout-1)/)
    expect(result.stdout).not.toContain('top-level code')
    expect(result.stderr).toBe('top-level code\n')
  })

  it.each(commands)(
    '$name: its top-level process.exit() exits 3 with a WorkflowError, not 0 with nothing',
    async ({ args }) => {
      const result = await runCli(args('exits-on-load.ts', await makeTempDir()))
      expect(result).toMatchObject({ code: 3, stdout: '' })
      expect(result.stderr).toMatch(
        /^taskgraph: error: WorkflowError: .*exits-on-load\.ts: ProcessExitError: [^\n]+\n$/,
      )
    },
  )
})
