import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { InvalidOptionError, delayed } from '@taskgraph/core'
import { compute } from '@taskgraph/scheduler'
import { afterEach, describe, expect, test } from 'vitest'
import { ResourceProfiler } from '../src/index.js'

const MB = 1024 * 1024
const cleanup: (() => void)[] = []
afterEach(() => cleanup.splice(0).forEach((clean) => clean()))

/** The built package, for a program of its own (a child process) to import. */
const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url))

/** A child process that sleeps until killed (on cleanup). */
async function sleeper(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000); console.log("up")'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  })
  cleanup.push(() => child.kill())
  await once(child.stdout, 'data')
  return child
}

/** A task that ends once opened, and says when it has started. */
function gate(name: string) {
  let open = (): void => {}
  let started = (): void => {}
  const opened = new Promise<void>((resolve) => (open = resolve))
  return {
    task: delayed(
      () => {
        started()
        return opened
      },
      { name },
    ),
    started: new Promise<void>((resolve) => (started = resolve)),
    open: () => open(),
  }
}

/** Uses `ms` of CPU time on this thread (however long that takes on a busy machine). */
function spin(ms: number): void {
  const start = process.cpuUsage()
  while (process.cpuUsage(start).user < ms * 1000) {
    // CPU to measure
  }
}

describe('ResourceProfiler', () => {
  test('samples the CPU and memory of the program and of its child processes', async () => {
    const child = await sleeper()
    const profiler = new ResourceProfiler()
    const before = performance.now()
    const first = profiler.sample()
    spin(200)
    const second = profiler.sample()
    const wallMs = performance.now() - before
    expect(profiler.samples).toEqual([first, second])
    expect(second.time).toBeGreaterThan(first.time)
    expect(second.main.pid).toBe(process.pid)
    // A Node process holds some megabytes, and fewer than a machine has.
    expect(second.main.rss).toBeGreaterThan(10 * MB)
    expect(second.main.rss).toBeLessThan(64 * 1024 * MB)
    // The first sample has nothing to measure CPU from; the second saw the spin: 200 ms of
    // CPU over the time between the samples (less than wallMs), as a % of a core.
    expect(first.main.cpu).toBe(0)
    expect(second.main.cpu).toBeGreaterThanOrEqual(((0.9 * 200) / wallMs) * 100)
    if (process.platform === 'linux') {
      const sampled = second.children.find((c) => c.pid === child.pid)
      expect(sampled?.rss).toBeGreaterThan(MB)
      expect(sampled?.cpu).toBeGreaterThanOrEqual(0)
    }
  })

  test('a child process that ended is no longer sampled', async () => {
    const child = await sleeper()
    const profiler = new ResourceProfiler()
    child.kill()
    await once(child, 'exit')
    expect(profiler.sample().children.map((c) => c.pid)).not.toContain(child.pid)
  })

  test('its hooks sample from the start of a run to its end, then stop', async () => {
    const samples: number[] = []
    const profiler = new ResourceProfiler({ intervalMs: 20, onSample: (s) => samples.push(s.time) })
    const nap = delayed((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)), {
      name: 'nap',
    })
    await compute(nap(100), { executor: 'async', hooks: profiler.hooks })
    expect(profiler.running).toBe(false)
    // One at the start, one at the end, and those between.
    expect(profiler.samples.length).toBeGreaterThanOrEqual(2)
    expect(samples).toEqual(profiler.samples.map((s) => s.time))
    const taken = profiler.samples.length
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(profiler.samples.length).toBe(taken)
    profiler.clear()
    expect(profiler.samples).toEqual([])
  })

  test('its hooks shared by two runs at once sample until the last of them ends', async () => {
    let sampled = (): void => {}
    const profiler = new ResourceProfiler({ intervalMs: 5, onSample: () => sampled() })
    const options = { executor: 'async', hooks: profiler.hooks } as const
    const short = gate('short')
    const long = gate('long')
    const first = compute(short.task(), options)
    const second = compute(long.task(), options)
    await long.started
    short.open()
    await first
    // It stopped here when the first run ended, while the second went on.
    expect(profiler.running).toBe(true)
    await new Promise<void>((resolve) => (sampled = resolve))
    long.open()
    await second
    expect(profiler.running).toBe(false)
  })

  test('an onSample that throws when the timer samples stops sampling and fails the run', async () => {
    const thrown = new Error('the display is gone')
    const run = gate('run')
    let calls = 0
    const profiler = new ResourceProfiler({
      intervalMs: 5,
      // The first sample is start()'s, the second the timer's.
      onSample: () => {
        if (++calls !== 2) return
        run.open()
        throw thrown
      },
    })
    const options = { executor: 'async', hooks: profiler.hooks } as const
    // It was an uncaught exception, which ended the program.
    await expect(compute(run.task(), options)).rejects.toBe(thrown)
    expect(profiler.running).toBe(false)
    expect(calls).toBe(2)
    // Thrown once: a later run samples again.
    const later = gate('later')
    later.open()
    await expect(compute(later.task(), options)).resolves.toEqual([undefined])
    expect(calls).toBeGreaterThan(2)
  })

  test('started by hand, it samples on after a run given its hooks ends, until stop()', async () => {
    let sampled = (): void => {}
    const profiler = new ResourceProfiler({ intervalMs: 5, onSample: () => sampled() })
    profiler.start()
    const run = gate('run')
    run.open()
    await compute(run.task(), { executor: 'async', hooks: profiler.hooks })
    // The run's end stopped what start() began.
    expect(profiler.running).toBe(true)
    const taken = profiler.samples.length
    await new Promise<void>((resolve) => (sampled = resolve))
    expect(profiler.samples.length).toBeGreaterThan(taken)
    profiler.stop()
    expect(profiler.running).toBe(false)
  })

  test('stop() while a run given its hooks lasts samples on until that run ends', async () => {
    let sampled = (): void => {}
    const profiler = new ResourceProfiler({ intervalMs: 5, onSample: () => sampled() })
    profiler.start()
    const run = gate('run')
    const done = compute(run.task(), { executor: 'async', hooks: profiler.hooks })
    await run.started
    profiler.stop()
    // It stopped here, and the run's samples with it.
    expect(profiler.running).toBe(true)
    await new Promise<void>((resolve) => (sampled = resolve))
    run.open()
    await done
    expect(profiler.running).toBe(false)
  })

  test('start() and stop() are idempotent, and stop() before start() does nothing', () => {
    const profiler = new ResourceProfiler()
    profiler.stop()
    expect(profiler.samples).toHaveLength(0)
    profiler.start()
    profiler.start()
    expect(profiler.samples).toHaveLength(1)
    profiler.stop()
    profiler.stop()
    expect(profiler.samples).toHaveLength(2)
    expect(profiler.running).toBe(false)
  })

  test('its timer never keeps a program alive', async () => {
    expect(existsSync(DIST), 'build @taskgraph/observe first').toBe(true)
    // Started and never stopped: the program still ends when its work is done.
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { ResourceProfiler } from ${JSON.stringify(DIST)}
         new ResourceProfiler({ intervalMs: 10 }).start()`,
      ],
      { stdio: 'ignore' },
    )
    cleanup.push(() => child.kill('SIGKILL'))
    const [code] = (await once(child, 'exit')) as [number | null]
    expect(code).toBe(0)
  })

  test('an interval that is not a positive number, or an unknown option, is an InvalidOptionError', () => {
    // Past 2 ** 31 - 1 ms, Node would call the timer every millisecond.
    for (const intervalMs of [0, -5, Number.NaN, Infinity, 2 ** 31]) {
      expect(() => new ResourceProfiler({ intervalMs })).toThrow(InvalidOptionError)
    }
    expect(() => new ResourceProfiler({ interval: 5 } as never)).toThrow(InvalidOptionError)
  })

  // Taken as hooks with none in them: the run took no sample, without a word.
  test('given itself as hooks, rather than its hooks, it is an InvalidOptionError', async () => {
    const profiler = new ResourceProfiler({ intervalMs: 5 })
    const run = compute(delayed(() => 1)(), { hooks: profiler as never })
    await expect(run).rejects.toThrow(InvalidOptionError)
    await expect(run).rejects.toThrow(/holds them in its "hooks" member/)
    expect(profiler.samples).toEqual([])
  })

  // Taken as given: the first sample then failed the run with a bare TypeError.
  test('an onSample that is not a function is an InvalidOptionError', () => {
    for (const onSample of [5, 'log', null, {}]) {
      expect(() => new ResourceProfiler({ onSample } as never)).toThrow(
        /^new ResourceProfiler: option "onSample" must be a function taking each sample, got /,
      )
    }
  })
})
