// Module resolution hooks for workflow files: registered with `module.register`, they run
// in Node's loader thread; with `module.registerHooks`, in the importing thread. A
// workflow outside any project that has taskgraph installed (e.g. /tmp/flow.ts) still
// imports 'taskgraph': failed lookups of taskgraph's own packages fall back to the copy
// running this command. Every TypeScript module written as an ES module (it imports or
// exports) outside node_modules loads as one, whatever the "type" of its package: the
// workflow file, a module of a cluster worker's project, a helper. One written as
// CommonJS (require, module.exports) loads as CommonJS.
import { readFileSync } from 'node:fs'
import { initSync, parse } from 'es-module-lexer'

interface ResolveContext {
  parentURL?: string
  conditions: readonly string[]
}
interface ResolveResult {
  url: string
  format?: string | null
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<ResolveResult>

/**
 * What `register` passes in: a module of the CLI to resolve from, the workflow's URL, and
 * a cluster worker's project root (a directory URL ending in `/`), or `''`.
 */
export interface WorkflowHooksData {
  readonly cliURL: string
  readonly workflowURL: string
  readonly projectURL: string
}

let cliURL: string | undefined
let workflowURL: string | undefined
let projectURL: string | undefined

export function initialize(data: WorkflowHooksData): void {
  cliURL = data.cliURL
  workflowURL = data.workflowURL
  projectURL = data.projectURL
}

/** taskgraph's packages a workflow may import, which the running CLI has. */
export const OWN_PACKAGES = /^(taskgraph|@taskgraph\/(core|scheduler))(\/|$)/

/**
 * The resolve hook for `module.register` (Node's loader thread): on Node 20, and for tsx.
 */
export async function resolve(
  specifier: string,
  context: ResolveContext,
  next: NextResolve,
): Promise<unknown> {
  let resolved: ResolveResult
  try {
    resolved = await next(specifier, context)
  } catch (error) {
    if (!ownPackage(specifier, error)) throw error
    return next(specifier, { ...context, parentURL: cliURL })
  }
  const module = asModule(resolved)
  if (module !== resolved || resolved.format === 'module') return module
  const file = typeScriptFile(resolved.url)
  return file !== undefined && writtenAsModule(file)
    ? { ...resolved, url: file, format: 'module' }
    : resolved
}

/**
 * The same hook, synchronous, for `module.registerHooks` (Node 22.15+, 23.5+): it runs in
 * the importing thread, with no loader thread to start or wait on. The workflow is an ES
 * module for type stripping too: Node would otherwise try it as CommonJS first, in a
 * package without "type", or only as CommonJS, in a "type": "commonjs" one.
 */
export function resolveInThread(
  specifier: string,
  context: ResolveContext,
  next: (specifier: string, context: ResolveContext) => ResolveResult,
): ResolveResult {
  let resolved: ResolveResult
  try {
    resolved = next(specifier, context)
  } catch (error) {
    if (!ownPackage(specifier, error)) throw error
    return next(specifier, { ...context, parentURL: cliURL })
  }
  const module = asModule(resolved, 'module-typescript')
  if (module !== resolved || typeof resolved.format === 'string') return module
  // A TypeScript file of a package without "type" has no format yet: Node would parse it
  // to tell, and warn (MODULE_TYPELESS_PACKAGE_JSON) in every thread that loads it.
  return resolved.url.endsWith('.ts') && writtenAsModule(resolved.url)
    ? { ...resolved, format: 'module-typescript' }
    : resolved
}

interface LoadResult {
  format?: string | null
  source?: string | Uint8Array | null
}

/** A line that starts with `import` or `export`: for what the lexer cannot read. */
const ES_MODULE_SYNTAX = /^[ \t]*(import|export)\b/m

let lexerReady = false

/**
 * Whether TypeScript `source` imports or exports as an ES module does (`import ... from`,
 * `export`, `import.meta`): told by a lexer of JavaScript, which also reads types, so a
 * line of a template literal or a comment that starts with `export`, or an `import()`
 * (which CommonJS has too), does not make a CommonJS file one. Its WebAssembly is
 * compiled at the first TypeScript file (a few milliseconds), not at every command's
 * start. What it cannot read (TypeScript's `import x = require(...)`) is decided by
 * whether a line starts with `import` or `export`, as Node has no loader for it either.
 */
function hasModuleSyntax(source: string): boolean {
  if (!lexerReady) {
    initSync()
    lexerReady = true
  }
  try {
    return parse(source)[3]
  } catch {
    return ES_MODULE_SYNTAX.test(source)
  }
}

/**
 * The load hook for `module.registerHooks`. A TypeScript module of a "type": "commonjs"
 * package (as `npm init` makes) that imports and exports as ES modules do loads as one:
 * tsx compiles such a file to CommonJS, but type stripping would run it as CommonJS
 * unchanged, which fails. Modules under node_modules are left as their package says.
 */
export function loadInThread(
  url: string,
  context: object,
  next: (url: string, context: object) => LoadResult,
): LoadResult {
  const loaded = next(url, context)
  if (
    loaded.format !== 'commonjs-typescript' ||
    url.includes('/node_modules/') ||
    loaded.source === undefined ||
    loaded.source === null
  ) {
    return loaded
  }
  const source =
    typeof loaded.source === 'string' ? loaded.source : new TextDecoder().decode(loaded.source)
  return hasModuleSyntax(source) ? { ...loaded, format: 'module-typescript' } : loaded
}

// A TypeScript file's URL, bare or as tsx resolves one of a CommonJS package (its own
// markers after it: `steps.ts%3Ftsx-commonjs-export-preparse=1?tsx-…`).
const TYPESCRIPT_FILE = /^(file:[^?]*?\.ts)(?:$|(?:\?|%3F)tsx-)/

/** The URL of the TypeScript file `url` loads, without tsx's markers; else `undefined`. */
function typeScriptFile(url: string): string | undefined {
  return TYPESCRIPT_FILE.exec(url)?.[1]
}

const writtenAsModules = new Map<string, boolean>()

/**
 * Whether the TypeScript file at `url`, outside node_modules, imports or exports as ES
 * modules do: it loads as one, as `loadInThread` has it where Node strips types, whatever
 * the "type" of its package. tsx would otherwise compile it to CommonJS when its package
 * is "type": "commonjs" (as `npm init` makes), and run it from a `data:` URL, where its
 * `import 'taskgraph'` could not fall back to the copy running the command.
 */
function writtenAsModule(url: string): boolean {
  if (url.includes('/node_modules/')) return false
  let known = writtenAsModules.get(url)
  if (known === undefined) {
    try {
      known = hasModuleSyntax(readFileSync(new URL(url), 'utf8'))
    } catch {
      // Not readable: left to the loaders, which report it.
      known = false
    }
    writtenAsModules.set(url, known)
  }
  return known
}

/** Whether a failed lookup is one of taskgraph's packages, which the running CLI has. */
function ownPackage(specifier: string, error: unknown): boolean {
  return (
    cliURL !== undefined &&
    OWN_PACKAGES.test(specifier) &&
    (error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND'
  )
}

/**
 * The workflow file, written as an ES module, is one whatever the "type" of its package:
 * tsx would compile a .ts file outside a "type": "module" package to CommonJS, which
 * Node then reloads untransformed, so it fails to load. A cluster worker imports
 * whichever module of its project a job names, the workflow files among them. Compared
 * without the query: a workflow imported again under tsx has one (typescript-loader.ts).
 * One written as CommonJS is left as its package says, and loads as CommonJS.
 */
function asModule(
  resolved: ResolveResult,
  format: 'module' | 'module-typescript' = 'module',
): ResolveResult {
  if (!resolved.url.endsWith('.ts') && !/\.ts\?/.test(resolved.url)) return resolved
  const url = withoutQuery(resolved.url)
  if (
    ((workflowURL !== undefined && url === withoutQuery(workflowURL)) || inProject(url)) &&
    writtenAsModule(url)
  ) {
    return { ...resolved, format }
  }
  return resolved
}

function withoutQuery(url: string): string {
  const at = url.indexOf('?')
  return at === -1 ? url : url.slice(0, at)
}

/** Whether `url` is a module of the cluster worker's own project (not of its dependencies). */
function inProject(url: string): boolean {
  return (
    projectURL !== undefined &&
    projectURL !== '' &&
    url.startsWith(projectURL) &&
    !url.slice(projectURL.length).split('/').includes('node_modules')
  )
}
