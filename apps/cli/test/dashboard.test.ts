import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  startWorkers,
  stopWorkers,
  type WorkerProcess,
} from '../../../packages/cluster/test/cluster-workers.js'
import {
  haveRedis,
  startRedis,
  type RedisServer,
} from '../../../packages/cluster/test/redis-server.js'
import { browser, openPage } from '../../../packages/observe/test/browser.js'
import { finished, fixture, runCli, startCli } from './helpers/run-cli.js'
import {
  comesTrue,
  descendantsOf,
  isAlive,
  killOnCleanup,
  killStrays,
} from './helpers/processes.js'

// `taskgraph run --dashboard`: the built CLI runs dashboard-flow.ts (tasks of 300 ms, two
// failing, with --keep-going) and the page is opened in a real headless Chromium while it
// runs. The flow's "gate" task holds the run open until the test has seen the page, so
// nothing here depends on how fast the machine is.

const FIXTURES = fixture('.')
let gates: string

beforeAll(() => {
  gates = mkdtempSync(join(tmpdir(), 'taskgraph-dashboard-'))
})

afterAll(() => {
  killStrays()
  rmSync(gates, { recursive: true, force: true })
})

const cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const clean of cleanup.splice(0)) await clean()
})

/** Starts the CLI and resolves with it and its dashboard's URL, once it prints it. */
async function runWithDashboard(args: readonly string[], gate: string) {
  const child = killOnCleanup(startCli(args, { env: { DASHBOARD_GATE: gate } }))
  const done = finished(child)
  let stderr = ''
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      const found = /taskgraph: dashboard at (\S+)\n/.exec(stderr)
      if (found !== null) resolve(found[1]!)
    })
    void done.then(() => reject(new Error(`the CLI ended without a dashboard:\n${stderr}`)))
  })
  return { url, done, child }
}

// What the page shows, read in the page: code given as text, since this package is not
// type-checked against the DOM.

/** The value of `expression`, evaluated in the page. */
function inPage<T>(page: Page, expression: string): Promise<T> {
  return page.evaluate<T>(expression)
}

/** The text of each function's progress, by function. */
function groupCounts(page: Page): Promise<Record<string, string>> {
  return inPage(
    page,
    `Object.fromEntries([...document.querySelectorAll('#groups .group')].map((row) =>
      [row.dataset.group, row.querySelector('.counts').textContent]))`,
  )
}

/** The cells of each row of the table `id`. */
function tableRows(page: Page, id: string): Promise<string[][]> {
  return inPage(
    page,
    `[...document.querySelectorAll('#${id} tbody tr')].map((row) =>
      [...row.querySelectorAll('td')].map((cell) => cell.textContent))`,
  )
}

/**
 * Waits until `expression` is true in the page, asking every 100 ms for up to 20 s (not
 * with waitForFunction, whose text expressions the page's CSP, which allows no eval,
 * refuses).
 */
async function until(page: Page, expression: string): Promise<void> {
  const deadline = Date.now() + 20_000
  while ((await inPage<boolean>(page, expression)) !== true) {
    if (Date.now() > deadline) {
      const shown = await page.innerText('body')
      throw new Error(`the page never showed ${expression}; it shows:\n${shown}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** Waits until the page shows the flow's tasks ended, but for the gate, and their bars. */
function untilLoadsAndPairsEnded(page: Page): Promise<void> {
  return until(
    page,
    `(() => {
      const text = (group) =>
        document.querySelector('[data-group="' + group + '"] .counts')?.textContent
      const drawn = Number(document.querySelector('canvas').dataset.drawn ?? 0)
      return text('load') === '8 / 8 (2 failed)' && text('pair') === '2 / 4' && drawn > 0
    })()`,
  )
}

describe('taskgraph run --dashboard', () => {
  it('shows the run live in a browser: progress, task stream, workers, memory, failures', async () => {
    await browser()
    const gate = join(gates, 'threads')
    const { url, done } = await runWithDashboard(
      ['run', 'dashboard-flow.ts', '-e', 'threads', '-w', '2', '-k', '--dashboard', '0'],
      gate,
    )
    expect(new URL(url).hostname).toBe('127.0.0.1')
    const { page, errors, foreignRequests } = await openPage(url)
    cleanup.push(() => page.context().close())
    await untilLoadsAndPairsEnded(page)

    // The gate still holds the run: all this is live.
    expect(await page.textContent('#status')).toBe('running')
    expect(await groupCounts(page)).toEqual({
      gate: '0 / 1 · 1 running',
      load: '8 / 8 (2 failed)',
      pair: '2 / 4',
    })
    // The pool's threads that ran tasks, each with its process's memory.
    const workers = await tableRows(page, 'workers')
    expect(workers.map((row) => row[1]).sort()).toEqual(['thread', 'thread'])
    for (const row of workers) expect(row[6]).toMatch(/^\d+\.\d MB$/)
    expect(await page.textContent('#busy')).toMatch(/^\d busy · \d idle of 2 worker threads$/)
    const [main] = await tableRows(page, 'processes')
    expect(main![2]).toMatch(/^\d+\.\d MB$/)
    const failures = await inPage<string[][]>(
      page,
      `[...document.querySelectorAll('#failures li')].map((item) =>
        [item.querySelector('code').textContent, item.querySelector('.message').textContent])`,
    )
    expect(failures.sort()).toEqual([
      ['load-3', 'load 3 found no data'],
      ['load-7', 'load 7 found no data'],
    ])

    writeFileSync(gate, '')
    await until(page, `document.querySelector('#status').textContent.startsWith('run ended')`)
    expect(await groupCounts(page)).toMatchObject({ gate: '1 / 1' })
    const result = await done
    expect(result.code).toBe(1)
    expect(errors).toEqual([])
    expect(foreignRequests).toEqual([])
    // The server went with the command.
    await expect(fetch(url)).rejects.toThrow()
  })

  it('wraps a failed task’s key and a function’s name too long for a line, instead of widening the page', async () => {
    const gate = join(gates, 'long-keys')
    const { url, done } = await runWithDashboard(
      ['run', 'dashboard-long-keys.ts', '-k', '--dashboard', '0'],
      gate,
    )
    const { page, errors } = await openPage(url)
    cleanup.push(() => page.context().close())
    await until(
      page,
      `document.querySelectorAll('#failures li code').length === 1 && document.querySelectorAll('#legend span').length === 3`,
    )
    // The list scrolled sideways to show the key's end; now it shows it all.
    expect(
      await inPage<number[]>(
        page,
        `(() => {
          const list = document.querySelector('#failures')
          return [list.scrollWidth - list.clientWidth, document.documentElement.scrollWidth]
        })()`,
      ),
    ).toEqual([0, 1280])
    writeFileSync(gate, '')
    expect((await done).code).toBe(1)
    expect(errors).toEqual([])
  })

  it('Ctrl-C: the page is told the run ended, and no server or worker outlives the command', async () => {
    const { url, done, child } = await runWithDashboard(
      ['run', 'dashboard-flow.ts', '-e', 'processes', '-w', '2', '--dashboard', '0'],
      join(gates, 'never'),
    )
    await browser()
    const { page, errors } = await openPage(url)
    cleanup.push(() => page.context().close())
    const events = await fetch(`${url}events`)
    const text = events.text()
    // The command's runner and the pool's two processes.
    expect(await comesTrue(() => descendantsOf(child.pid!).length >= 3, 20_000)).toBe(true)
    await until(page, `document.querySelector('#summary').textContent.includes('running')`)
    expect(await page.textContent('#busy')).toMatch(/^\d busy · \d idle of 2 worker processes$/)
    const workers = descendantsOf(child.pid!)
    child.kill('SIGINT')
    expect((await done).code).toBe(130)
    expect(await text).toMatch(/"status":"ended".*\n\nevent: end\n/s)
    // The last update: what was running was cancelled, and the counts add up.
    const updates = (await text).split('\n').filter((line) => line.startsWith('data: {"run"'))
    const last = JSON.parse(updates.at(-1)!.slice(6)) as Record<string, number>
    expect(last).toMatchObject({ status: 'ended', running: 0 })
    expect(last['cancelled']).toBeGreaterThan(0)
    expect(last['done']! + last['failed']! + last['cancelled']! + last['skipped']!).toBe(
      last['total'],
    )
    await until(page, `document.querySelector('#status').textContent.startsWith('run ended')`)
    expect(await page.textContent('#summary')).toMatch(/ · 0 running · \d+ cancelled · /)
    expect(await groupCounts(page)).toMatchObject({ gate: '0 / 1 (1 cancelled)' })
    expect(errors).toEqual([])
    await expect(fetch(url)).rejects.toThrow()
    expect(workers.filter(isAlive)).toEqual([])
  })

  it('--dashboard alone takes another port, with a warning, when 8787 is taken', async (context) => {
    // Port 8787 held here for the test's length; if another program has it, no telling
    // when it lets go, so the test does not run.
    const server: Server = createServer()
    const held = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false))
      server.listen(8787, '127.0.0.1', () => resolve(true))
    })
    if (!held) return context.skip()
    cleanup.push(() => new Promise((resolve) => server.close(resolve)))
    const { code, stdout, stderr } = await runCli(['run', 'sum.ts', '--dashboard'])
    expect({ code, stdout }).toEqual({ code: 0, stdout: '5\n' })
    const [warning, where] = stderr.split('\n')
    expect(warning).toMatch(
      /^taskgraph: warning: port 8787 is in use; the dashboard uses port (\d+) instead\.$/,
    )
    expect(where).toMatch(/^taskgraph: dashboard at http:\/\/127\.0\.0\.1:(?!8787\/)\d+\/$/)
  })

  it('a port that is not a whole number from 0 to 65535 is a usage error', async () => {
    for (const port of ['web', '65536', '-1', '80.5']) {
      const { code, stderr } = await runCli(['run', 'sum.ts', `--dashboard=${port}`])
      expect(code).toBe(2)
      expect(stderr).toMatch(/--dashboard/)
    }
  })

  it('a port given that another program holds fails the command (exit 2)', async () => {
    const server: Server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    cleanup.push(() => new Promise((resolve) => server.close(resolve)))
    const { port } = server.address() as { port: number }
    const { code, stdout, stderr } = await runCli(['run', 'sum.ts', `--dashboard=${port}`])
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' })
    expect(stderr).toMatch(/^taskgraph: error: DashboardPortError: /)
  })
})

describe.runIf(haveRedis())('taskgraph run --cluster --dashboard', () => {
  let redis: RedisServer
  let workers: WorkerProcess[]

  beforeAll(async () => {
    redis = await startRedis()
    workers = await startWorkers(redis.url, 2, 'dash', { cwd: FIXTURES })
  })

  afterAll(async () => {
    await stopWorkers(workers ?? [])
    await redis?.stop()
  })

  it("lists the cluster's workers, with their memory", async () => {
    await browser()
    const gate = join(gates, 'cluster')
    const { url, done } = await runWithDashboard(
      ['run', 'dashboard-flow.ts', '--cluster', redis.url, '-k', '--dashboard', '0'],
      gate,
    )
    const { page, errors, foreignRequests } = await openPage(url)
    cleanup.push(() => page.context().close())
    await untilLoadsAndPairsEnded(page)
    await page.waitForSelector('#cluster-section:not([hidden]) tbody tr', { timeout: 20_000 })
    const rows = await tableRows(page, 'cluster')
    expect(rows.map(([name, , pid]) => [name, Number(pid)])).toEqual(
      workers.map((worker) => [worker.name, worker.pid]),
    )
    for (const row of rows)
      expect(row.slice(4, 7)).toEqual([
        expect.stringMatching(/^\d+$/),
        expect.stringMatching(/^\d+$/),
        expect.stringMatching(/^\d+\.\d MB$/),
      ])
    // The task stream's workers are the cluster's threads.
    const kinds = (await tableRows(page, 'workers')).map((row) => row[1])
    expect(new Set(kinds)).toEqual(new Set(['cluster']))
    writeFileSync(gate, '')
    expect((await done).code).toBe(1)
    expect(errors).toEqual([])
    expect(foreignRequests).toEqual([])
  })
})
