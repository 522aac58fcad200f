import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

// A terminal a test looks at as a user would: a tmux pane of a given size, read with
// capture-pane (what is on the screen) and pipe-pane (every byte written to it).

const execTmux = promisify(execFile)

export interface PaneOptions {
  readonly columns: number
  /** @default 20 */
  readonly rows?: number
  readonly cwd: string
  /** Variables set in the command's environment, on top of this process's. */
  readonly env?: Record<string, string>
}

/** How long a pane outlives its command if the test never closes it. */
const LINGER_S = 300

const open: Pane[] = []

/** Ends every pane started so far: `afterEach(closePanes)`, or `afterAll` for concurrent tests. */
export async function closePanes(): Promise<void> {
  await Promise.all(open.splice(0).map((pane) => pane.close()))
}

/** Single-quotes `word` for sh. */
function quote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`
}

export class Pane {
  /** The tmux server's pid, once it runs. */
  private server: number | undefined

  private constructor(private readonly dir: string) {}

  /** The server's socket, and the file pipe-pane writes to, in a directory of the pane's own. */
  private get socket(): string {
    return join(this.dir, 'socket')
  }

  private get log(): string {
    return join(this.dir, 'output')
  }

  /**
   * Runs `command` (its words) in a new tmux pane. When the command exits, the pane shows
   * `[exit N]` and stays, so its last screen can be read.
   */
  static async start(command: readonly string[], options: PaneOptions): Promise<Pane> {
    const pane = new Pane(await mkdtemp(join(tmpdir(), 'taskgraph-tmux-')))
    open.push(pane)
    // A test run inside tmux must not reach the user's tmux server.
    const env = { ...process.env }
    delete env.TMUX
    // Given to the command itself: tmux would set TERM in the pane over `-e TERM=...`.
    const settings = Object.entries(options.env ?? {}).map(([name, value]) => `${name}=${value}`)
    const script = [
      // Waits until the test records the output, so that nothing written is missed.
      `tmux -S ${quote(pane.socket)} wait-for go`,
      ['env', ...settings, ...command].map(quote).join(' '),
      `echo "[exit $?]"`,
      `exec sleep ${LINGER_S}`,
    ].join('; ')
    await execTmux(
      'tmux',
      [
        ...['-S', pane.socket, '-f', '/dev/null', 'new-session', '-d'],
        ...['-x', String(options.columns), '-y', String(options.rows ?? 20)],
        ...['-c', options.cwd, script],
      ],
      { env },
    )
    pane.server = Number(await pane.tmux('display-message', '-p', '#{pid}'))
    await pane.tmux('pipe-pane', '-o', `cat >> ${quote(pane.log)}`)
    await pane.tmux('wait-for', '-S', 'go')
    return pane
  }

  private async tmux(...args: string[]): Promise<string> {
    const { stdout } = await execTmux('tmux', ['-S', this.socket, ...args])
    return stdout
  }

  /**
   * The lines on the screen, as the user sees them, trailing blank lines left out. A line
   * the terminal wrapped comes back whole, so a line wider than the pane shows as such.
   */
  async screen(): Promise<string[]> {
    return lines(await this.tmux('capture-pane', '-p', '-J'))
  }

  /** The lines scrolled off the top of the screen, then those on it. */
  async scrollback(): Promise<string[]> {
    return lines(await this.tmux('capture-pane', '-p', '-J', '-S', '-'))
  }

  /** Every byte the command wrote to the terminal so far, escape sequences included. */
  async output(): Promise<string> {
    return readFile(this.log, 'utf8').catch(() => '')
  }

  /** Makes the pane `columns` wide, as when the user resizes the window. */
  async resize(columns: number): Promise<void> {
    await this.tmux('resize-window', '-x', String(columns))
  }

  /** The screen, once `ready(screen)` holds; fails with the screen after `ms`. */
  async waitFor(ready: (screen: string[]) => boolean, ms = 25_000): Promise<string[]> {
    const deadline = Date.now() + ms
    for (;;) {
      const screen = await this.screen()
      if (ready(screen)) return screen
      if (Date.now() > deadline)
        throw new Error(`the screen never became as expected:\n${screen.join('\n')}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  /** The screen once the command has exited. */
  async exited(): Promise<string[]> {
    return this.waitFor((screen) => screen.some((line) => /^\[exit \d+\]$/.test(line)))
  }

  /** Ends the tmux server, the command with it if it still runs, and removes its files. */
  async close(): Promise<void> {
    await this.tmux('kill-server').catch(() => undefined)
    try {
      if (this.server !== undefined) process.kill(this.server)
    } catch (error) {
      // Gone already, as it should be after kill-server.
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
    }
    await rm(this.dir, { recursive: true, force: true })
  }
}

function lines(capture: string): string[] {
  const all = capture.split('\n').map((line) => line.trimEnd())
  while (all.length > 0 && all.at(-1) === '') all.pop()
  return all
}
