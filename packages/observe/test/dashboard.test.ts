import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { request } from 'node:http'
import { fileURLToPath } from 'node:url'
import { InvalidOptionError, delayed } from '@taskgraph/core'
import { compute } from '@taskgraph/scheduler'
import { afterEach, describe, expect, test } from 'vitest'
import {
  DashboardPortError,
  ResourceProfiler,
  startDashboard,
  type Dashboard,
  type DashboardUpdate,
} from '../src/index.js'
import { task } from './helpers.js'

const cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const clean of cleanup.splice(0)) await clean()
})

async function started(options: Parameters<typeof startDashboard>[0]): Promise<Dashboard> {
  const dashboard = await startDashboard(options)
  cleanup.push(() => dashboard.close())
  return dashboard
}

/** The event stream of `url`, read by a real HTTP client: each message as it comes. */
class Reader {
  readonly messages: DashboardUpdate[] = []
  ended = false
  lost: unknown
  readonly #closed: Promise<void>
  readonly #controller = new AbortController()
  #waiters: (() => void)[] = []

  constructor(url: string) {
    this.#closed = this.#read(url)
    cleanup.push(() => this.#controller.abort())
  }

  async #read(url: string): Promise<void> {
    const response = await fetch(`${url}events`, { signal: this.#controller.signal })
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const decoder = new TextDecoder()
    let text = ''
    try {
      for await (const chunk of response.body!) {
        text += decoder.decode(chunk as Uint8Array, { stream: true })
        let end: number
        while ((end = text.indexOf('\n\n')) !== -1) {
          const event = text.slice(0, end)
          text = text.slice(end + 2)
          if (event.startsWith('event: end')) this.ended = true
          else if (event.startsWith('data: '))
            this.messages.push(JSON.parse(event.slice(6)) as DashboardUpdate)
          this.#waiters.splice(0).forEach((wake) => wake())
        }
      }
    } catch (error) {
      // The server went away without ending the stream (its program ended).
      this.lost = error
    }
  }

  /** Waits for a message that passes `check`. */
  async until(check: (message: DashboardUpdate) => boolean): Promise<DashboardUpdate> {
    for (;;) {
      const found = this.messages.find(check)
      if (found !== undefined) return found
      await new Promise<void>((wake) => this.#waiters.push(wake))
    }
  }

  /** Waits for the server to end the stream. */
  closed(): Promise<void> {
    return this.#closed
  }
}

const nap = delayed(
  (ms: number) => new Promise<number>((resolve) => setTimeout(() => resolve(ms), ms)),
  { name: 'nap' },
)
const fail = delayed(
  async (why: string): Promise<never> => {
    await new Promise((resolve) => setTimeout(resolve, 20))
    throw new Error(why)
  },
  { name: 'fail' },
)

describe('startDashboard', () => {
  test('serves its page on 127.0.0.1 only, with everything inline', async () => {
    const dashboard = await started({ port: 0 })
    expect(new URL(dashboard.url).hostname).toBe('127.0.0.1')
    expect(dashboard.url).toBe(`http://127.0.0.1:${dashboard.port}/`)
    const response = await fetch(dashboard.url)
    expect(response.status).toBe(200)
    const html = await response.text()
    expect(html).toMatch(/^<!doctype html>/)
    // No file of its own to load, and nothing from elsewhere.
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+stylesheet|@import|url\(/)
    // Addresses only as names (the SVG namespace), never loaded.
    const addresses = html.match(/https?:\/\/[^'"`\s)]*/g) ?? []
    expect(new Set(addresses)).toEqual(new Set(['http://www.w3.org/2000/svg']))
    expect((await fetch(`${dashboard.url}nothing`)).status).toBe(404)
  })

  test('refuses a request naming another host (DNS rebinding)', async () => {
    const dashboard = await started({ port: 0 })
    const status = await new Promise<number | undefined>((resolve, reject) => {
      request(dashboard.url, { headers: { host: 'attacker.example' } }, (response) => {
        response.resume()
        resolve(response.statusCode)
      })
        .on('error', reject)
        .end()
    })
    expect(status).toBe(403)
  })

  test('streams a real run: progress per function, bars, workers, memory, failures', async () => {
    const tasks = [...[30, 60, 90, 120].map((ms) => nap(ms)), fail('no data for you')]
    const dashboard = await started({ port: 0, targets: tasks, updateMs: 50 })
    const reader = new Reader(dashboard.url)
    // Before the run: each function's tasks, none done.
    const first = await reader.until(() => true)
    expect(first.status).toBe('waiting')
    expect(first.groups).toEqual([
      { name: 'nap', total: 4, done: 0, failed: 0, running: 0, cached: 0, cancelled: 0 },
      { name: 'fail', total: 1, done: 0, failed: 0, running: 0, cached: 0, cancelled: 0 },
    ])

    const run = compute(...tasks, { executor: 'async', hooks: dashboard.hooks, failFast: false })
    await expect(run).rejects.toThrow()
    const last = await reader.until((m) => m.status === 'ended')
    expect(last).toMatchObject({ status: 'ended', executor: 'async', total: 5, done: 4, failed: 1 })
    expect(last.groups).toEqual([
      { name: 'nap', total: 4, done: 4, failed: 0, running: 0, cached: 0, cancelled: 0 },
      { name: 'fail', total: 1, done: 0, failed: 1, running: 0, cached: 0, cancelled: 0 },
    ])
    expect(last.failures).toMatchObject([
      { key: tasks[4]!.key, name: 'fail', message: 'no data for you' },
    ])
    // Every attempt came as one bar, on the one slot the async executor has.
    const bars = reader.messages.flatMap((m) => m.bars)
    expect(bars).toHaveLength(5)
    expect(last.slots).toMatchObject([{ label: 'main', kind: 'main', pid: process.pid, tasks: 5 }])
    const failed = bars.filter(([, , , , status]) => status === 1)
    expect(failed.map(([, group]) => last.groups[group]!.name)).toEqual(['fail'])
    for (const [, , start, end] of bars) expect(end).toBeGreaterThanOrEqual(start)
    expect(last.processes[0]).toMatchObject({ pid: process.pid, role: 'main' })
    expect(last.processes[0]!.rss).toBeGreaterThan(1024 * 1024)

    await dashboard.close()
    await reader.closed()
    expect(reader.ended).toBe(true)
  })

  test('a run stopped midway ends with its running tasks cancelled and the rest skipped', async () => {
    const tasks = [nap(30_000), nap(30_000), fail('too late')]
    const dashboard = await started({ port: 0, targets: tasks, updateMs: 20 })
    const reader = new Reader(dashboard.url)
    const controller = new AbortController()
    const run = compute(...tasks, {
      executor: 'async',
      concurrency: 2,
      signal: controller.signal,
      hooks: dashboard.hooks,
    })
    await reader.until((m) => m.running === 2)
    controller.abort()
    await expect(run).rejects.toThrow()
    await dashboard.close()
    await reader.closed()
    expect(reader.messages.at(-1)).toMatchObject({
      status: 'ended',
      total: 3,
      done: 0,
      failed: 0,
      running: 0,
      cancelled: 2,
      skipped: 1,
    })
    expect(reader.messages.at(-1)!.groups).toEqual([
      { name: 'nap', total: 2, done: 0, failed: 0, running: 0, cached: 0, cancelled: 2 },
      { name: 'fail', total: 1, done: 0, failed: 0, running: 0, cached: 0, cancelled: 0 },
    ])
  })

  test('a page that joins late gets the state so far, recent bars included', async () => {
    const tasks = [10, 20, 30].map((ms) => nap(ms))
    const dashboard = await started({ port: 0 })
    await compute(...tasks, { executor: 'async', hooks: dashboard.hooks })
    const reader = new Reader(dashboard.url)
    const first = await reader.until(() => true)
    expect(first).toMatchObject({ status: 'ended', done: 3, failed: 0, total: 3 })
    expect(first.groups).toEqual([
      { name: 'nap', total: 3, done: 3, failed: 0, running: 0, cached: 0, cancelled: 0 },
    ])
    expect(first.bars).toHaveLength(3)
  })

  test('shows the latest sample of a ResourceProfiler it is given', async () => {
    const resources = new ResourceProfiler()
    const dashboard = await started({ port: 0, resources, updateMs: 20 })
    const reader = new Reader(dashboard.url)
    const taken = resources.sample()
    const shown = await reader.until((m) => m.sampledAt === taken.time)
    expect(shown.processes[0]).toEqual({ ...taken.main, role: 'main' })
    // It is the caller's: the dashboard neither starts nor stops it.
    expect(resources.running).toBe(false)
  })

  test("counts tasks read from the run's cache in their function's progress, with no bar", async () => {
    const dashboard = await started({ port: 0, targets: [nap(1), nap(2), nap(3)], updateMs: 10 })
    const reader = new Reader(dashboard.url)
    dashboard.hooks.onStart?.({ tasks: 1, executor: 'async' })
    for (const key of ['nap-a', 'nap-b']) {
      dashboard.hooks.onTaskRecord?.(task({ key, start: 0, end: 0, status: 'cached' }))
    }
    const shown = await reader.until((m) => m.cached === 2)
    expect(shown.groups).toEqual([
      { name: 'nap', total: 3, done: 0, failed: 0, running: 0, cached: 2, cancelled: 0 },
    ])
    expect(reader.messages.flatMap((m) => m.bars)).toEqual([])
  })

  test('batches updates: a run of many tasks sends far fewer messages', async () => {
    const one = delayed((i: number) => i, { name: 'one' })
    const tasks = Array.from({ length: 3000 }, (_, i) => one(i))
    const dashboard = await started({ port: 0 })
    const reader = new Reader(dashboard.url)
    await reader.until(() => true)
    await compute(...tasks, { executor: 'async', hooks: dashboard.hooks })
    const last = await reader.until((m) => m.status === 'ended')
    expect(last.done).toBe(3000)
    expect(reader.messages.length).toBeLessThan(100)
  })

  test('a port in use is a DashboardPortError; a bad option an InvalidOptionError', async () => {
    const dashboard = await started({ port: 0 })
    await expect(startDashboard({ port: dashboard.port })).rejects.toThrow(DashboardPortError)
    await expect(startDashboard({ port: dashboard.port })).rejects.toMatchObject({
      code: 'ERR_DASHBOARD_PORT_IN_USE',
      port: dashboard.port,
    })
    for (const port of [-1, 65536, 1.5, Number.NaN]) {
      await expect(startDashboard({ port })).rejects.toThrow(InvalidOptionError)
    }
    // A misspelt option is not ignored.
    await expect(startDashboard({ prot: 0 } as never)).rejects.toThrow(InvalidOptionError)
    // Past 2 ** 31 - 1 ms, Node would call the timer every millisecond.
    for (const updateMs of [0, 2 ** 31]) {
      await expect(startDashboard({ port: 0, updateMs })).rejects.toThrow(InvalidOptionError)
    }
  })

  test('never keeps its program alive, even while a page watches', async () => {
    const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url))
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { startDashboard } from ${JSON.stringify(dist)}
         const dashboard = await startDashboard({ port: 0 })
         console.log(dashboard.url)
         process.stdin.once('data', () => {})`,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    )
    cleanup.push(() => child.kill('SIGKILL'))
    const [url] = (await once(child.stdout, 'data')) as [Buffer]
    const reader = new Reader(url.toString().trim())
    await reader.until(() => true)
    // The program's own work (waiting for a line) ends: so does the program.
    child.stdin.end('\n')
    const [code] = (await once(child, 'exit')) as [number | null]
    expect(code).toBe(0)
    await reader.closed()
    expect(reader.ended).toBe(false)
  })
})
