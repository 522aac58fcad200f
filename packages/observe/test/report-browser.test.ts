import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { TaskRecord } from '@taskgraph/scheduler'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { toReportHtml, writeReport } from '../src/index.js'
import { openPage } from './browser.js'
import { poolThread, task } from './helpers.js'

// Reports opened in a real headless Chromium (see browser.ts). The CLI's tests open the
// report of a real run; these open hand-made ones, and one of 100,000 attempts.

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'taskgraph-report-'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

/** `count` attempts of 1 ms on `threads` threads, one after another on each. */
function synthetic(count: number, threads: number): TaskRecord[] {
  const names = ['read', 'parse', 'score', 'merge', 'write']
  return Array.from({ length: count }, (_, i) => {
    const slot = i % threads
    const start = Math.floor(i / threads) * 1.25
    return task({
      key: `${names[i % names.length]}-${i}`,
      name: names[i % names.length]!,
      start,
      end: start + 1,
      worker: poolThread(slot + 1),
      ...(i % 997 === 0 ? { status: 'failed' as const, error: new Error(`bad row ${i}`) } : {}),
    })
  })
}

describe('the report in a browser', () => {
  test('draws one bar per attempt, with a tooltip, and no errors nor requests', async () => {
    const records = synthetic(40, 4)
    const path = join(dir, 'small.html')
    await writeReport(path, records, { name: 'small' })
    const { page, errors, foreignRequests } = await openPage(pathToFileURL(path).href)
    const stream = page.getByTestId('stream')
    await expect.poll(() => stream.getAttribute('data-bars'), { timeout: 10_000 }).toBe('40')
    expect(await stream.getAttribute('data-rows')).toBe('4')
    const table = page.getByTestId('function-stats').locator('tbody tr')
    const rows: (string | null)[][] = []
    for (const row of await table.all()) {
      const fields = ['data-function', 'data-count', 'data-failures']
      rows.push(await Promise.all(fields.map((field) => row.getAttribute(field))))
    }
    expect(rows).toEqual([
      // As long as each other: by name.
      ['merge', '8', '0'],
      ['parse', '8', '0'],
      ['read', '8', '1'],
      ['score', '8', '0'],
      ['write', '8', '0'],
    ])
    expect(await page.getByTestId('failures').getAttribute('data-count')).toBe('1')
    // The first bar of the second row: read-0 is on thread 1, parse-1 on thread 2.
    const box = (await stream.boundingBox())!
    // Below the 22 px time axis, four rows.
    const rowHeight = (box.height - 22) / 4
    await page.mouse.move(box.x + 2, box.y + 22 + rowHeight * 1.5)
    await expect
      .poll(() => page.getByTestId('tooltip').textContent(), { timeout: 10_000 })
      .toMatch(/^parse-1\n/)
    // The wheel zooms in about the pointer: fewer bars in view, a shorter span of time.
    const span = async () =>
      Number(await stream.getAttribute('data-to')) - Number(await stream.getAttribute('data-from'))
    const whole = await span()
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
    await page.mouse.wheel(0, -800)
    await expect.poll(span, { timeout: 10_000 }).toBeLessThan(whole / 2)
    expect(Number(await stream.getAttribute('data-bars'))).toBeLessThan(40)
    // A double-click shows the whole run again.
    await page.mouse.dblclick(box.x + box.width / 2, box.y + box.height / 2)
    await expect.poll(() => stream.getAttribute('data-bars'), { timeout: 10_000 }).toBe('40')
    expect(errors).toEqual([])
    expect(foreignRequests).toEqual([])
    await page.context().close()
  })

  test('opens a report of 100,000 attempts and draws every one', async () => {
    const records = synthetic(100_000, 16)
    const made = performance.now()
    const html = await toReportHtml(records, { name: '100k' })
    const writtenMs = performance.now() - made
    const path = join(dir, '100k.html')
    await writeFile(path, html)
    const opened = performance.now()
    const { page, errors, foreignRequests } = await openPage(pathToFileURL(path).href)
    const stream = page.getByTestId('stream')
    await expect.poll(() => stream.getAttribute('data-bars'), { timeout: 60_000 }).toBe('100000')
    const drawnMs = performance.now() - opened
    const drawnAtMs = await stream.getAttribute('data-drawn-at-ms')
    // Measured, not asserted: speed belongs in benchmarks.
    console.log(
      `100,000-attempt report: ${Buffer.byteLength(html)} bytes, made in ${Math.round(writtenMs)} ms; ` +
        `loaded and drawn in ${Math.round(drawnMs)} ms (first draw ${drawnAtMs} ms after navigation)`,
    )
    expect(errors).toEqual([])
    expect(foreignRequests).toEqual([])
    await page.context().close()
  }, 120_000)
})
