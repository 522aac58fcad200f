import type { InitMessage } from '../wire/messages.js'
import {
  importTypeScript,
  isTypeScript,
  registerTsx,
  type ImportedModule,
} from './typescript-loader.js'

// How a worker imports the modules its task functions come from.

/**
 * Imports `url`. TypeScript loads with Node's type stripping where Node has it, else with
 * tsx, registered as the first TypeScript module is imported (typescript-loader.ts). A
 * program started with `node --import tsx` loads TypeScript itself; its worker threads do
 * not (tsx registers its hooks on a main thread only), and its worker processes are
 * started without the flag (pool/worker-handle.ts), so that both load taskgraph's
 * packages before tsx's hooks slow every import: such a worker registers tsx before its
 * first task module, JavaScript that imports TypeScript included. Resolves with the
 * module and the URL it was imported by: `url`, or, for TypeScript that stripping could
 * not run, the one it was imported again by under tsx, which its functions were made in.
 */
export function importModule(url: string): Promise<Imported> {
  let importing = imports.get(url)
  if (importing === undefined) {
    importing = importOnce(url)
    imports.set(url, importing)
    // A failed one is tried again when asked again, as Node's own import would be.
    importing.catch(() => imports.delete(url))
  }
  return importing
}

type Imported = Pick<ImportedModule, 'module' | 'url'>

/**
 * Each module's import, by the URL asked for: one that fell back to tsx is imported by
 * another URL, which a second import of the first, with tsx registered by then, would
 * not find in Node's module cache, and would evaluate again.
 */
const imports = new Map<string, Promise<Imported>>()

async function importOnce(url: string): Promise<Imported> {
  if (alwaysTsx) await registerTsx(loadFirst)
  if (!isTypeScript(url)) return { module: (await import(url)) as Record<string, unknown>, url }
  return importTypeScript(url, { loadFirst })
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
