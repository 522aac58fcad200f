import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { fixture, runCli } from './helpers/run-cli.js'
import { cleanUp, makeTempDir } from './helpers/temp-dirs.js'

// fail.ts: tasks "oven" and "toaster" throw after 10 ms; the independent chain
// slow (300 ms) -> "write-marker" writes marker.txt in the working directory.
afterAll(cleanUp)

describe.concurrent('a failing task', () => {
  it('exits 1 and reports the task key and the original error, with its stack', async () => {
    const cwd = await makeTempDir()
    const result = await runCli(['run', fixture('fail.ts')], { cwd })
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain('"oven"')
    expect(result.stderr).toContain('the oven is on fire')
    // The original stack points into the workflow file.
    expect(result.stderr).toContain(`${fixture('fail.ts')}:`)
  })

  it('stops launching tasks after the first failure (no --keep-going)', async () => {
    const cwd = await makeTempDir()
    const result = await runCli(['run', fixture('fail.ts')], { cwd })
    expect(result.code).toBe(1)
    expect(existsSync(join(cwd, 'marker.txt'))).toBe(false)
  })

  it('with --keep-going, still runs independent tasks and reports every failure', async () => {
    const cwd = await makeTempDir()
    const result = await runCli(['run', fixture('fail.ts'), '--keep-going'], { cwd })
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(existsSync(join(cwd, 'marker.txt'))).toBe(true)
    for (const [key, message] of [
      ['"oven"', 'the oven is on fire'],
      ['"toaster"', 'the toaster is on fire'],
    ]) {
      expect(result.stderr).toContain(key)
      expect(result.stderr).toContain(message)
    }
  })

  it('with -k and --json, stdout stays empty', async () => {
    const cwd = await makeTempDir()
    const result = await runCli(['run', fixture('fail.ts'), '-k', '--json'], { cwd })
    expect(result).toMatchObject({ code: 1, stdout: '' })
    expect(existsSync(join(cwd, 'marker.txt'))).toBe(true)
  })
})
