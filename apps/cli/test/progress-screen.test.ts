import { stripVTControlCharacters } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { visible } from './helpers/output.js'
import { CLI, fixture } from './helpers/run-cli.js'
import { Pane, closePanes } from './helpers/tmux.js'

// The progress display as the user sees it: `taskgraph run` in a tmux pane, read with
// capture-pane (the screen) and pipe-pane (every frame written).

afterEach(closePanes)

/** A run of busy-tasks.ts in a pane `columns` wide. */
function startRun(
  columns: number,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<Pane> {
  return Pane.start([process.execPath, CLI, 'run', 'busy-tasks.ts', ...args], {
    columns,
    cwd: fixture('.'),
    env,
  })
}

/** The frames of the display among what was written: the text between carriage returns. */
function framesIn(output: string): string[] {
  return stripVTControlCharacters(output)
    .split('\r')
    .filter((text) => / running/.test(text))
}

/** What the display wrote: its frames and the summary, before the result's line. */
function displayIn(output: string): string {
  return output.slice(0, output.indexOf('\r\n') + 2)
}

const isFrame = (line: string): boolean => / \d+\/\d+ .* running/.test(line)

/** The screen with the numbers that vary from run to run (times, rates) replaced by N. */
function shape(lines: readonly string[]): string[] {
  return lines.map((line) => line.replace(/\d+(\.\d+)?(?=s\b| tasks\/s)/g, 'N'))
}

describe.each([
  // About two seconds on each: pools run two tasks at a time.
  { executor: 'inline', tasks: 20, workers: 1, args: [] },
  { executor: 'async', tasks: 20, workers: 1, args: [] },
  { executor: 'threads', tasks: 40, workers: 2, args: ['--workers', '2'] },
  { executor: 'processes', tasks: 40, workers: 2, args: ['--workers', '2'] },
])('on a 40-column terminal, on $executor', ({ executor, tasks, workers, args }) => {
  it('shows one line within the width while it runs, and leaves only the summary', async () => {
    const pane = await startRun(40, ['--executor', executor, ...args], {
      BUSY_TASKS: String(tasks),
    })
    const during = await pane.waitFor((screen) => screen.some(isFrame))
    expect(during).toHaveLength(1)
    expect(during[0]!.length).toBeLessThan(40)

    const end = await pane.exited()
    const sum = String((tasks * (tasks - 1)) / 2)
    const summary = `${tasks + 2} tasks done in Ns (N tasks/s)`
    expect(shape(end)).toEqual([summary, sum, '[exit 0]'])
    // Nothing scrolled off the screen either: each frame was drawn over the last.
    expect(shape(await pane.scrollback())).toEqual([summary, sum, '[exit 0]'])

    const frames = framesIn(await pane.output())
    expect(frames.length).toBeGreaterThan(0)
    for (const frame of frames) {
      expect(frame.length).toBeLessThan(40)
      // Synchronous tasks: one at a time in process, one per worker in a pool.
      expect(Number(/(\d+) running/.exec(frame)![1])).toBeLessThanOrEqual(workers)
    }
  })
})

describe('the progress display on a terminal', () => {
  it('follows a resize: the next frame fits the new width, and no row of the old one is left', async () => {
    const pane = await startRun(80, ['--executor', 'threads', '--workers', '2'], {
      BUSY_TASKS: '60',
    })
    const wide = await pane.waitFor((screen) => screen.some(isFrame))
    expect(wide[0]!.length).toBeGreaterThan(40)
    await pane.resize(40)
    // The first frame drawn for the new width, over what the terminal made of the last one.
    const narrow = await pane.waitFor(
      (screen) => screen.length === 1 && isFrame(screen[0]!) && screen[0]!.length < 40,
    )
    expect(narrow[0]).toMatch(/^\[[#-]+\] +\d+\/62 /)
    expect(shape(await pane.exited())).toEqual([
      '62 tasks done in Ns (N tasks/s)',
      '1770',
      '[exit 0]',
    ])
  })

  it('cuts a frame wider than the terminal at its margin, leaving no wrapped row behind', async () => {
    // Through a pipe, the display draws for 80 columns (--progress) on a 40-column
    // terminal: as a frame drawn for the old width does when a resize races it.
    const command = [process.execPath, CLI, 'run', 'busy-tasks.ts', '--progress']
    const pane = await Pane.start(
      ['sh', '-c', `${command.map((word) => `'${word}'`).join(' ')} -e threads -w 2 2>&1 | cat`],
      { columns: 40, cwd: fixture('.'), env: { BUSY_TASKS: '60' } },
    )
    const during = await pane.waitFor((screen) => /^\[[#-]+\] +\d+\/62 /.test(screen[0] ?? ''))
    expect(during).toHaveLength(1)
    expect(during[0]!.length).toBeLessThanOrEqual(40)
    expect(shape(await pane.exited())).toEqual([
      '62 tasks done in Ns (N tasks/s)',
      '1770',
      '[exit 0]',
    ])
    expect(shape(await pane.scrollback())).toHaveLength(3)
  })

  it('with TERM=dumb, writes no escape sequences: only the summary line, at the end', async () => {
    const pane = await startRun(40, ['--executor', 'threads', '--workers', '2'], {
      BUSY_TASKS: '30',
      TERM: 'dumb',
    })
    expect(shape(await pane.exited())).toEqual([
      '32 tasks done in Ns (N tasks/s)',
      '435',
      '[exit 0]',
    ])
    expect(visible(displayIn(await pane.output()))).not.toMatch(/␛/)
  })

  it('is coloured, unless NO_COLOR is set', async () => {
    const [coloured, plain] = await Promise.all([
      startRun(60, ['--executor', 'threads', '--workers', '2'], { BUSY_TASKS: '30' }),
      startRun(60, ['--executor', 'threads', '--workers', '2'], {
        BUSY_TASKS: '30',
        NO_COLOR: '1',
      }),
    ])
    await Promise.all([coloured.exited(), plain.exited()])
    expect(visible(displayIn(await coloured.output()))).toMatch(/\[␛\[32m#+␛\[39m/)
    expect(visible(displayIn(await plain.output()))).not.toMatch(/␛\[\d+m/)
  })
})
