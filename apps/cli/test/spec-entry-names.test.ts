import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { killOnCleanup, killStrays } from './helpers/processes.js'
import { finished, fixture, startCli } from './helpers/run-cli.js'
import { cleanUp, makeTempDir } from './helpers/temp-dirs.js'

// fromSpec entries named as what every object has (constructor, toString, __proto__):
// a graph kept in plain objects took them for links it had, dropping them, or hung.
afterAll(killStrays)
afterAll(cleanUp)

describe('graph spec entries named as properties of every object', () => {
  it('run after the entries they refer to, as any other', async () => {
    const result = await finished(
      killOnCleanup(startCli(['run', fixture('spec-prototype-names.ts'), '--json'])),
    )
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(JSON.parse(result.stdout)).toEqual({
      constructor: 2,
      a: 1,
      ['__proto__']: 3,
      toString: 4,
    })
  })

  it('cannot be drawn, as graphology cannot link them: an InvalidArgumentError naming the key', async () => {
    const result = await finished(
      killOnCleanup(startCli(['visualize', fixture('spec-prototype-names.ts')])),
    )
    expect(result).toMatchObject({ code: 3, stdout: '' })
    expect(result.stderr).toMatch(
      /^taskgraph: error: InvalidArgumentError: toGraph: the task key "constructor" is the name of a property every JavaScript object has, .* Give that task another key/,
    )
  })

  it('in a graph a task returned cannot be drawn either: an InvalidArgumentError, not an edge left out', async () => {
    const trace = join(await makeTempDir(), 'run.json')
    const run = await finished(
      killOnCleanup(startCli(['run', fixture('returns-prototype-key.ts'), '--trace', trace])),
    )
    expect(run).toMatchObject({ code: 0, stdout: '3\n' })
    const drawn = await finished(
      killOnCleanup(
        startCli([
          'visualize',
          fixture('returns-prototype-key.ts'),
          '--trace',
          trace,
          '--color',
          'status',
        ]),
      ),
    )
    expect(drawn).toMatchObject({ code: 3, stdout: '' })
    expect(drawn.stderr).toMatch(
      /^taskgraph: error: InvalidArgumentError: withAddedGraphs: the task key "toString" is the name of a property every JavaScript object has/,
    )
  })
})
