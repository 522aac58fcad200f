import { describe, expect, it } from 'vitest'
import { finished, startCli } from './helpers/run-cli.js'

// hang.ts runs one task ("long-wait") that takes 10 s, and writes a line to stderr when
// it starts. Without the CLI's signal handling the process would die of the signal
// (code null) or, if the signal were ignored, finish after 10 s with code 0.
describe.concurrent.each([
  { signal: 'SIGINT', code: 130 },
  { signal: 'SIGTERM', code: 143 },
] as const)('$signal during a run', ({ signal, code }) => {
  it(`cancels the run and exits ${code}`, { timeout: 8_000 }, async () => {
    const child = startCli(['run', 'hang.ts'])
    try {
      const result = finished(child)
      // Signal once the task runs, so the CLI's handlers are in place.
      let stderr = ''
      await new Promise<void>((resolve, reject) => {
        child.stderr.on('data', (chunk: string) => {
          stderr += chunk
          if (stderr.includes('hang: task started')) resolve()
        })
        child.once('exit', () =>
          reject(new Error(`the CLI exited before the task started: ${stderr}`)),
        )
      })
      child.kill(signal)
      const { stderr: report, ...exit } = await result
      expect(exit).toEqual({ code, signal: null, stdout: '' })
      expect(report).toContain(signal)
    } finally {
      child.kill('SIGKILL') // only if the test failed while it still ran
    }
  })
})
