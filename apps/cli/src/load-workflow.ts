import { stat } from 'node:fs/promises'
import { register } from 'node:module'
import { extname, relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Delayed, containsDelayed, describeValue, isDelayedFunction } from '@taskgraph/core'
import { WorkflowError } from './cli-errors.js'

const JS_EXTENSIONS = new Set(['.js', '.mjs', '.cjs'])
const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts'])

/** A loaded workflow: its file and the graph its default export stands for. */
export interface Workflow {
  readonly path: string
  /** The default export (or what the exported function returned): holds `Delayed` values. */
  readonly targets: unknown
}

let typeScriptEnabled = false
let selfResolutionEnabled = false

/**
 * Imports a workflow file and returns the graph its default export stands for: a
 * `Delayed`, an array or object of them, or a (sync or async) function returning one.
 * TypeScript files load through tsx, so users need no build step.
 * @throws {WorkflowError} with a one-line reason when the file cannot be used
 */
export async function loadWorkflow(file: string, cwd = process.cwd()): Promise<Workflow> {
  const path = resolve(cwd, file)
  const shown = relative(cwd, path) || file
  const info = await stat(path).catch(() => undefined)
  if (info === undefined || !info.isFile()) {
    throw new WorkflowError(
      'ERR_WORKFLOW_NOT_FOUND',
      info === undefined ? `workflow file not found: ${shown}` : `workflow path is not a file: ${shown}`,
    )
  }
  const extension = extname(path)
  if (!JS_EXTENSIONS.has(extension) && !TS_EXTENSIONS.has(extension)) {
    throw new WorkflowError(
      'ERR_WORKFLOW_UNSUPPORTED',
      `workflow file ${shown} has extension "${extension}"; use a .ts, .mts, .js or .mjs module`,
    )
  }
  enableSelfResolution()
  if (TS_EXTENSIONS.has(extension)) await enableTypeScript()

  let module: Record<string, unknown>
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>
  } catch (error) {
    throw new WorkflowError('ERR_WORKFLOW_LOAD', `could not load workflow ${shown}: ${reason(error)}`, { cause: error })
  }
  if (!('default' in module) || module.default === undefined) {
    throw new WorkflowError(
      'ERR_WORKFLOW_NO_DEFAULT',
      `workflow ${shown} has no default export; add \`export default\` with the Delayed value (or a function returning it) to run`,
    )
  }
  let value: unknown = module.default
  if (isDelayedFunction(value)) {
    throw new WorkflowError(
      'ERR_WORKFLOW_BAD_EXPORT',
      `workflow ${shown} default-exports the delayed function ${value.name}; export a call of it instead, e.g. \`export default ${value.name}(...)\``,
    )
  }
  if (typeof value === 'function') {
    try {
      value = await (value as () => unknown)()
    } catch (error) {
      throw new WorkflowError('ERR_WORKFLOW_LOAD', `the default export of ${shown} threw while building the graph: ${reason(error)}`, {
        cause: error,
      })
    }
  }
  if (!containsDelayed(value)) {
    throw new WorkflowError('ERR_WORKFLOW_BAD_EXPORT', `workflow ${shown}: ${badExport(value)}`)
  }
  return { path, targets: value }
}

function badExport(value: unknown): string {
  const found = value instanceof Object && 'key' in value && value.constructor?.name === 'Delayed' && !(value instanceof Delayed)
  if (found) {
    return 'the default export is a Delayed from another copy of taskgraph than the one running this command; install one version (npm ls taskgraph) or run the project\'s own `npx taskgraph`'
  }
  return `the default export must be a Delayed, an array or object holding Delayed values, or a function returning one; got ${describeValue(value)}`
}

function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  // Node puts the location of a syntax error in the first line of the stack, not in the message.
  const location = error instanceof SyntaxError ? error.stack?.split('\n')[0] : undefined
  const message = error.message.split('\n')[0] ?? ''
  return location?.startsWith('file://') ? `${error.name}: ${message} (${location})` : `${error.name}: ${message}`
}

async function enableTypeScript(): Promise<void> {
  if (typeScriptEnabled) return
  typeScriptEnabled = true
  const { register: registerTsx } = await import('tsx/esm/api')
  registerTsx()
}

function enableSelfResolution(): void {
  if (selfResolutionEnabled) return
  selfResolutionEnabled = true
  register('./workflow-hooks.js', { parentURL: import.meta.url, data: { cliURL: import.meta.url } })
}
