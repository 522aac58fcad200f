import { describe, expect, it } from 'vitest'
import { runCli } from './helpers/run-cli.js'

describe.concurrent('results without a JSON form', () => {
  it.each([
    { file: 'bigint.ts', text: '55340232221128654848n\n' },
    { file: 'map.ts', text: "Map(1) { 'peas' => 2 }\n" },
  ])('$file prints with the inspector without --json', async ({ file, text }) => {
    const result = await runCli(['run', file])
    expect(result).toMatchObject({ code: 0, stdout: text, stderr: '' })
  })

  it.each(['bigint.ts', 'map.ts'])(
    '%s exits 4 with --json, printing nothing on stdout',
    async (file) => {
      const result = await runCli(['run', file, '--json'])
      expect(result.code).toBe(4)
      expect(result.stdout).toBe('')
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1)
    },
  )
})

describe.concurrent('--json of values JSON would write as another value', () => {
  it.each([
    { kind: 'error', what: 'the result is an error (RangeError: as value)' },
    { kind: 'regexp', what: 'the result is a RegExp' },
    { kind: 'invalid-date', what: 'the result is an invalid Date' },
    { kind: 'array-buffer', what: 'the result is an ArrayBuffer' },
    { kind: 'data-view', what: 'the result is a DataView' },
    { kind: 'nested-set', what: 'result.a[1]["b c"] is a Set' },
    { kind: 'bigint-array', what: 'result.big[0] is a BigInt (0n)' },
    { kind: 'promise', what: 'result.later.p is a Promise' },
    {
      kind: 'symbol-key',
      what: 'result.rows[0] is an object with a property keyed by Symbol(tag)',
    },
    { kind: 'to-json-set', what: 'the toJSON method of result.tags returns a Set' },
    { kind: 'to-json-nan', what: 'the toJSON method of result.ratio returns NaN' },
    { kind: 'undefined-element', what: 'result.list[1] is undefined, which JSON writes as null' },
    { kind: 'boxed-symbol', what: 'result.tag is a symbol in an object (Object(symbol))' },
    { kind: 'boxed-bigint', what: 'result.n[0] is a BigInt in an object (Object(1n))' },
  ])('$kind exits 4 with an OutputError naming where it is', async ({ kind, what }) => {
    const result = await runCli(['run', 'json-kinds.ts', '--json'], {
      env: { TASKGRAPH_TEST_KIND: kind },
    })
    expect(result).toMatchObject({ code: 4, stdout: '' })
    expect(result.stderr).toMatch(/^taskgraph: error: OutputError: [^\n]*\n$/)
    expect(result.stderr).toContain(`(${what})`)
  })

  it.each([
    { kind: 'date', json: { at: '2024-01-02T00:00:00.000Z' } },
    { kind: 'typed-array', json: { bytes: [1, 2, 3] } },
    { kind: 'instance', json: { x: 1, y: 2 } },
    { kind: 'hidden-symbol', json: { id: 1 } },
    // Left out, it reads back as undefined all the same.
    { kind: 'undefined-property', json: { id: 1 } },
  ])('$kind is written as its JSON', async ({ kind, json }) => {
    const result = await runCli(['run', 'json-kinds.ts', '--json'], {
      env: { TASKGRAPH_TEST_KIND: kind },
    })
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(JSON.parse(result.stdout)).toEqual(json)
  })
})

// prints.ts prints from its top-level code and from its two tasks. Top-level code runs
// in the command and once in each pool worker (one here).
describe.concurrent.each([
  { executor: 'inline', args: [], topLevel: 1 },
  { executor: 'async', args: [], topLevel: 1 },
  { executor: 'threads', args: ['--workers', '1'], topLevel: 2 },
  { executor: 'processes', args: ['--workers', '1'], topLevel: 2 },
])('what a workflow prints, on the $executor executor', ({ executor, args, topLevel }) => {
  const printed = [
    ...Array<string>(topLevel).fill('top-level code'),
    'task a',
    'task b',
    'write a',
    'write b',
  ].sort()

  it('goes to stderr with --json: stdout holds the JSON alone', async () => {
    const result = await runCli(['run', 'prints.ts', '--executor', executor, ...args, '--json'])
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({ a: 'A', b: 'B' })
    expect(result.stderr.split('\n').filter(Boolean).sort()).toEqual(printed)
  })

  it('goes to stdout, with the result, without --json', async () => {
    const result = await runCli(['run', 'prints.ts', '--executor', executor, ...args])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    // Worker threads pass on what they print as the command writes the result: the order may vary.
    expect(result.stdout.trimEnd().split('\n').sort()).toEqual(
      [...printed, "{ a: 'A', b: 'B' }"].sort(),
    )
  })
})
