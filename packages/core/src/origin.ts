import { pathToFileURL } from 'node:url'
import type { AnyFunction } from './types.js'

/**
 * Where a task function can be found again by a worker: importing the module at `url`
 * re-runs its top-level code, which makes the function again. Among the functions that
 * module's evaluation gave `delayed`, it is the `occurrence`-th with this name.
 *
 * Functions are matched by name and order, not by source text: module runners (vitest's,
 * coverage tools) rewrite a module's code on one side and not the other.
 */
export interface FunctionOrigin {
  /** URL of the module whose evaluation made the function. */
  readonly url: string
  readonly name: string
  readonly occurrence: number
}

interface Recorded {
  readonly fn: AnyFunction
  readonly name: string
}

interface Registry {
  /** `null`: the function was first seen outside any module's evaluation. */
  readonly origins: WeakMap<AnyFunction, FunctionOrigin | null>
  /** Functions each module's evaluation recorded, in the order it recorded them. */
  readonly byModule: Map<string, Recorded[]>
  /**
   * When each module's evaluation recorded its first function (`Date.now()`): its code,
   * and that of what it imports, is what the files held then. Made by the first copy of
   * taskgraph that knows of it (an older copy's registry has none).
   */
  recordedAt?: Map<string, number>
}

// One registry for every copy of taskgraph in the process (see lazy/brand.ts): a workflow
// whose functions another copy's `delayed` recorded still has them found by the pools.
const REGISTRY = Symbol.for('taskgraph.origins')
const registry: Registry = ((globalThis as { [REGISTRY]?: Registry })[REGISTRY] ??= {
  origins: new WeakMap(),
  byModule: new Map(),
})
const { origins, byModule } = registry
const recordedAt = (registry.recordedAt ??= new Map<string, number>())

/**
 * Records where `fn` comes from, if a module is being evaluated: called by `delayed`
 * and the other calls that take task functions. Only the first sighting of a function
 * counts, so wrapping one function in a loop costs one stack capture.
 */
export function recordOrigin(fn: AnyFunction): void {
  if (origins.has(fn)) return
  const url = evaluatingModule()
  if (url === undefined) {
    origins.set(fn, null)
    return
  }
  const name = fn.name
  let recorded = byModule.get(url)
  if (recorded === undefined) byModule.set(url, (recorded = []))
  if (!recordedAt.has(url)) recordedAt.set(url, Date.now())
  const occurrence = countOf(recorded, name)
  recorded.push({ fn, name })
  origins.set(fn, { url, name, occurrence })
}

/** How many of a module's recorded functions have each name, and how many were counted. */
interface NameCounts {
  seen: number
  readonly byName: Map<string, number>
}

// Kept beside the registry, not in it: another copy of taskgraph sharing the registry
// records into the same lists without counting, so what it added is counted on the next
// look. A module whose top-level code makes functions in a long loop (a service's) would
// otherwise scan its whole list for each new one.
const counts = new WeakMap<Recorded[], NameCounts>()

/** How many functions named `name` `recorded` holds. */
function countOf(recorded: Recorded[], name: string): number {
  let counted = counts.get(recorded)
  if (counted === undefined) counts.set(recorded, (counted = { seen: 0, byName: new Map() }))
  const { byName } = counted
  for (; counted.seen < recorded.length; counted.seen++) {
    const other = recorded[counted.seen]!.name
    byName.set(other, (byName.get(other) ?? 0) + 1)
  }
  return byName.get(name) ?? 0
}

/** Where `fn` was made during a module's evaluation, if it was. */
export function originOf(fn: AnyFunction): FunctionOrigin | undefined {
  return origins.get(fn) ?? undefined
}

/**
 * When the evaluation of the module at `url` recorded its first task function
 * (`Date.now()`), if this process saw it: modules are evaluated once, so a file of its
 * code changed after that is not the code the process runs.
 */
export function moduleRecordedAt(url: string): number | undefined {
  return recordedAt.get(url)
}

/** URLs of the modules whose evaluation recorded task functions (or that were registered). */
export function recordedModules(): string[] {
  return [...byModule.keys()]
}

/**
 * The names of the functions `url`'s evaluation recorded, in order: with the module
 * imported in a worker, the functions it can find again (an origin is its name and its
 * occurrence among these).
 */
export function recordedNames(url: string): string[] {
  return (byModule.get(url) ?? []).map((recorded) => recorded.name)
}

/**
 * Names a module whose exports may hold task functions, though its top-level code made
 * none with `delayed` (e.g. a workflow that wraps its functions inside its default
 * export): pool executors then find exported functions there.
 */
export function registerTaskModule(url: string): void {
  if (!byModule.has(url)) byModule.set(url, [])
}

/**
 * The function `origin` describes, after its module has been imported here; `undefined`
 * when this module's evaluation made no such function (it was made later, elsewhere).
 */
export function findFunction(origin: FunctionOrigin): AnyFunction | undefined {
  let occurrence = 0
  for (const recorded of byModule.get(origin.url) ?? []) {
    if (recorded.name !== origin.name) continue
    if (occurrence++ === origin.occurrence) return recorded.fn
  }
  return undefined
}

type CallSite = NodeJS.CallSite & {
  getEnclosingLineNumber?(): number | null
  getEnclosingColumnNumber?(): number | null
}

/**
 * The URL of the module whose top-level code is running, if any. V8 reports the body of
 * a module as a nameless frame whose enclosing code starts at line 1, column 1; a
 * function called later (from a timer, a promise, the default export) has none below it,
 * or only one it is awaited by.
 * This reads raw V8 call sites, which Node 20 provides.
 */
function evaluatingModule(): string | undefined {
  // Saved to be put back as it was, not called: this is not a method call.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const { prepareStackTrace, stackTraceLimit } = Error
  const holder: { stack?: unknown } = {}
  let sites: unknown
  try {
    Error.stackTraceLimit = 64
    Error.prepareStackTrace = (_error, callSites) => callSites
    Error.captureStackTrace(holder, evaluatingModule)
    // The stack is formatted when first read: read it while our formatter is installed.
    sites = holder.stack
  } finally {
    Error.prepareStackTrace = prepareStackTrace
    Error.stackTraceLimit = stackTraceLimit
  }
  if (!Array.isArray(sites)) return undefined
  for (const site of sites as CallSite[]) {
    // Module runners that wrap a module's code in a function (vitest's) report no column.
    const column = site.getEnclosingColumnNumber?.()
    // A module body reached through an awaiting caller is not being evaluated: its code
    // is done, and this call comes later from something it awaits (`await main()`).
    if (site.isAsync()) continue
    if (
      site.getFunctionName() === null &&
      site.getEnclosingLineNumber?.() === 1 &&
      (column === 1 || column === null)
    ) {
      const file = site.getFileName()
      if (file === undefined || file === null || file.startsWith('node:')) continue
      return moduleURL(file)
    }
  }
  return undefined
}

/** What tsx names a CommonJS module's file by, at the end of the URL it loads it from. */
const TSX_FILE_PATH = '?filePath='

/**
 * The file URL of the module a stack frame names: a URL, a path (CommonJS), or, for a
 * TypeScript module of a CommonJS package that an ES module imports under tsx (Node
 * without type stripping), the `data:` URL tsx evaluates its code from, which ends with
 * the file's path (and tsx's own query, if any). `undefined` for anything else.
 */
function moduleURL(file: string): string | undefined {
  if (file.startsWith('file:')) return file
  if (file.startsWith('/')) return pathToFileURL(file).href
  const at = file.startsWith('data:') ? file.lastIndexOf(TSX_FILE_PATH) : -1
  if (at === -1) return undefined
  let path: string
  try {
    path = decodeURIComponent(file.slice(at + TSX_FILE_PATH.length))
  } catch {
    return undefined
  }
  const query = path.indexOf('?')
  if (query !== -1) path = path.slice(0, query)
  return path.startsWith('/') ? pathToFileURL(path).href : undefined
}
