import { register } from 'node:module'
import type { WorkflowHooksData } from './workflow-hooks.js'

let registered = false
/** Marks tsx as registered in this thread, so pool workers do not register it twice. */
const TYPESCRIPT = Symbol.for('taskgraph.typescriptLoader')

/**
 * Prepares this thread to import a workflow: resolution hooks (taskgraph's own packages
 * resolve even outside a project; the workflow loads as an ES module) and, for
 * TypeScript, tsx. Runs once per thread: on the main thread before the workflow is
 * imported, and in each pool worker through `worker-preload.ts`.
 *
 * Once hooks are registered, every import of the thread waits on a round trip to Node's
 * loader thread, and tsx's resolution probes the file system for each. So what can load
 * without them loads first: tsx itself, and taskgraph's own library, which a workflow's
 * `import 'taskgraph'` then finds in the module cache. That halves a pool's start-up.
 */
export async function prepareForWorkflow(
  workflowURL: string | undefined,
  options: {
    readonly typescript?: boolean
    /** A cluster worker's project root, as a directory URL: its TypeScript loads as ES modules. */
    readonly projectURL?: string
  } = {},
): Promise<void> {
  if (registered) return
  registered = true
  const registry = globalThis as Record<symbol, unknown>
  const typescript =
    (options.typescript ??
      (workflowURL !== undefined && /\.m?ts$/.test(new URL(workflowURL).pathname))) &&
    registry[TYPESCRIPT] !== true
  const [tsx] = await Promise.all([
    typescript ? import('tsx/esm/api') : undefined,
    import('./index.js'),
  ])
  if (tsx !== undefined) {
    tsx.register()
    registry[TYPESCRIPT] = true
  }
  // Registered last, so it runs first: it sees every lookup, tsx's included.
  const data: WorkflowHooksData = {
    cliURL: import.meta.url,
    workflowURL: workflowURL ?? '',
    projectURL: options.projectURL ?? '',
  }
  register('./workflow-hooks.js', { parentURL: import.meta.url, data })
}

/**
 * The module pool workers import first, so they can import `workflowURL` as this thread
 * does; without one (a cluster worker that serves any module of its project), they get
 * ready to import TypeScript. A cluster worker's threads load its project's modules as
 * its main thread does (`projectURL`).
 */
export function workerPreloadFor(workflowURL: string | undefined, projectURL?: string): string {
  const url = new URL('./worker-preload.js', import.meta.url)
  if (workflowURL === undefined) url.searchParams.set('typescript', '1')
  else url.searchParams.set('workflow', workflowURL)
  if (projectURL !== undefined) url.searchParams.set('project', projectURL)
  return url.href
}
