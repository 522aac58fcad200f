// Re-runs of a workflow with a cache: what they run again, and what they read.
import { mkdir, rm, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { tagDirectory } from '../src/foreign-directory.js'
import { TaskCache } from '../src/index.js'
import { cacheDir, FLOW, project, run, type Run, useProjects, write } from './flow-runs.js'

useProjects()

/** Runs `flow` (storing every result) once per value of environment variable `name`. */
async function runsWith(name: string, values: string[], flow: string): Promise<Run[]> {
  const runs: Run[] = []
  for (const value of values) runs.push(await run('inline', flow, 'all', { [name]: value }))
  return runs
}

describe('TaskCache on re-runs', () => {
  test.for(['inline', 'threads', 'processes'])(
    'on %s, a second run runs no task and gives an equal result',
    async (executor) => {
      const first = await run(executor)
      expect(first.result).toEqual({ a: { the: 2, cat: 1 }, b: { a: 1, dog: 1 } })
      expect(first.calls).toEqual([
        'both()',
        'clean(The cat The)',
        'clean(a Dog)',
        'count(a dog)',
        'count(the cat the)',
      ])
      expect(first.summary).toMatchObject({ done: 5, cached: 0 })
      const second = await run(executor)
      expect(second.calls).toEqual([])
      expect(second.result).toEqual(first.result)
      // The target's result was read, and nothing below it.
      expect(second.summary).toMatchObject({ done: 0, cached: 1 })
      expect(second.warnings).toEqual([])
    },
  )

  // Tokens were hashed as UTF-8, where every lone surrogate is U+FFFD: the second and third
  // runs read the first one's result.
  test('arguments that differ only in a lone surrogate are keyed apart', async () => {
    await write({
      'codes.ts': `import { delayed } from '@taskgraph/core'
import { logCall } from './log-call.js'
const codes = delayed(
  function codes(o: { s: string }) {
    logCall('codes(' + o.s.charCodeAt(0).toString(16) + ')')
    return o.s.charCodeAt(0).toString(16)
  },
  { cache: true },
)
// The character by its code: an environment variable holds UTF-8, with no lone surrogate.
export default codes({ s: String.fromCharCode(parseInt(process.env.CODE!, 16)) })
`,
    })
    for (const code of ['d800', 'dc00', 'fffd']) {
      const { result, calls } = await run('inline', 'codes.ts', 'worthwhile', { CODE: code })
      expect(result).toBe(code)
      expect(calls).toEqual([`codes(${code})`])
    }
  })

  // The function's origin and code are the same whatever the factory was given: the
  // second run read the first one's result (2 × 2 for 2 × 3).
  test('a function a factory made is keyed by what it closes over', async () => {
    await write({
      'scale.ts': `import { appendFileSync } from 'node:fs'
export function makeScaler(k: number) {
  return function scale(x: number): number {
    appendFileSync(process.env.TASK_LOG!, 'scale(' + x + ' * ' + k + ')\\n')
    return x * k
  }
}`,
      'scaled.ts': `import { delayed } from '@taskgraph/core'
import { makeScaler } from './scale.js'
// A factory's function that calls itself closes over itself.
function makeCountdown(step: number) {
  const down = (n: number): number => (n <= 0 ? 0 : 1 + down(n - step))
  return down
}
const scaled = delayed(makeScaler(Number(process.env.SCALE)), { cache: true })
const countdown = delayed(makeCountdown(2), { cache: true })
export default [scaled(2), countdown(6)]
`,
    })
    const runs = await runsWith('SCALE', ['2', '3', '2'], 'scaled.ts')
    expect(runs.map(({ result }) => result)).toEqual([
      [4, 3],
      [6, 3],
      [4, 3],
    ])
    expect(runs.map(({ calls }) => calls)).toEqual([['scale(2 * 2)'], ['scale(2 * 3)'], []])
    expect(runs.map(({ summary }) => summary.cached)).toEqual([0, 1, 2])
    expect(runs.flatMap(({ warnings }) => warnings)).toEqual([])
  })

  // Each gave the first run's result to the second: a bound function has no scopes, a
  // function's own properties are no variable of any, and an arrow's `this` is neither.
  test('bound functions, properties of a function and arrows using this: keyed, or not cached', async () => {
    await write({
      'held-state.ts': `import { delayed, gather } from '@taskgraph/core'
import { logCall } from './log-call.js'
const k = Number(process.env.SCALE)
function times(this: { k: number } | null, x: number, by: number): number {
  logCall('times(' + x + ', ' + by + ')')
  return x * by * (this?.k ?? 1)
}
function makeScaler(by: number) {
  return function scale(x: number): number {
    logCall('scale(' + x + ' * ' + by + ')')
    return x * by
  }
}
function propped(x: number): number {
  logCall('propped(' + x + ')')
  return x * (propped as unknown as { by: number }).by
}
;(propped as unknown as { by: number }).by = k
class Method {
  constructor(readonly by: number) {}
  maker() {
    return (x: number): number => {
      logCall('arrow(' + x + ')')
      return x * this.by
    }
  }
}
export default gather([
  delayed(times.bind(null, 2, k), { cache: true })(),
  delayed(times.bind({ k }, 3), { cache: true })(1),
  delayed(makeScaler(k).bind(null), { cache: true })(4),
  delayed(propped, { cache: true })(5),
  delayed(new Method(k).maker(), { cache: true })(6),
])
`,
    })
    const runs = await runsWith('SCALE', ['2', '3', '3'], 'held-state.ts')
    expect(runs.map(({ result }) => result)).toEqual([
      [4, 6, 8, 10, 12],
      [6, 9, 12, 15, 18],
      [6, 9, 12, 15, 18],
    ])
    expect(runs[1]!.calls).toEqual([
      'arrow(6)',
      'propped(5)',
      'scale(4 * 3)',
      'times(2, 3)',
      'times(3, 1)',
    ])
    expect(runs[2]!.calls).toEqual(['arrow(6)'])
    expect(runs[2]!.warnings).toEqual([
      expect.stringMatching(
        /^cache: a task of "lambda" cannot be cached, so it runs: its function is an arrow function using `this`/,
      ),
    ])
  })

  test("a factory's function closing over a helper of the project is cached, by the helper's code", async () => {
    await write({
      'lib/round.ts': `export function roundTo(x: number, digits: number): number {
  return Number(x.toFixed(digits))
}`,
      'helped.ts': `import { delayed } from '@taskgraph/core'
import { logCall } from './log-call.js'
import { roundTo } from './lib/round.js'
function makeStep(round: (x: number, digits: number) => number) {
  return function step(x: number): number {
    logCall('step(' + x + ')')
    return round(x, 1)
  }
}
export default delayed(makeStep(roundTo), { cache: true })(1.26)
`,
    })
    const first = await run('inline', 'helped.ts', 'all')
    const second = await run('inline', 'helped.ts', 'all')
    await write({
      'lib/round.ts': `export function roundTo(x: number, digits: number): number {
  return Math.floor(x * 10 ** digits) / 10 ** digits
}`,
    })
    const edited = await run('inline', 'helped.ts', 'all')
    expect([first.result, second.result, edited.result]).toEqual([1.3, 1.3, 1.2])
    expect([first.calls, second.calls, edited.calls]).toEqual([['step(1.26)'], [], ['step(1.26)']])
    expect([...first.warnings, ...second.warnings, ...edited.warnings]).toEqual([])
    // A built-in function's code is '[native code]': not keyed.
    await write({
      'builtin.ts': `import { delayed } from '@taskgraph/core'
function makeStep(round: (x: number, digits: number) => number) {
  return function step(x: number): number {
    return round(x, 1)
  }
}
export default delayed(makeStep(Math.max), { cache: true })(1.26)
`,
    })
    const builtin = await run('inline', 'builtin.ts', 'all')
    expect(builtin.result).toBe(1.26)
    expect(builtin.warnings).toEqual([
      expect.stringMatching(
        /its function closes over "round" of the call to makeStep that made it/,
      ),
    ])
  })

  test('a function closing over what no key can name runs every time, and says so', async () => {
    await write({
      'held.ts': `import { delayed } from '@taskgraph/core'
import { logCall } from './log-call.js'
class Counter {
  count = 0
}
function makeCounted(counter: Counter) {
  return function counted(x: number): number {
    logCall('counted(' + x + ')')
    return x + counter.count
  }
}
export default delayed(makeCounted(new Counter()), { cache: true })(1)
`,
    })
    const first = await run('inline', 'held.ts', 'all')
    const second = await run('inline', 'held.ts', 'all')
    expect([first.result, second.result]).toEqual([1, 1])
    expect(second.calls).toEqual(['counted(1)'])
    expect(second.warnings).toEqual([
      expect.stringMatching(
        /a task of "counted" cannot be cached, so it runs: its function closes over "counter" of the call to makeCounted that made it, which holds .*a class instance.*pass it to the task as an argument/,
      ),
    ])
  })

  // The graph's result was stored as the cached task's: the impure task, reading the
  // clock here, never ran again.
  test('a cached task returning a graph with an impure task is not stored; with pure ones it is', async () => {
    await write({
      'returns.ts': `import { delayed } from '@taskgraph/core'
import { logCall } from './log-call.js'
const now = delayed(function now(): number {
  logCall('now()')
  return Number(process.env.NOW)
})
const double = delayed(function double(x: number): number {
  logCall('double(' + x + ')')
  return 2 * x
}, { pure: true })
const stamped = delayed(function stamped(x: number) {
  logCall('stamped(' + x + ')')
  return [x, now()]
}, { cache: true })
const doubled = delayed(function doubled(x: number) {
  logCall('doubled(' + x + ')')
  return double(x)
}, { cache: true })
export default [stamped(1), doubled(5)]
`,
    })
    const runs = await runsWith('NOW', ['100', '200'], 'returns.ts')
    expect(runs.map(({ result }) => result)).toEqual([
      [[1, 100], 10],
      [[1, 200], 10],
    ])
    expect(runs[1]!.calls).toEqual(['now()', 'stamped(1)'])
    for (const { warnings } of runs) {
      expect(warnings).toEqual([
        expect.stringMatching(
          /^cache: the results of "stamped" cannot be stored, so they will run again: it returned a graph holding the impure task "now-[0-9a-f]+", which runs every time$/,
        ),
      ])
    }
  })

  // plan's key covers its own code and module, not the value scaled's factory was given
  // when the module loaded: the second run read 3 × 2 for 5 × 2.
  test('a cached task returning a graph with a task of a function holding state is not stored', async () => {
    await write({
      'plan.ts': `import { delayed } from '@taskgraph/core'
import { logCall } from './log-call.js'
function makeScaler(k: number) {
  return function scaled(x: number): number {
    return x * k
  }
}
const scaled = delayed(makeScaler(Number(process.env.SCALE)), { cache: true })
const plan = delayed(function plan(x: number) {
  logCall('plan(' + x + ')')
  return scaled(x + 1)
}, { cache: true })
export default plan(1)
`,
    })
    const runs = await runsWith('SCALE', ['3', '5'], 'plan.ts')
    expect(runs.map(({ result }) => result)).toEqual([6, 10])
    expect(runs[1]!.calls).toEqual(['plan(1)'])
    expect(runs[1]!.warnings).toEqual([
      'cache: the results of "plan" cannot be stored, so they will run again: it returned a graph holding a task of "scaled", whose function holds values (what a factory or bind was given) that the returning task\'s key does not cover',
    ])
  })

  test('a result whose recipe could not be written is not kept: no entry a later run would pass over', async () => {
    // Where the recipes go is taken by a file: they cannot be written, the packs can.
    await mkdir(cacheDir, { recursive: true })
    tagDirectory(cacheDir)
    await writeFile(join(cacheDir, 'functions'), 'not a directory')
    const first = await run('inline', 'flow.ts', 'all')
    expect(first.warnings).toEqual([
      expect.stringMatching(
        /^cache: could not write to .*EEXIST: file already exists/,
      ) as unknown as string,
    ])
    expect(await new TaskCache(cacheDir).entries()).toEqual([])
    await rm(join(cacheDir, 'functions'))
    await run('inline', 'flow.ts', 'all')
    const third = await run('inline', 'flow.ts', 'all')
    expect(third.calls).toEqual([])
  })

  // What a run killed at any moment keeps: each pack is written in one turn of the event
  // loop, so tasks that hold the main thread do not stretch the write over several.
  test.for(['inline', 'async'])(
    'on %s, the results of tasks that hold the main thread are on disk before the task after next begins',
    async (executor) => {
      await write({
        'held.ts': `import { readFileSync } from 'node:fs'
import { delayed } from '@taskgraph/core'
import { logCall } from './log-call.js'
// Each step holds the thread 150 ms, having counted the entries in the cache's index.
const hold = delayed(function hold(i: number) {
  const index = (() => { try { return readFileSync(${JSON.stringify(join(cacheDir, 'index'))}, 'utf8') } catch { return '' } })()
  logCall(i + ' ' + index.split('\\n').filter((line) => /^[0-9a-f]{64} /.test(line)).length)
  const end = Date.now() + 150
  while (Date.now() < end);
  return i
}, { cache: true })
const sum = delayed(function sum(...values: number[]) { return values.length }, { cache: true })
export default sum(...Array.from({ length: 6 }, (_, i) => hold(i)))
`,
      })
      const { calls } = await run(executor, 'held.ts')
      const stored = new Map(calls.map((call) => call.split(' ').map(Number) as [number, number]))
      expect(stored.size).toBe(6)
      for (const [step, entries] of stored) expect(entries).toBeGreaterThanOrEqual(step - 2)
    },
  )

  // Node's own aliases, the `imports` of package.json: such a module was refused as one
  // importing through a bundler's alias, and its tasks ran every time.
  test('a step importing through package.json imports (#lib/*) is cached, and runs again when what it maps to changes', async () => {
    await write({
      'package.json': JSON.stringify({ type: 'module', imports: { '#lib/*': './lib/*.ts' } }),
      'lib/factor.ts': 'export const factor = 2',
      'steps/scale.ts': `import { factor } from '#lib/factor'
import { logCall } from '../log-call.js'
export function scale(x: number): number {
  logCall('scale(' + x + ')')
  return x * factor
}`,
      'scaled.ts': `import { delayed } from '@taskgraph/core'
import { scale } from './steps/scale.js'
export default delayed(scale, { cache: true })(21)
`,
    })
    const first = await run('inline', 'scaled.ts')
    expect(first).toMatchObject({ result: 42, calls: ['scale(21)'], warnings: [] })
    expect(await run('inline', 'scaled.ts')).toMatchObject({ calls: [], warnings: [] })
    await write({ 'lib/factor.ts': 'export const factor = 3' })
    expect(await run('inline', 'scaled.ts')).toMatchObject({ result: 63, calls: ['scale(21)'] })
    await write({ 'lib/other.ts': 'export const factor = 4' })
    await write({
      'package.json': JSON.stringify({
        type: 'module',
        imports: { '#lib/factor': './lib/other.ts', '#lib/*': './lib/*.ts' },
      }),
    })
    expect(await run('inline', 'scaled.ts')).toMatchObject({ result: 84, calls: ['scale(21)'] })
  })

  // A fan-out's leaves, tasks of one function without dependencies, are keyed as a run of
  // alike nodes: each still by its own input, and one that cannot be keyed among them
  // leaves the others cached.
  test('the leaves of a fan-out are keyed each by its input, around one that cannot be', async () => {
    await write({
      'leaves.ts': `import { delayed } from '@taskgraph/core'
import { logCall } from './log-call.js'
const square = delayed(
  function square(x: number, extra?: () => number) {
    logCall('square(' + x + ')')
    return x * x + (extra?.() ?? 0)
  },
  { cache: true },
)
const total = delayed(
  function total(squares: number[]) {
    return squares.reduce((a, b) => a + b, 0)
  },
  { cache: true },
)
const changed = Number(process.env.CHANGED)
// The third takes a function made at run time, which no key can name.
export default total(
  [1, 2, 3, 4, 5, 6].map((x) => (x === 3 ? square(x, () => 0) : square(x === changed ? 10 * x : x))),
)
`,
    })
    const first = await run('inline', 'leaves.ts', 'all', { CHANGED: '0' })
    expect(first.result).toBe(1 + 4 + 9 + 16 + 25 + 36)
    expect(first.warnings).toEqual([
      expect.stringMatching(
        /^cache: a task of "square" cannot be cached, so it runs: an argument holds a function made at run time/,
      ),
      expect.stringMatching(/^cache: a task of "total" cannot be cached, so it runs: /),
    ])
    const second = await run('inline', 'leaves.ts', 'all', { CHANGED: '5' })
    expect(second.calls).toEqual(['square(3)', 'square(50)'])
    expect(second.result).toBe(1 + 4 + 9 + 16 + 2500 + 36)
    const third = await run('inline', 'leaves.ts', 'all', { CHANGED: '2' })
    expect(third.calls).toEqual(['square(20)', 'square(3)'])
    expect(third.result).toBe(1 + 400 + 9 + 16 + 25 + 36)
  })

  test('editing a helper two imports away runs again exactly the tasks that reach it', async () => {
    await run()
    await write({
      'lib/words.ts': `export function words(text: string): string[] {
  return text.split(/\\s+/).filter((word) => word.length > 1)
}`,
    })
    const edited = await run()
    // clean reaches words.ts; count and both run again because their input changed.
    expect(edited.calls).toEqual([
      'both()',
      'clean(The cat The)',
      'clean(a Dog)',
      'count(dog)',
      'count(the cat the)',
    ])
    expect(edited.result).toEqual({ a: { the: 2, cat: 1 }, b: { dog: 1 } })
  })

  // A process keeps the code it loaded first: keyed by the file as it reads after the
  // edit, the old code's results would be handed to the next process, which runs the new.
  test('a helper edited while a process runs: its tasks run as loaded, unstored, and the next process runs them as edited', async () => {
    const edited = `export function words(text: string): string[] {
  return text.split(/\\s+/).filter((word) => word.length > 1)
}`
    const during = await run('inline', 'flow.ts', 'worthwhile', {
      EDIT_FILE: join(project, 'lib', 'words.ts'),
      EDIT_SOURCE: edited,
    })
    expect(during.result).toEqual({ a: { the: 2, cat: 1 }, b: { a: 1, dog: 1 } })
    expect(during.summary).toMatchObject({ cached: 0 })
    // Paths are named from the working directory, this test's, which the project is not in.
    const words = join(project, 'lib', 'words.ts')
    const changed = (module: string): string =>
      `${words}, which ${join(project, module)} imports, changed after this process loaded its code (modules are loaded once, so it still runs as it was); restart the process to have its tasks cached again.`
    expect(during.warnings).toEqual([
      `cache: 2 tasks of "clean" cannot be cached, so they run: ${changed('steps/clean.ts')}`,
      `cache: 2 tasks of "count" cannot be cached, so they run: ${changed('steps/clean.ts')}`,
      `cache: a task of "both" cannot be cached, so it runs: ${changed('flow.ts')}`,
    ])
    const next = await run()
    expect(next.result).toEqual({ a: { the: 2, cat: 1 }, b: { dog: 1 } })
    expect(next.calls).toEqual([
      'both()',
      'clean(The cat The)',
      'clean(a Dog)',
      'count(dog)',
      'count(the cat the)',
    ])
  })

  // A pool's worker that dies is replaced by one that loads the code as it reads then.
  // Keyed by the code as it read when the run began, that worker's results would be
  // handed to the next run, whose code is the first again.
  test.for(['threads', 'processes'])(
    'on %s, a helper edited during a run, reached by a worker started after: what ended since is not stored',
    async (executor) => {
      const base = join(project, 'lib', 'base.ts')
      const old = 'export function base(x: number): number { return x + 1 }'
      await write({
        'lib/base.ts': old,
        'crash.ts': `import { existsSync, writeFileSync } from 'node:fs'
import { delayed, gather } from '@taskgraph/core'
import { logCall } from './log-call.js'
import { base } from './lib/base.js'
const step = delayed(function step(x: number) {
  logCall('step(' + x + ')')
  if (x === 2 && !existsSync(process.env.CRASHED!)) {
    writeFileSync(process.env.CRASHED!, '')
    writeFileSync(${JSON.stringify(base)}, 'export function base(x: number): number { return x + 1000 }')
    process.exit(1)
  }
  return base(x)
}, { cache: true, retries: 1 })
export default gather([step(1), step(2), step(3)])
`,
      })
      // One worker: the task runs again on the worker that replaces it.
      const crashed = { CRASHED: join(project, 'crashed'), WORKERS: '1' }
      const during = await run(executor, 'crash.ts', 'all', crashed)
      expect(during.result).toEqual([2, 1002, 1003])
      expect(during.warnings).toContainEqual(
        `cache: ${base}, a file of the workflow's code, changed while the run went on, so the results that ended since are not stored: a worker started after the change runs the code as it reads now, while the keys hold it as it was. Run again to have them stored.`,
      )
      await write({ 'lib/base.ts': old })
      const next = await run(executor, 'crash.ts', 'all', crashed)
      expect(next.result).toEqual([2, 3, 4])
      expect(next.calls).toContain('step(2)')
    },
  )

  test('a helper dated in the future: its tasks run unstored, saying so, until its date is mended', async () => {
    const words = join(project, 'lib', 'words.ts')
    // Whole seconds: a file's time keeps them exactly.
    const tomorrow = new Date(Math.floor(Date.now() / 1000) * 1000 + 86_400_000)
    await utimes(words, tomorrow, tomorrow)
    const dated = await run()
    expect(dated.calls).toHaveLength(5)
    expect(dated.warnings[0]).toBe(
      `cache: 2 tasks of "clean" cannot be cached, so they run: ${words}, which ${join(project, 'steps', 'clean.ts')} imports, was modified in the future (${tomorrow.toISOString()}, by this machine's clock), so whether it changed after this process loaded its code cannot be told; correct its modification time (touch it), or the clock.`,
    )
    const now = new Date()
    await utimes(words, now, now)
    expect((await run()).calls).toHaveLength(5)
    expect(await run()).toMatchObject({ calls: [], warnings: [] })
  })

  // report takes a plain object, which the graph's key reads in any order of its entries:
  // it is keyed by its content, with its dependency's key, whose own key the graph made.
  // Its module does not import the helper: only its dependency's code changes.
  test('a task keyed by its content runs again when code below a dependency changes', async () => {
    await write({
      'steps/report.ts': `import { logCall } from '../log-call.js'
export function report(parts: { counts: Map<string, number> }): string[] {
  logCall('report()')
  return [...parts.counts.keys()].sort()
}`,
      'report.ts': `import { delayed } from '@taskgraph/core'
import { clean } from './steps/clean.js'
import { count } from './steps/count.js'
import { report } from './steps/report.js'
const cleanTask = delayed(clean, { cache: true })
const countTask = delayed(count, { cache: true })
const reportTask = delayed(report, { cache: true })
export default reportTask({ counts: countTask(cleanTask('The cat The')) })
`,
    })
    expect((await run('inline', 'report.ts', 'all')).result).toEqual(['cat', 'the'])
    await write({
      'lib/words.ts': `export function words(text: string): string[] {
  return text.split(/\\s+/).filter(Boolean).map((word) => word + '!')
}`,
    })
    const edited = await run('inline', 'report.ts', 'all')
    expect(edited.calls).toEqual(['clean(The cat The)', 'count(the! cat! the!)', 'report()'])
    expect(edited.result).toEqual(['cat!', 'the!'])
  })

  // Its steps take microseconds: only the target would be worth storing by default. On a
  // pool, clean and count are fused into one call: clean's result comes back for the cache.
  test.for(['inline', 'threads', 'processes'])(
    "on %s, changing one input runs only what depends on it (store: 'all')",
    async (executor) => {
      await run(executor, 'flow.ts', 'all')
      await write({ 'flow.ts': FLOW['flow.ts'].replace("'a Dog'", "'a Fox'") })
      const changed = await run(executor, 'flow.ts', 'all')
      expect(changed.calls).toEqual(['both()', 'clean(a Fox)', 'count(a fox)'])
      expect(changed.result).toEqual({ a: { the: 2, cat: 1 }, b: { a: 1, fox: 1 } })
      expect(changed.warnings).toEqual([])
    },
  )
})
