// Module resolution hooks for workflow files, registered with `module.register`; runs
// in Node's loader thread. A workflow outside any project that has taskgraph installed
// (e.g. /tmp/flow.ts) still imports 'taskgraph': failed lookups of taskgraph's own
// packages fall back to the copy running this command. The workflow file itself always
// loads as an ES module, and so does every TypeScript module of a cluster worker's project.

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

const OWN_PACKAGES = /^(taskgraph|@taskgraph\/(core|scheduler))(\/|$)/

export async function resolve(
  specifier: string,
  context: ResolveContext,
  next: NextResolve,
): Promise<unknown> {
  let resolved: ResolveResult
  try {
    resolved = await next(specifier, context)
  } catch (error) {
    if (
      cliURL === undefined ||
      !OWN_PACKAGES.test(specifier) ||
      (error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND'
    ) {
      throw error
    }
    return next(specifier, { ...context, parentURL: cliURL })
  }
  // The workflow file itself is an ES module whatever the "type" of its package: tsx
  // would compile a .ts file outside a "type": "module" package to CommonJS, which Node
  // then reloads untransformed, so it fails to load. A cluster worker imports whichever
  // module of its project a job names, the workflow files among them.
  if (resolved.url.endsWith('.ts') && (resolved.url === workflowURL || inProject(resolved.url))) {
    return { ...resolved, format: 'module' }
  }
  return resolved
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
