import { stripVTControlCharacters } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { visible } from './helpers/output.js'
import { runCli } from './helpers/run-cli.js'
import { runInTerminal } from './helpers/terminal.js'
import { cleanUp, makeTempDir } from './helpers/temp-dirs.js'

// slow.ts runs three tasks of 0.5 s in a row; the display appears once a run has lasted 1 s.
const PROGRESS = /\[[#-]+\] +\d\/3 /
// The last frame gives way to the summary line.
const SUMMARY = /\r␛\[K3 tasks done in \d+\.\ds \(\d+\.\d tasks\/s\)\n$/

describe.concurrent('progress display', () => {
  afterAll(cleanUp)

  it('is off when stderr is not a terminal', async () => {
    const result = await runCli(['run', 'slow.ts'])
    expect(result).toMatchObject({ code: 0, stdout: '3\n', stderr: '' })
  })

  it('--progress shows it on a pipe, and leaves the summary line at the end', async () => {
    const result = await runCli(['run', 'slow.ts', '--progress'])
    expect(result).toMatchObject({ code: 0, stdout: '3\n' })
    expect(result.stderr).toMatch(PROGRESS)
    expect(visible(result.stderr)).toMatch(SUMMARY)
  })

  it('TERM=dumb leaves the summary line alone, even with --progress', async () => {
    const result = await runCli(['run', 'slow.ts', '--progress'], { env: { TERM: 'dumb' } })
    expect(result).toMatchObject({ code: 0, stdout: '3\n' })
    expect(result.stderr).toMatch(/^3 tasks done in \d+\.\ds \(\d+\.\d tasks\/s\)\n$/)
  })

  it('colours it with FORCE_COLOR, even on a pipe, and not with NO_COLOR', async () => {
    const [forced, plain] = await Promise.all([
      runCli(['run', 'slow.ts', '--progress'], { env: { FORCE_COLOR: '1' } }),
      runCli(['run', 'slow.ts', '--progress'], { env: { NO_COLOR: '1' } }),
    ])
    expect(visible(forced.stderr)).toMatch(/\[␛\[32m#+␛\[39m-*\]/)
    expect(visible(plain.stderr)).not.toMatch(/␛\[\d+m/)
  })

  it('--json turns it off, even with --progress', async () => {
    const result = await runCli(['run', 'slow.ts', '--json', '--progress'])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(JSON.parse(result.stdout)).toBe(3)
  })

  it('is on by default on a terminal', async () => {
    const { code, output } = await runInTerminal(['run', 'slow.ts'])
    expect(code).toBe(0)
    expect(stripVTControlCharacters(output)).toMatch(PROGRESS)
  })

  // A run shorter than a second leaves no summary: the cache's line still says its part.
  it('on a terminal, with --cache, the run still says what came from the cache', async () => {
    const cache = await makeTempDir()
    const { code, output } = await runInTerminal(['run', 'sum.ts', '--cache', cache])
    expect(code).toBe(0)
    expect(stripVTControlCharacters(output)).toContain(
      `taskgraph: 0 tasks from the cache (${cache}), 3 run`,
    )
  })

  it('--no-progress turns it off on a terminal', async () => {
    const { code, output } = await runInTerminal(['run', 'slow.ts', '--no-progress'])
    expect(code).toBe(0)
    expect(stripVTControlCharacters(output)).not.toMatch(PROGRESS)
    expect(output).toContain('3')
  })

  it('a failed run leaves a summary that counts the failures, then the error', async () => {
    const result = await runCli(['run', 'busy-tasks.ts', '--progress', '--keep-going'], {
      env: { BUSY_TASKS: '15', BUSY_FAIL: '3' },
    })
    expect(result.code).toBe(1)
    const [summary, error] = result.stderr
      .slice(result.stderr.lastIndexOf('\x1b[K') + 3)
      .split('\n')
    expect(summary?.replace(/\d+\.\ds/, 'T')).toBe('14 of 17 tasks done, 1 failed, 2 skipped in T')
    expect(error).toMatch(/^taskgraph: /)
  })

  it('a quick run shows nothing, even with --progress', async () => {
    const result = await runCli(['run', 'sum.ts', '--progress'])
    expect(result).toMatchObject({ code: 0, stdout: '5\n', stderr: '' })
  })
})
