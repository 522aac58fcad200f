// Module resolution hooks for workflow files, registered with `module.register`; runs
// in Node's loader thread. A workflow outside any project that has taskgraph installed
// (e.g. /tmp/flow.ts) still imports 'taskgraph': failed lookups of taskgraph's own
// packages fall back to the copy running this command.

interface ResolveContext {
  parentURL?: string
  conditions: readonly string[]
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<unknown>

let cliURL: string | undefined

export function initialize(data: { cliURL: string }): void {
  cliURL = data.cliURL
}

const OWN_PACKAGES = /^(taskgraph|@taskgraph\/(core|scheduler))(\/|$)/

export async function resolve(specifier: string, context: ResolveContext, next: NextResolve): Promise<unknown> {
  try {
    return await next(specifier, context)
  } catch (error) {
    if (cliURL === undefined || !OWN_PACKAGES.test(specifier) || (error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') {
      throw error
    }
    return next(specifier, { ...context, parentURL: cliURL })
  }
}
