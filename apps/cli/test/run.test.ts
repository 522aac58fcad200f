import { describe, expect, it } from 'vitest'
import { runCli } from './helpers/run-cli.js'

// Each fixture's default export in another form; `text` is what `run` prints, `json`
// the parsed output of `run --json`.
const workflows = [
  { file: 'sum.ts', form: 'a Delayed, in TypeScript', text: '5\n', json: 5 },
  { file: 'sum.mts', form: 'a Delayed, in an .mts module', text: '42\n', json: 42 },
  { file: 'sum.mjs', form: 'a Delayed, in JavaScript', text: '25\n', json: 25 },
  {
    file: 'uses-helper.ts',
    form: 'a Delayed calling a local TypeScript helper module',
    text: 'Hello, Countess Ada!\n',
    json: 'Hello, Countess Ada!',
  },
  {
    file: 'export-array.ts',
    form: 'an array of Delayed',
    text: "[ 'A', 'B', 'plain' ]\n",
    json: ['A', 'B', 'plain'],
  },
  {
    file: 'export-object.mjs',
    form: 'an object of Delayed',
    text: "{ short: 3, long: 8, note: 'kept as is' }\n",
    json: { short: 3, long: 8, note: 'kept as is' },
  },
  {
    file: 'compiled-default.cjs',
    form: 'exports.default, in CommonJS marked __esModule',
    text: '42\n',
    json: 42,
  },
  {
    file: 'default-key.cjs',
    form: 'module.exports, an object with a default key, in CommonJS',
    text: '{ default: 2, other: 4 }\n',
    json: { default: 2, other: 4 },
  },
  { file: 'export-function.ts', form: 'a function returning a Delayed', text: '48\n', json: 48 },
  {
    file: 'export-async-function.ts',
    form: 'an async function returning a Delayed',
    text: 'built asynchronously\n',
    json: 'built asynchronously',
  },
]

describe.concurrent.each(workflows)(
  'taskgraph run $file (default export: $form)',
  ({ file, text, json }) => {
    it('prints the result on stdout and exits 0', async () => {
      const result = await runCli(['run', file])
      expect(result).toMatchObject({ code: 0, stdout: text, stderr: '' })
    })

    it('prints only the result, as JSON, with --json', async () => {
      const result = await runCli(['run', file, '--json'])
      expect(result).toMatchObject({ code: 0, stderr: '' })
      expect(JSON.parse(result.stdout)).toEqual(json)
    })
  },
)

describe.concurrent('taskgraph run --executor and --concurrency', () => {
  // concurrency.ts runs four async tasks of 250 ms that could all overlap, and returns the
  // most that were in flight at once.
  it.each([
    { flags: '', maxInFlight: 4 },
    { flags: '--executor async', maxInFlight: 4 },
    { flags: '--executor async --concurrency 2', maxInFlight: 2 },
    { flags: '-c 3', maxInFlight: 3 },
    { flags: '--concurrency 1', maxInFlight: 1 },
    { flags: '--executor inline', maxInFlight: 1 },
    { flags: '-e inline --concurrency 1', maxInFlight: 1 },
  ])('"$flags" runs at most $maxInFlight task(s) at once', async ({ flags, maxInFlight }) => {
    const result = await runCli([
      'run',
      'concurrency.ts',
      '--json',
      ...flags.split(' ').filter(Boolean),
    ])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(JSON.parse(result.stdout)).toEqual({ ids: [1, 2, 3, 4], maxInFlight })
  })

  // concurrent-submits.ts submits the four tasks as futures from its default export.
  it.each([
    { flags: '', maxInFlight: 4 },
    { flags: '--concurrency 2', maxInFlight: 2 },
  ])(
    '"$flags": the workflow\'s submits run at most $maxInFlight at once',
    async ({ flags, maxInFlight }) => {
      const result = await runCli([
        'run',
        'concurrent-submits.ts',
        '--json',
        ...flags.split(' ').filter(Boolean),
      ])
      expect(result).toMatchObject({ code: 0, stderr: '' })
      expect(JSON.parse(result.stdout)).toEqual({ ids: [1, 2, 3, 4], maxInFlight })
    },
  )
})

describe.concurrent('taskgraph --log-level', () => {
  const logOf = (stderr: string): { msg: string; key?: string; done?: number }[] =>
    stderr
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string; key?: string; done?: number })

  it('debug logs each task as JSON lines on stderr; stdout holds only the result', async () => {
    const result = await runCli([
      '--log-level',
      'debug',
      'run',
      'diagram.ts',
      '--json',
      '-e',
      'inline',
    ])
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({ total: 12, tax: 2.4000000000000004 })
    const log = logOf(result.stderr)
    expect(log.filter(({ msg }) => msg === 'task finished').map(({ key }) => key)).toEqual([
      'total',
      'tax',
      'receipt',
    ])
    expect(log.at(-1)).toMatchObject({ msg: 'run finished', done: 3 })
  })

  it('info logs only the summary of the run', async () => {
    const result = await runCli(['--log-level', 'info', 'run', 'diagram.ts'])
    expect(result.code).toBe(0)
    expect(logOf(result.stderr)).toEqual([
      expect.objectContaining({ msg: 'run finished', done: 3 }),
    ])
  })
})
