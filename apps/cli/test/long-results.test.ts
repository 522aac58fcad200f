import { describe, expect, it } from 'vitest'
import { runCli } from './helpers/run-cli.js'

// long-result.ts returns { items: [0, ..., 19999], text: 'xxx...' (20,000 characters) }.
describe.concurrent('a long result', () => {
  it('prints whole, with nothing cut short and nothing on stderr', async () => {
    const result = await runCli(['run', 'long-result.ts'])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    const numbers = result.stdout.match(/\b\d+\b/g)?.map(Number)
    expect(numbers).toEqual(Array.from({ length: 20_000 }, (_, i) => i))
    expect(result.stdout).toContain(`'${'x'.repeat(20_000)}'`)
    expect(result.stdout).not.toMatch(/more (items|characters)/)
  })

  it('prints whole with --json', async () => {
    const result = await runCli(['run', 'long-result.ts', '--json'])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    const value = JSON.parse(result.stdout) as { items: number[]; text: string }
    expect(value.items).toHaveLength(20_000)
    expect(value.text).toHaveLength(20_000)
  })
})

// Nesting and binary data past what can be printed whole are refused (exit 4, one
// OutputError line) rather than cut short with exit 0, or left to exhaust the memory.
describe.concurrent.each([
  { form: 'the inspector', flags: [] },
  { form: 'JSON', flags: ['--json'] },
])('as $form', ({ flags }) => {
  it.each([
    { nesting: 'objects', arrays: '0' },
    { nesting: 'arrays', arrays: '1' },
  ])('500 levels of $nesting print whole', async ({ arrays }) => {
    const result = await runCli(['run', 'deep-result.ts', ...flags], {
      env: { TASKGRAPH_TEST_DEPTH: '501', TASKGRAPH_TEST_ARRAYS: arrays, FORCE_COLOR: '1' },
    })
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(result.stdout).toContain('bottom')
    expect(result.stdout).not.toContain('Inspection interrupted')
  })

  it('100,000 levels are an OutputError saying how deep', async () => {
    const result = await runCli(['run', 'deep-result.ts', ...flags], {
      env: { TASKGRAPH_TEST_DEPTH: '100000' },
    })
    expect(result).toMatchObject({ code: 4, stdout: '' })
    expect(result.stderr).toMatch(/^taskgraph: error: OutputError: [^\n]*\n$/)
    expect(result.stderr).toContain('nested 99,999 levels deep')
  })

  it('1 MiB of binary data prints whole', async () => {
    const result = await runCli(['run', 'binary-result.ts', ...flags], {
      env: { TASKGRAPH_TEST_BYTES: String(2 ** 20) },
    })
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(result.stdout.match(/\b7\b/g)).toHaveLength(2 ** 20)
  })

  it('a byte more is an OutputError saying how big and where', async () => {
    const result = await runCli(['run', 'binary-result.ts', ...flags], {
      env: { TASKGRAPH_TEST_BYTES: String(2 ** 20 + 1) },
    })
    expect(result).toMatchObject({ code: 4, stdout: '' })
    expect(result.stderr).toMatch(/^taskgraph: error: OutputError: [^\n]*\n$/)
    expect(result.stderr).toContain('result.data is a Uint8Array of 1,048,577 bytes')
  })
})

// A result that reading throws on, or whose text is longer than V8 holds in one string,
// is an OutputError (exit 4), not taskgraph's internal error (exit 1).
describe.concurrent('a result that cannot be made into text', () => {
  it.each([
    {
      result: 'revoked',
      says: "reading it threw TypeError: Cannot perform 'getPrototypeOf' on a proxy that has been revoked",
    },
    { result: 'inspect', says: 'reading it threw Error: the inspection jammed' },
    { result: 'text', says: 'as text it is longer than the longest string Node holds' },
  ])('$result: an OutputError saying why', async ({ result, says }) => {
    const run = await runCli(['run', 'unprintable-result.ts'], {
      env: { TASKGRAPH_TEST_RESULT: result },
    })
    expect(run).toMatchObject({ code: 4, stdout: '' })
    expect(run.stderr).toMatch(
      /^taskgraph: error: OutputError: taskgraph run: could not print the result: [^\n]*\n$/,
    )
    expect(run.stderr).toContain(says)
  })
})
