import { describe, expect, it } from 'vitest'
import { progressLine, summaryLine, type Frame } from '../src/progress/progress-line.js'
import { visible } from './helpers/output.js'

// The layout of the progress line, a pure function of the counts and the width: what
// stays as the terminal narrows.

const running: Frame = {
  counts: { total: 42, done: 20, failed: 0, running: 2, retrying: 0 },
  elapsedMs: 1234,
  rate: 19.8,
  current: 'busy-0c4f1e2d9a8b7c6d',
}
const troubled: Frame = {
  counts: { total: 42, done: 19, failed: 2, running: 1, retrying: 1 },
  elapsedMs: 71_234,
  rate: 0.4,
  current: 'fetch-日本語-😀-page',
}

/** The line at each width, with its width: what a terminal that many columns wide gets. */
function atWidths(frame: Frame): string[] {
  return [119, 79, 59, 39, 29, 19, 9, 3].map((width) => {
    const line = progressLine(frame, width, false)
    return `${String(width).padStart(3)} ${line}`
  })
}

describe('progressLine', () => {
  it('drops what matters least as the terminal narrows', () => {
    expect(atWidths(running)).toMatchInlineSnapshot(`
      [
        "119 [##############----------------]  20/42  2 running  19.8 tasks/s  eta 1s  1.2s  busy-0c4f1e2d9a8b7c6d",
        " 79 [##########-----------]  20/42  2 running  19.8 tasks/s  eta 1s  1.2s  busy-0c…",
        " 59 [#######---------] 20/42 2 running 19.8 tasks/s eta 1s 1.2s",
        " 39 [######--------] 20/42 2 running eta 1s",
        " 29 20/42 2 running eta 1s 1.2s",
        " 19 20/42 2 running",
        "  9 20/42",
        "  3 20…",
      ]
    `)
  })

  it('keeps failures longest, and fits wide characters of a key', () => {
    expect(atWidths(troubled)).toMatchInlineSnapshot(`
      [
        "119 [###############---------------]  21/42  2 failed  1 retrying  1 running  2.5 s/task  eta 53s  1m11s  fetch-日本語-😀-…",
        " 79 [########--------] 21/42 2 failed 1 retrying 1 running 2.5 s/task eta 53s 1m11s",
        " 59 [######-------] 21/42 2 failed 1 retrying 1 running eta 53s",
        " 39 21/42 2 failed 1 running eta 53s 1m11s",
        " 29 21/42 2 failed 1 running",
        " 19 21/42 2 failed",
        "  9 21/42",
        "  3 21…",
      ]
    `)
  })

  it('is coloured only when asked', () => {
    expect(visible(progressLine(troubled, 79, true))).toMatchInlineSnapshot(
      `"[␛[32m########␛[39m--------] 21/42 ␛[31m2 failed␛[39m ␛[33m1 retrying␛[39m 1 running 2.5 s/task eta 53s ␛[2m1m11s␛[22m"`,
    )
  })

  it('turns control characters of a key into spaces', () => {
    const frame = { ...running, current: 'a\nkey\x1b[31m' }
    expect(visible(progressLine(frame, 119, false))).toMatchInlineSnapshot(
      `"[##############----------------]  20/42  2 running  19.8 tasks/s  eta 1s  1.2s  a key [31m"`,
    )
  })
})

describe('summaryLine', () => {
  it('says how many tasks were done, failed and skipped, and how long it took', () => {
    const counts = { total: 42, running: 0, retrying: 0 }
    expect([
      summaryLine({ ...counts, done: 42, failed: 0 }, 2512, false),
      summaryLine({ ...counts, done: 12, failed: 1 }, 3512, false),
      summaryLine({ ...counts, done: 0, failed: 0 }, 83_000, false),
      summaryLine({ total: 1, done: 1, failed: 0, running: 0, retrying: 0 }, 15_400, false),
      visible(summaryLine({ ...counts, done: 40, failed: 2 }, 3_725_000, true)),
    ]).toMatchInlineSnapshot(`
      [
        "42 tasks done in 2.5s (16.7 tasks/s)",
        "12 of 42 tasks done, 1 failed, 29 skipped in 3.5s",
        "0 of 42 tasks done, 42 skipped in 1m23s",
        "1 task done in 15s (15.4 s/task)",
        "40 of 42 tasks done, ␛[31m2 failed␛[39m in 1h02m",
      ]
    `)
  })
})
