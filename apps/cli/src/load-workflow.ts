import { spawnSync } from 'node:child_process'
import { stat } from 'node:fs/promises'
import { extname, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  CycleError,
  KeyClashError,
  MissingKeyError,
  isDelayedFunction,
  registerTaskModule,
} from '@taskgraph/core'
import {
  containsDelayed,
  describeValue,
  isFutureBranded,
  isThenable,
  uncallableKind,
} from '@taskgraph/core/internal'
import { WorkflowError } from './cli-errors.js'
import { userLocation } from './failure-report.js'
import {
  nodeStripsTypes,
  tsxRegistered,
  type ImportedModule,
  type TypeScriptLoader,
} from '@taskgraph/scheduler/internal'
import { watchLooseFailures, type LooseFailure } from './loose-failures.js'
import { dropEchoOf } from './rejection-echo.js'
import { importWorkflow, prepareForWorkflow } from './workflow-loading.js'

// A .cjs workflow's `require('taskgraph')` finds the CLI's copy (fallBackInRequire in
// workflow-loading.ts). Not .cts: tsx and type stripping disagree on what it may contain.
const JS_EXTENSIONS = new Set(['.js', '.mjs', '.cjs'])
const TS_EXTENSIONS = new Set(['.ts', '.mts'])

/** A loaded workflow: its file and the graph its default export stands for. */
export interface Workflow {
  readonly path: string
  /**
   * The file's URL, as modules import it; with a query when it loaded under tsx after
   * type stripping could not run it (typescript-loader.ts in the scheduler).
   */
  readonly url: string
  /** What ran its TypeScript: Node's type stripping, or tsx (and `'node'` for JavaScript). */
  readonly loader: TypeScriptLoader
  /** The path as messages show it. */
  readonly shown: string
  /** The default export (or what the exported function returned): holds `Delayed` values. */
  readonly targets: unknown
}

/**
 * Imports a workflow file and returns the graph its default export stands for: a
 * `Delayed`, an array or object of them, or a (sync or async) function returning one.
 * TypeScript files load with Node's type stripping where Node has it (22.18+, 23.6+, 24),
 * else, and for what stripping cannot run, with tsx: users need no build step.
 * @throws {WorkflowError} with a one-line reason when the file cannot be used
 */
export async function loadWorkflow(file: string, cwd = process.cwd()): Promise<Workflow> {
  const path = resolve(cwd, file)
  // Messages name the file as the user wrote it.
  const shown = file
  // An empty path resolves to the working directory: say what was given instead.
  const info = file === '' ? undefined : await stat(path).catch(() => undefined)
  if (info === undefined || !info.isFile()) {
    throw new WorkflowError({
      code: 'ERR_WORKFLOW_NOT_FOUND',
      message:
        file === ''
          ? `the workflow file is an empty path; give the path of a workflow module, such as flow.ts`
          : info === undefined
            ? `workflow file not found: ${shown}`
            : `workflow path ${shown} is ${info.isDirectory() ? 'a directory, not a file' : 'not a regular file'}; give the path of a workflow module (.ts, .mts, .js, .mjs or .cjs)`,
    })
  }
  const extension = extname(path)
  if (!JS_EXTENSIONS.has(extension) && !TS_EXTENSIONS.has(extension)) {
    throw new WorkflowError({
      code: 'ERR_WORKFLOW_UNSUPPORTED',
      message: `workflow file ${shown} has extension "${extension}"; use a .ts, .mts, .js, .mjs or .cjs module`,
    })
  }
  // Refused before tsx runs it as JavaScript; Node's type stripping loads it.
  if (
    TS_EXTENSIONS.has(extension) &&
    tsxCannotLoad(path) &&
    (!nodeStripsTypes() || tsxRegistered())
  ) {
    throw queryInPath(shown, path)
  }
  await prepareForWorkflow(pathToFileURL(path).href)
  const loose = watchLooseFailures()
  try {
    const workflow = await unlessStalled(importAndRead(path, shown), shown)
    const failure = await loose.first()
    if (failure !== undefined) throw looseFailure(failure, shown, 'loading')
    return workflow
  } finally {
    loose.stop()
  }
}

/**
 * `loading`, or a `WorkflowError` once the event loop empties with it still pending: the
 * workflow's top-level code, or its default export's function, awaits a promise nothing
 * is left to settle. Node would end the process with code 13, and no word of why.
 */
function unlessStalled<T>(loading: Promise<T>, shown: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const stalled = (): void =>
      reject(
        new WorkflowError({
          code: 'ERR_WORKFLOW_LOAD',
          message: `workflow ${shown} never finished loading: its top-level code, or the function its default export is, awaits a promise that nothing left to run can settle (no timer, I/O or other work was pending). Resolve or reject that promise, or do not await it.`,
        }),
      )
    process.once('beforeExit', stalled)
    loading.then(resolve, reject).finally(() => process.off('beforeExit', stalled))
  })
}

/** The workflow at `path`, imported, and the graph its default export stands for. */
async function importAndRead(path: string, shown: string): Promise<Workflow> {
  let imported: ImportedModule
  try {
    imported = await importWorkflow(pathToFileURL(path).href)
  } catch (error) {
    dropEchoOf(error)
    // Type stripping could not run it (an enum, say), and tsx, which it fell back to, cannot.
    if (TS_EXTENSIONS.has(extname(path)) && tsxCannotLoad(path) && tsxRegistered()) {
      throw queryInPath(shown, path, error)
    }
    throw new WorkflowError({
      code: 'ERR_WORKFLOW_LOAD',
      message: `could not load workflow ${shown}: ${reason(error, path)}`,
      cause: error,
    })
  }
  const { module, url, loader } = imported
  // Workers find task functions among its exports too: also those its default export
  // submits while it builds the graph (futures), before the run begins.
  registerTaskModule(url)
  if (!('default' in module) || module.default === undefined) throw noDefault(shown)
  if (exportsNothing(module)) throw noDefault(shown, true)
  const value = await readDefault(module.default, shown)
  return { path, url, shown, loader, targets: value }
}

/**
 * Whether tsx cannot load the TypeScript file at `path`: tsx takes a "?" in a file's path
 * for the start of a query, finds no extension before it, and compiles the file as
 * JavaScript, which its types are not. Any spelling of the path or URL is decoded to the
 * same path first (tsx 4.23), so the file must be renamed.
 */
function tsxCannotLoad(path: string): boolean {
  return path.includes('?')
}

function queryInPath(shown: string, path: string, cause?: unknown): WorkflowError {
  return new WorkflowError({
    code: 'ERR_WORKFLOW_UNSUPPORTED',
    message: `workflow file ${shown} has a "?" in its path (${path}), which tsx, the TypeScript loader it needs here, takes for the start of a query: it would compile the file as JavaScript. Rename the file, or its directory, without "?"`,
    ...(cause === undefined ? {} : { cause }),
  })
}

function noDefault(shown: string, empty = false): WorkflowError {
  const what = empty
    ? 'exports nothing but an empty object (what a file without an export statement exports, loaded as CommonJS)'
    : 'has no default export'
  return new WorkflowError({
    code: 'ERR_WORKFLOW_NO_DEFAULT',
    message: `workflow ${shown} ${what}; add \`export default\` with the Delayed value (or a function returning it) to run`,
  })
}

/**
 * Whether a module's namespace holds nothing but an empty default: a file with no
 * `export` (a workflow not written yet, or one whose export was forgotten) that Node or
 * tsx loaded as CommonJS, whose `module.exports` is `{}`.
 */
function exportsNothing(module: Record<string, unknown>): boolean {
  const names = Object.keys(module).filter((name) => name !== 'module.exports')
  const value = module.default
  if (names.length !== 1 || typeof value !== 'object' || value === null) return false
  try {
    return Object.getPrototypeOf(value) === Object.prototype && Reflect.ownKeys(value).length === 0
  } catch {
    // A Proxy whose traps throw: reading the default export tells why.
    return false
  }
}

/**
 * The error for a promise the workflow's code rejected with nothing to handle it, or an
 * error one of its callbacks threw with nothing to catch it: while it loaded, or once its
 * tasks ran (which stopped the run).
 */
export function looseFailure(
  { error, how }: LooseFailure,
  shown: string,
  when: 'loading' | 'running',
): WorkflowError {
  const moment =
    when === 'loading' ? 'while it loaded' : 'while its tasks ran, which stopped the run'
  const message =
    how === 'rejection'
      ? `workflow ${shown} made a promise that rejected with nothing to handle it ${moment}: ${reason(error)}; await it, or attach a .catch() to it`
      : `workflow ${shown} started a callback that threw with nothing to catch it ${moment}: ${reason(error)}; catch errors inside its callbacks (timers, event listeners)`
  return new WorkflowError({ code: 'ERR_WORKFLOW_LOAD', message, cause: error })
}

/**
 * The graph the default export `value` stands for.
 * @throws {WorkflowError} when it holds no graph, when its function throws, and when
 * reading it throws (a getter, a Proxy): the file is what must change, not taskgraph.
 */
async function readDefault(value: unknown, shown: string): Promise<unknown> {
  const threw = (error: unknown, doing: string): WorkflowError =>
    new WorkflowError({
      code: 'ERR_WORKFLOW_LOAD',
      message: `the default export of ${shown} threw ${doing}: ${reason(error)}`,
      cause: error,
    })
  try {
    if (isCompiledExports(value)) {
      value = value.default
      if (value === undefined) throw noDefault(shown)
    }
    if (isDelayedFunction(value)) {
      throw new WorkflowError({
        code: 'ERR_WORKFLOW_BAD_EXPORT',
        message: `workflow ${shown} default-exports the delayed function ${value.name}; export a call of it instead, e.g. \`export default ${value.name}(...)\``,
      })
    }
    if (typeof value === 'function') {
      const kind = uncallableKind(value)
      if (kind !== undefined) {
        throw new WorkflowError({
          code: 'ERR_WORKFLOW_BAD_EXPORT',
          message: `workflow ${shown} default-exports ${kind} (${value.name || 'anonymous'}), which does not return the graph when called; export the graph, or a function (sync or async) returning it`,
        })
      }
      const build = value as () => unknown
      try {
        value = await build()
      } catch (error) {
        // Its parameters may be why: they are all undefined.
        const count = build.length
        const called =
          count === 0
            ? 'while building the graph'
            : `while building the graph, called with no arguments as it always is, though it declares ${count} parameter${count === 1 ? '' : 's'} (give them defaults)`
        throw threw(error, called)
      }
    } else if (isFutureBranded(value)) {
      // A thenable too, but `export default await ...` gives a value, not a graph.
      throw new WorkflowError({
        code: 'ERR_WORKFLOW_BAD_EXPORT',
        message: `workflow ${shown} default-exports a Future (from submit), which is work already started, not a graph to run; export the work as a delayed call instead (\`export default task(...)\`), passing \`await future\` where it needs a future's result`,
      })
    } else if (isThenable(value)) {
      throw await promiseExported(value, shown)
    }
    if (!containsDelayed(value)) {
      throw new WorkflowError({
        code: 'ERR_WORKFLOW_BAD_EXPORT',
        message: `workflow ${shown}: the default export must be a Delayed, an array or object holding Delayed values, or a function returning one; got ${describeValue(value)}`,
      })
    }
    return value
  } catch (error) {
    if (error instanceof WorkflowError) throw error
    // A getter or a Proxy trap of the export, met while looking for its Delayed values.
    throw threw(error, 'while it was read (a getter or a Proxy of it)')
  }
}

/**
 * Whether `value`, a default export, is the `exports` of a CommonJS module marked
 * `__esModule`: one compiled from an ES module (by TypeScript, Babel, esbuild), whose
 * default export is `exports.default`. Node's import gives a CommonJS module's whole
 * `module.exports` as its default export; without the mark, an object with a `default`
 * key is that object, as Node gives it.
 */
function isCompiledExports(value: unknown): value is { readonly default?: unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.hasOwn(value, '__esModule') &&
    Boolean((value as { __esModule?: unknown }).__esModule)
  )
}

/**
 * The error for a default export that is a promise, which is not awaited: taskgraph
 * takes the graph or a function returning it. One that has already rejected says why,
 * as that is most likely what the user needs to fix; a pending one is not waited for.
 */
async function promiseExported(
  promise: PromiseLike<unknown>,
  shown: string,
): Promise<WorkflowError> {
  const pending = Symbol('pending')
  // A settled promise wins the race: its reactions are queued before the marker's.
  const settled = await Promise.race([Promise.resolve(promise), Promise.resolve(pending)]).then(
    () => undefined,
    (error: unknown) => ({ error }),
  )
  const fix = `write \`export default await ...\` or export an async function returning the graph`
  return new WorkflowError({
    code: 'ERR_WORKFLOW_BAD_EXPORT',
    message:
      settled === undefined
        ? `workflow ${shown} default-exports a promise, which taskgraph does not await; ${fix}`
        : `workflow ${shown} default-exports a promise, which taskgraph does not await, and it rejected: ${reason(settled.error)}; ${fix}`,
    ...(settled === undefined ? {} : { cause: settled.error }),
  })
}

/**
 * An error met while collecting the workflow's graph (two tasks with one key, a loop) as
 * a `WorkflowError` naming the file, which is what must change; other errors as they are.
 */
export function inWorkflow(workflow: Workflow, error: unknown): unknown {
  if (
    error instanceof KeyClashError ||
    error instanceof CycleError ||
    error instanceof MissingKeyError
  ) {
    return new WorkflowError({
      code: 'ERR_WORKFLOW_BAD_EXPORT',
      message: `workflow ${workflow.shown}: ${error.message}`,
      cause: error,
    })
  }
  return error
}

function reason(error: unknown, path?: string): string {
  if (!(error instanceof Error)) return String(error)
  // esbuild (through tsx) puts the error itself on the line after "Transform failed with 1 error:".
  const [first = '', second] = error.message.split('\n')
  const message = first.endsWith(':') && second !== undefined ? `${first} ${second}` : first
  // Where the workflow's own code threw, as a failed task's stack would show it.
  const location = userLocation(error)
  // One no code threw (`JSON.parse` does) is the parser's: code that does not parse.
  if (error instanceof SyntaxError && location === undefined) {
    const where = path === undefined ? undefined : syntaxErrorPlace(path)
    return where === undefined
      ? `${error.name}: ${message}`
      : `${error.name}: ${message} (${where})`
  }
  return location === undefined
    ? `${error.name}: ${message}`
    : `${error.name}: ${message} (at ${location})`
}

/**
 * Where the JavaScript syntax error met loading the workflow at `path` is: `line N` of
 * the workflow, or in a module it imports (the workflow parses). Node 20 does not say
 * where the syntax error of an imported ES module is, but `node --check` does for the
 * file it checks; this runs only on failure, and only for JavaScript (tsx names the
 * line of TypeScript in its message).
 */
function syntaxErrorPlace(path: string): string | undefined {
  if (!/\.[cm]?js$/.test(path)) return undefined
  const check = spawnSync(process.execPath, ['--check', path], {
    encoding: 'utf8',
    timeout: 10_000,
  })
  if (check.status === 0) return 'in a module it imports'
  // `node --check` names the file and line first: `/path/flow.mjs:3`.
  const [first = ''] = (check.stderr ?? '').split('\n')
  const line = first.startsWith(`${path}:`) ? Number(first.slice(path.length + 1)) : NaN
  return Number.isInteger(line) ? `line ${line}` : undefined
}
