import { describe, expect, it } from 'vitest'
import { runInTerminal } from './helpers/terminal.js'
import { runCli } from './helpers/run-cli.js'

// sum.ts prints the number 5, which Node's inspector colours yellow.
const YELLOW_5 = '\x1b[33m5\x1b[39m'

/** This environment, on a terminal that has colours, with no variable that turns them off or on. */
function colourTerminal(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color' }
  // Node finds no colours on CI unless it knows the CI by name.
  for (const name of ['NO_COLOR', 'FORCE_COLOR', 'NODE_DISABLE_COLORS', 'CI']) delete env[name]
  return env
}

describe.concurrent('colours of the result', () => {
  it('are on by default on a terminal', async () => {
    const result = await runInTerminal(['run', 'sum.ts'], colourTerminal())
    expect(result).toEqual({ code: 0, output: `${YELLOW_5}\r\n` })
  })

  it.each([
    { NO_COLOR: '1' },
    { FORCE_COLOR: '0' },
    { TERM: 'dumb' },
    { NODE_DISABLE_COLORS: '1' },
  ])('are off on a terminal with %o', async (variables) => {
    const result = await runInTerminal(['run', 'sum.ts'], { ...colourTerminal(), ...variables })
    expect(result).toEqual({ code: 0, output: '5\r\n' })
  })

  it('are on on a pipe with FORCE_COLOR=1', async () => {
    const result = await runCli(['run', 'sum.ts'], { env: { FORCE_COLOR: '1' } })
    expect(result).toMatchObject({ code: 0, stdout: `${YELLOW_5}\n`, stderr: '' })
  })
})
