import { TaskgraphError } from '@taskgraph/core'
import { AggregateTaskError, CancelledError, TaskError } from '@taskgraph/scheduler'
import { fileURLToPath } from 'node:url'
import { inspect } from 'node:util'
import { StopSignal, cancelledLine } from './stop-signals.js'

/** How a failure is reported. */
export interface ReportOptions {
  /** Show stacks whole, taskgraph's and Node's own frames included (`--verbose`). */
  readonly verbose: boolean
}

/**
 * The stderr report of a failure: `taskgraph: error: <class>: <message>`, then, for a
 * task failure, the stack of the task's error. A usage error is its reason alone.
 */
export function describeFailure(error: unknown, options: ReportOptions): string {
  if (error instanceof CancelledError) {
    const reason =
      error.cause instanceof StopSignal ? `stopped by ${error.cause.signal}` : error.message
    return cancelledLine(reason)
  }
  if (error instanceof TaskError)
    return errorLine(`${error.name}: ${clip(error.message)}`) + stackOf(error.cause, options)
  if (error instanceof AggregateTaskError) {
    const count = error.errors.length
    return (
      errorLine(`${error.name}: ${count} task${count === 1 ? '' : 's'} failed`) +
      error.errors
        .map((e) => `- ${e.name}: ${clip(e.message)}\n${stackOf(e.cause, options)}`)
        .join('')
    )
  }
  // taskgraph's own failure on a cluster worker (ClusterInternalError, of a package that
  // may not be installed): its bug report needs the worker's stack, whole.
  if (error instanceof TaskgraphError && error.code === 'ERR_CLUSTER_INTERNAL') {
    return (
      errorLine(`${error.name}: ${clip(error.message)}`) + stackOf(error.cause, { verbose: true })
    )
  }
  // A workflow file that threw while it loaded: the stack says where, when asked for.
  if (error instanceof TaskgraphError && options.verbose && isWorkflowLoadFailure(error))
    return errorLine(`${error.name}: ${clip(error.message)}`) + stackOf(error.cause, options)
  if (error instanceof TaskgraphError) return errorLine(`${error.name}: ${clip(error.message)}`)
  return `taskgraph: internal error: ${causeText(error)}\n`
}

/**
 * The most characters of one error's message a report shows. A task may throw a message
 * of hundreds of megabytes (a dump of its input): shown whole, with the stack that
 * repeats it, it floods the terminal, and past Node's longest string the report itself
 * failed.
 */
const MAX_SHOWN = 65_536

/** `text`, cut to its first `MAX_SHOWN` characters, saying how many more there were. */
function clip(text: string): string {
  if (text.length <= MAX_SHOWN) return text
  return `${text.slice(0, MAX_SHOWN)}… (${text.length - MAX_SHOWN} more characters not shown)`
}

/** The line every error report starts with; commander's usage errors get it too (program.ts). */
export function errorLine(text: string): string {
  return `taskgraph: error: ${text.replace(/^error: /, '').trimEnd()}\n`
}

function stackOf(cause: unknown, options: ReportOptions): string {
  // Timeouts and data that cannot be copied have nothing underneath to show.
  if (cause === undefined) return ''
  const text = causeText(cause)
  // Indented line by line at newlines only: /^/m also starts a line after a CR, U+2028 or
  // U+2029, which a message may hold and a terminal does not break the line at.
  const lines = (options.verbose ? text : userFrames(text)).split('\n')
  return `${lines.map((line) => `    ${line}`).join('\n')}\n`
}

/**
 * What a task threw, as text: its stack, or what it shows of itself. Its own code may
 * throw as it is read (a `message` getter that throws, which formatting the stack calls):
 * the report then says so, rather than the command failing as it writes it.
 */
function causeText(cause: unknown): string {
  try {
    if (!(cause instanceof Error)) return clip(inspect(cause))
    const stack = cause.stack ?? `${cause.name}: ${cause.message}`
    // The stack starts with the message (as the error was made, or as a worker sent it
    // back): that part is cut, the frames after it are shown whole.
    const frames = stack.search(/\n\s+at /)
    return frames === -1 ? clip(stack) : `${clip(stack.slice(0, frames))}${stack.slice(frames)}`
  } catch (error) {
    let why: string
    try {
      why = error instanceof Error ? error.message : String(error)
    } catch {
      why = 'an error that cannot be read either'
    }
    return `(what the task threw could not be shown: reading it threw ${why})`
  }
}

// Where taskgraph's own code is: each package's build and, through source maps, its
// sources. The cluster package may not be installed.
const OWN_CODE = [
  new URL('../', import.meta.url).href,
  ...['core', 'scheduler', 'patterns', 'observe', 'cache', 'cluster'].flatMap((name) => {
    try {
      return [import.meta.resolve(`@taskgraph/${name}/package.json`)]
    } catch {
      return []
    }
  }),
].flatMap((packageJson) =>
  ['dist/', 'src/'].flatMap((dir) => {
    const url = new URL(dir, packageJson)
    return [url.href, fileURLToPath(url)]
  }),
)

function isWorkflowLoadFailure(error: TaskgraphError): boolean {
  return error.code === 'ERR_WORKFLOW_LOAD' && error.cause instanceof Error
}

/**
 * Where in the user's own code `error` was thrown (`/home/me/flow.ts:3:9`): the first
 * frame of its stack that is neither taskgraph's, Node's, nor a package's under
 * `node_modules` (a library's throw is shown at the user's call of it), if any.
 */
export function userLocation(error: Error): string | undefined {
  for (const line of (error.stack ?? '').split('\n')) {
    const location = frameLocation(line)
    if (location === undefined || !/:\d+:\d+$/.test(location)) continue
    if (location.startsWith('node:') || location.includes('/node_modules/')) continue
    // Code made from a CommonJS file (tsx's `data:` module): its lines are not the file's.
    if (location.startsWith('data:')) continue
    if (OWN_CODE.some((dir) => location.includes(dir))) continue
    if (!location.startsWith('file://')) return location
    // A module tsx loaded has a query (`?taskgraph-loader=tsx`): the path is what helps.
    const [, url = '', position = ''] = /^(.*)(:\d+:\d+)$/.exec(location) ?? []
    const file = new URL(url)
    file.search = ''
    return `${fileURLToPath(file)}${position}`
  }
  return undefined
}

/** Where a line of a stack points (`file:///a.js:1:2`, `node:internal/...`, `<anonymous>`), if it is a frame. */
function frameLocation(line: string): string | undefined {
  const frame = /^\s+at (?:async )?(.*)$/.exec(line)?.[1]
  if (frame === undefined) return undefined
  return /\((.*)\)$/.exec(frame)?.[1] ?? frame
}

/**
 * `stack` without the frames of taskgraph and of Node's own modules, and one line saying
 * how many were left out. A frame with no file of its own (`Array.forEach`,
 * `Promise.all`) goes with the frame that called it, the one below.
 */
function userFrames(stack: string): string {
  const lines = stack.split('\n')
  const kept: string[] = []
  let hidden = 0
  let callerShown = false
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] ?? ''
    const location = frameLocation(line)
    let shown = true
    if (location !== undefined) {
      if (location.startsWith('node:') || OWN_CODE.some((dir) => location.includes(dir)))
        shown = false
      else if (!/:\d+:\d+$/.test(location)) shown = callerShown
      callerShown = shown
    }
    if (shown) kept.push(line)
    else hidden++
  }
  kept.reverse()
  if (hidden > 0) {
    kept.push(
      `    (${hidden} frame${hidden === 1 ? '' : 's'} of taskgraph and Node.js hidden; --verbose shows them)`,
    )
  }
  return kept.join('\n')
}
