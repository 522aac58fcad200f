import type { InitMessage } from '../wire/messages.js'
import { importTypeScript, isTypeScript, registerTsx } from './typescript-loader.js'

// How a worker imports the modules its task functions come from.

/**
 * Imports `url`. TypeScript loads with Node's type stripping where Node has it, else with
 * tsx, registered as the first TypeScript module is imported (typescript-loader.ts). A
 * program started with `node --import tsx` loads TypeScript itself; its worker threads do
 * not (tsx registers its hooks on a main thread only), and its worker processes are
 * started without the flag (pool/worker-handle.ts), so that both load taskgraph's
 * packages before tsx's hooks slow every import: such a worker registers tsx before its
 * first task module, JavaScript that imports TypeScript included.
 */
export async function importModule(url: string): Promise<Record<string, unknown>> {
  if (alwaysTsx) await registerTsx(loadFirst)
  if (!isTypeScript(url)) return (await import(url)) as Record<string, unknown>
  return (await importTypeScript(url, { loadFirst })).module
}

let loadFirst: readonly string[] = []
let alwaysTsx = false

/**
 * How to import task modules, from the pool (this side imports nothing of the pool's):
 * the modules to load before tsx's hooks are registered (`InitMessage.packages`), and
 * whether to register them before any task module (`InitMessage.typescript`).
 */
export function prepareImports(message: Pick<InitMessage, 'packages' | 'typescript'>): void {
  loadFirst = message.packages
  alwaysTsx = message.typescript
}
