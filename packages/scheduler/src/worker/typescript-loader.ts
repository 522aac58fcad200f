// How a thread imports TypeScript: with Node's own type stripping where this Node has it
// (22.18+, 23.6+, 24: `process.features.typescript`), else with tsx. Shared by pool
// workers (import-module.ts) and the CLI, which loads workflows on its main thread and in
// the preload of its pools' workers.
//
// Type stripping loads a module without tsx's loader thread, esbuild, or a round trip to
// that thread for every later import: some 60-120 ms less for a process or worker to
// start. It cannot run every TypeScript file tsx can: enums, namespaces and parameter
// properties (ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX), imports that name a `.ts` file without
// its extension or with `.js`, path aliases (ERR_MODULE_NOT_FOUND), `.ts` files under
// node_modules, `.ts` files of a CommonJS package, JSON imported without `with { type:
// 'json' }` (ERR_IMPORT_ATTRIBUTE_MISSING), types imported without `type` (a link
// error: stripping keeps the import, which then names no export), decorators
// (stripping leaves them, V8 cannot parse them). A module imported statically fails so
// before any code runs, and is imported again under tsx, once tsx is registered for the
// rest of the thread; one imported by code as it runs is not, as that code would run
// twice (see `watchEvaluation`).

import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { isMainThread } from 'node:worker_threads'

/** Set once tsx is registered in this thread, by whichever copy of taskgraph did it. */
const TSX_REGISTERED = Symbol.for('taskgraph.typescriptLoader')

/**
 * The query parameter that marks a module imported again under tsx. Node keeps a failed
 * import as it failed (Node 22 even for load errors), so the retry needs another URL; the
 * functions the module makes are found again under that URL, which workers import
 * under tsx straight away.
 */
const RETRY_PARAMETER = 'taskgraph-loader'

/** Which loader runs TypeScript in this thread. */
export type TypeScriptLoader = 'node' | 'tsx'

/** `TASKGRAPH_TYPESCRIPT=tsx` has every TypeScript module load with tsx, as on Node 20. */
export const TYPESCRIPT_LOADER_VARIABLE = 'TASKGRAPH_TYPESCRIPT'

/** Whether this Node strips TypeScript types itself, and the user has not asked for tsx. */
export function nodeStripsTypes(): boolean {
  // Spaces around it ignored, as around every TASKGRAPH_* value.
  if (process.env[TYPESCRIPT_LOADER_VARIABLE]?.trim() === 'tsx') return false
  const features = process.features as { typescript?: string | false }
  return typeof features.typescript === 'string'
}

/**
 * Whether tsx is registered in this thread: by taskgraph, or on the command line of a
 * process (`node --import tsx`), whose main thread has it.
 */
export function tsxRegistered(): boolean {
  return (
    (globalThis as Record<symbol, unknown>)[TSX_REGISTERED] === true ||
    (isMainThread && process.execArgv.some((arg) => /^(--(import|loader)=)?tsx(\/esm)?$/.test(arg)))
  )
}

let registering: Promise<void> | undefined
const afterTsx: (() => void)[] = []

/**
 * Has `listener` called once tsx is registered in this thread (at once if it is): hooks
 * of one's own registered after tsx's run before them, and see what tsx resolves.
 */
export function onTsxRegistered(listener: () => void): void {
  if (tsxRegistered()) listener()
  else afterTsx.push(listener)
}

/**
 * Registers tsx in this thread, once. Once its hooks are in place every import waits on
 * Node's loader thread, so what can load without them loads first: tsx itself, and
 * `loadFirst` (taskgraph's packages, which task modules import and then find in the
 * module cache).
 */
export function registerTsx(loadFirst: readonly string[] = []): Promise<void> {
  registering ??= Promise.all([
    import('tsx/esm/api'),
    import('tsx/cjs/api'),
    ...loadFirst.map((url) => import(url)),
  ]).then(([{ register }, cjs]) => {
    if (tsxRegistered()) return
    // A TypeScript module written as CommonJS that is imported, not required (a
    // workflow file), is run by Node's CommonJS loader, which only tsx's require
    // hooks teach TypeScript.
    cjs.register()
    register()
    ;(globalThis as Record<symbol, unknown>)[TSX_REGISTERED] = true
    for (const listener of afterTsx.splice(0)) listener()
  })
  return registering
}

/** Whether `url` names a TypeScript module by its extension. */
export function isTypeScript(url: string): boolean {
  return /\.[cm]?ts$/.test(new URL(url).pathname)
}

/** A module imported, with the URL it was imported by and the loader that ran it. */
export interface ImportedModule {
  readonly module: Record<string, unknown>
  /** `url`, or the URL it was imported again by under tsx. */
  readonly url: string
  readonly loader: TypeScriptLoader
}

export interface ImportTypeScriptOptions {
  /** Modules to load before tsx's hooks, when tsx is registered. */
  readonly loadFirst?: readonly string[]
}

/**
 * Imports the TypeScript module at `url`: with type stripping where Node has it, falling
 * back to tsx for a module that stripping cannot run; with tsx elsewhere.
 */
export async function importTypeScript(
  url: string,
  options: ImportTypeScriptOptions = {},
): Promise<ImportedModule> {
  const marked = new URL(url).searchParams.has(RETRY_PARAMETER)
  if (!nodeStripsTypes() || tsxRegistered() || marked) {
    await registerTsx(options.loadFirst)
    return { module: (await import(url)) as Record<string, unknown>, url, loader: 'tsx' }
  }
  const evaluation = watchEvaluation()
  try {
    return { module: (await import(url)) as Record<string, unknown>, url, loader: 'node' }
  } catch (error) {
    if (!strippingCannotLoad(error)) throw error
    // Imported again, the code that ran would run twice (a workflow's top-level code).
    // Node throws the same error for each import of the module again, without running
    // any of its code: known by that error, not seen to begin again.
    if (afterCodeRan.has(error as object) || evaluation.began(error)) {
      if (error instanceof Error && !afterCodeRan.has(error)) error.message += AFTER_CODE_RAN
      afterCodeRan.add(error as object)
      throw error
    }
    await registerTsx(options.loadFirst)
    const retry = new URL(url)
    retry.searchParams.set(RETRY_PARAMETER, 'tsx')
    return {
      module: (await import(retry.href)) as Record<string, unknown>,
      url: retry.href,
      loader: 'tsx',
    }
  } finally {
    evaluation.stop()
  }
}

/** Errors of imports that failed after the module's code began to run. */
const afterCodeRan = new WeakSet<object>()

const AFTER_CODE_RAN = `; the module's code had begun to run (an import made by its code failed), so it is not imported again with tsx, which would run that code twice: if type stripping is why (an enum, an import without its .ts extension), set ${TYPESCRIPT_LOADER_VARIABLE}=tsx to load every TypeScript module with tsx`

// Node's channel of dynamic imports (on every Node that strips types): each `import()`.
const IMPORT_STARTS = 'tracing:module.import:start'

/**
 * Watches an import for signs that the code of the modules it loads began to run: a
 * dynamic import made by a module other than this one, or a frame of that code in the
 * stack of the error it failed with. A parse or link error (a syntax stripping leaves,
 * a missing file among the static imports) comes before any code runs; an error from
 * a dynamic import, or thrown by the code itself, after.
 */
function watchEvaluation(): { began(error: unknown): boolean; stop(): void } {
  let imported = false
  const started = (message: unknown): void => {
    if ((message as { parentURL?: unknown } | null)?.parentURL !== import.meta.url) imported = true
  }
  subscribe(IMPORT_STARTS, started)
  return {
    began: (error) => imported || codeFrame(error),
    stop: () => unsubscribe(IMPORT_STARTS, started),
  }
}

/**
 * Whether `error` was thrown by code that is not Node's own: the first frame of its stack
 * that has a place in a file (not `JSON.parse`'s) is not in Node's modules. A failed
 * lookup or parse is thrown by Node's loader, whatever hooks (taskgraph's own, which
 * resolve 'taskgraph' for a workflow) are further down its stack.
 */
function codeFrame(error: unknown): boolean {
  const stack = error instanceof Error ? (error.stack ?? '') : ''
  for (const line of stack.split('\n')) {
    const frame = /^\s+at (?!async )(?:.*\()?(.*?)\)?$/.exec(line)?.[1]
    if (frame !== undefined && /:\d+:\d+$/.test(frame)) return !frame.startsWith('node:')
  }
  return false
}

const TSX_RUNS = new Set([
  'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX',
  // What stripping's parser rejects, tsx may run or describe with its line and column.
  'ERR_INVALID_TYPESCRIPT_SYNTAX',
  'ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING',
  'ERR_MODULE_NOT_FOUND',
  'ERR_UNSUPPORTED_DIR_IMPORT',
  'ERR_UNKNOWN_FILE_EXTENSION',
  'ERR_REQUIRE_ESM',
  // `import data from './data.json'`, as tsc's `resolveJsonModule` allows: Node's ES
  // modules want `with { type: 'json' }`, tsx does not.
  'ERR_IMPORT_ATTRIBUTE_MISSING',
])

/**
 * Whether an import failed in a way tsx may not: a TypeScript feature or a lookup that
 * stripping does not do, JSON imported without its attribute, a type imported without
 * `type` (stripping keeps the import), or ES module syntax in a CommonJS package's
 * TypeScript (tsx compiles it). tsx then loads the module, or fails with its own account
 * of what is wrong.
 */
function strippingCannotLoad(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string') return TSX_RUNS.has(code)
  // What stripping leaves for V8 to parse: decorators, `accessor` fields.
  if (error instanceof SyntaxError && !codeFrame(error)) return true
  if (!(error instanceof SyntaxError || error instanceof ReferenceError)) return false
  return /does not provide an export named|Cannot use import statement outside a module|exports is not defined|require is not defined in ES module scope/.test(
    error.message,
  )
}
