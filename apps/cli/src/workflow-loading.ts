import { readFileSync } from 'node:fs'
import module, { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import {
  importTypeScript,
  isTypeScript,
  nodeStripsTypes,
  onTsxRegistered,
  registerTsx,
  tsxRegistered,
  type ImportedModule,
} from '@taskgraph/scheduler/internal'
import {
  OWN_PACKAGES,
  initialize,
  loadInThread,
  resolveInThread,
  type WorkflowHooksData,
} from './workflow-hooks.js'

let registered = false
/** taskgraph's own library, which a workflow's `import 'taskgraph'` finds loaded. */
const LIBRARY = new URL('./index.js', import.meta.url).href

/** `module.registerHooks` (Node 22.15+, 23.5+), which @types/node 20 does not know. */
type RegisterHooks = (hooks: {
  resolve: typeof resolveInThread
  load: typeof loadInThread
}) => unknown

/**
 * Prepares this thread to import a workflow: resolution hooks (taskgraph's own packages
 * resolve even outside a project; the workflow loads as an ES module) and, for
 * TypeScript on a Node that cannot strip types (Node 20, or `TASKGRAPH_TYPESCRIPT=tsx`),
 * tsx. Runs once per thread: on the main thread before the workflow is imported, and in
 * each pool worker through `worker-preload.ts`.
 *
 * Hooks registered with `module.register` make every later import of the thread wait on
 * a round trip to Node's loader thread, and tsx's resolution probes the file system for
 * each. So what can load without them loads first: tsx itself, and taskgraph's own
 * library, which a workflow's `import 'taskgraph'` then finds in the module cache. Where
 * Node strips types, the hooks run in this thread (`module.registerHooks`), and tsx is
 * registered only for a module that stripping cannot run (`importWorkflow`).
 */
export async function prepareForWorkflow(
  workflowURL: string | undefined,
  options: {
    readonly typescript?: boolean
    /** A cluster worker's project root, as a directory URL: its TypeScript loads as ES modules. */
    readonly projectURL?: string
    /**
     * Registers tsx for TypeScript even where Node strips types: for a thread that imports
     * modules itself (a cluster worker's main thread), not through `importWorkflow`, and so
     * has no fallback to tsx for what stripping cannot run.
     */
    readonly tsx?: boolean
  } = {},
): Promise<void> {
  if (registered) return
  registered = true
  fallBackInRequire()
  const typescript =
    options.typescript ?? (workflowURL !== undefined && loadsTypeScript(workflowURL))
  const data: WorkflowHooksData = {
    cliURL: import.meta.url,
    workflowURL: workflowURL ?? '',
    projectURL: options.projectURL ?? '',
  }
  if (typescript && (options.tsx === true || !nodeStripsTypes()) && !tsxRegistered()) {
    await registerTsx([LIBRARY])
  } else await import(LIBRARY)
  const registerHooks = (module as { registerHooks?: RegisterHooks }).registerHooks
  if (registerHooks !== undefined && !tsxRegistered()) {
    initialize(data)
    registerHooks({ resolve: resolveInThread, load: loadInThread })
    // Should tsx load a module stripping cannot run, its lookups go through these too.
    onTsxRegistered(() => registerInLoaderThread(data))
    return
  }
  // Registered after tsx, so it runs first: it sees every lookup, tsx's included.
  registerInLoaderThread(data)
}

function registerInLoaderThread(data: WorkflowHooksData): void {
  module.register('./workflow-hooks.js', { parentURL: import.meta.url, data })
}

/** Node's CommonJS resolver, which `Module._resolveFilename` is (not in Node's types). */
type ResolveFilename = (this: unknown, request: string, ...rest: unknown[]) => string

/**
 * A `require` in a module Node loads as CommonJS (a TypeScript helper written with
 * `require`) is resolved by `Module._resolveFilename`, which the hooks do not reach on
 * Node 20 and 22, and on 24 see only as a `require` that failed: there, taskgraph's own
 * packages fall back to the copy running the command, as the hooks make an import do.
 */
function fallBackInRequire(): void {
  const cjs = module as unknown as { _resolveFilename: ResolveFilename }
  const resolveFilename = cjs._resolveFilename
  const fromCli = createRequire(import.meta.url)
  cjs._resolveFilename = function (request, ...rest) {
    try {
      return resolveFilename.call(this, request, ...rest)
    } catch (error) {
      if (!OWN_PACKAGES.test(request) || (error as { code?: string }).code !== 'MODULE_NOT_FOUND') {
        throw error
      }
      return fromCli.resolve(request)
    }
  }
}

/**
 * Imports a workflow (or a module of a cluster worker's project) once this thread is
 * prepared: TypeScript with Node's type stripping where it can, else with tsx; see
 * `importTypeScript` for which files fall back to tsx. The module's URL in the result
 * is the one functions it makes are found under.
 */
export async function importWorkflow(url: string): Promise<ImportedModule> {
  if (!loadsTypeScript(url)) {
    return { module: (await import(url)) as Record<string, unknown>, url, loader: 'node' }
  }
  return importTypeScript(url, { loadFirst: [LIBRARY] })
}

/**
 * The module pool workers import first, so they can import `workflowURL` as this thread
 * does; without one (a cluster worker that serves any module of its project), they get
 * ready to import TypeScript. A cluster worker's threads load its project's modules as
 * its main thread does (`projectURL`), and import the other modules it serves (`served`)
 * as they start, as they do the first: its first jobs find them loaded.
 */
export function workerPreloadFor(
  workflowURL: string | undefined,
  projectURL?: string,
  served: readonly string[] = [],
): string {
  const url = new URL('./worker-preload.js', import.meta.url)
  if (workflowURL === undefined) url.searchParams.set('typescript', '1')
  else url.searchParams.set('workflow', workflowURL)
  if (projectURL !== undefined) url.searchParams.set('project', projectURL)
  for (const module of served) url.searchParams.append('module', module)
  return url.href
}

const typeScriptImports = new Map<string, boolean>()

/**
 * Whether the workflow at `url` is TypeScript, or JavaScript that imports a TypeScript
 * module by name (`import { twice } from './twice.ts'`): either loads as TypeScript does,
 * with tsx on Node 20 (which would read the TypeScript as JavaScript) and with type
 * stripping falling back to tsx elsewhere. Read once per thread.
 */
function loadsTypeScript(url: string): boolean {
  if (isTypeScript(url)) return true
  let imports = typeScriptImports.get(url)
  if (imports === undefined) {
    let source = ''
    try {
      source = readFileSync(fileURLToPath(url), 'utf8')
    } catch {
      // Not a file to read: what imports it finds out.
    }
    imports = TYPESCRIPT_IMPORT.test(source)
    typeScriptImports.set(url, imports)
  }
  return imports
}

// `from './x.ts'`, `import './x.mts'`, `import('./x.ts')`, `require('./x.cts')`: a phrase in
// a comment or a string counts too, which only costs tsx's start-up.
const TYPESCRIPT_IMPORT = /(?:\bfrom|\bimport|\brequire)\s*\(?\s*(['"`])[^'"`\n]+\.[cm]?ts\1/
