// Module resolution hooks for workflow files, registered with `module.register`; runs
// in Node's loader thread. A workflow outside any project that has taskgraph installed
// (e.g. /tmp/flow.ts) still imports 'taskgraph': failed lookups of taskgraph's own
// packages fall back to the copy running this command. The workflow file itself always
// loads as an ES module.

interface ResolveContext {
  parentURL?: string
  conditions: readonly string[]
}
interface ResolveResult {
  url: string
  format?: string | null
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<ResolveResult>

/** What `register` passes in: a module of the CLI to resolve from, and the workflow's URL. */
export interface WorkflowHooksData {
  readonly cliURL: string
  readonly workflowURL: string
}

let cliURL: string | undefined
let workflowURL: string | undefined

export function initialize(data: WorkflowHooksData): void {
  cliURL = data.cliURL
  workflowURL = data.workflowURL
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
  // then reloads untransformed, so it fails to load.
  if (resolved.url === workflowURL && resolved.url.endsWith('.ts')) {
    return { ...resolved, format: 'module' }
  }
  return resolved
}
