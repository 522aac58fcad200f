import { isMainThread } from 'node:worker_threads'
import type { InitMessage } from '../wire/messages.js'

// How a worker imports the modules its task functions come from.

/** Set by whoever registers tsx in a thread (the CLI's worker preload too). */
const TYPESCRIPT = Symbol.for('taskgraph.typescriptLoader')

/**
 * Imports `url`, registering tsx first when a worker is about to import TypeScript it
 * could not load otherwise. A program started with `node --import tsx` loads TypeScript
 * itself; its worker threads do not (tsx registers its hooks on a main thread only), and
 * its worker processes are started without the flag (pool/worker-handle.ts), so that
 * both load taskgraph's packages before tsx's hooks slow every import. A failed import
 * cannot be retried, so this looks ahead rather than catch the failure.
 */
export async function importModule(url: string): Promise<Record<string, unknown>> {
  if (alwaysTypeScript || /\.[cm]?ts$/.test(new URL(url).pathname)) await ensureTypeScript()
  return (await import(url)) as Record<string, unknown>
}

let loading: Promise<void> | undefined
let loadFirst: readonly string[] = []
let alwaysTypeScript = false

/**
 * How to import task modules, from the pool (this side imports nothing of the pool's):
 * the modules to load before tsx's hooks are registered (`InitMessage.packages`), and
 * whether to register them before any task module (`InitMessage.typescript`).
 */
export function prepareImports(message: Pick<InitMessage, 'packages' | 'typescript'>): void {
  loadFirst = message.packages
  alwaysTypeScript = message.typescript
}

async function ensureTypeScript(): Promise<void> {
  const registry = globalThis as Record<symbol, unknown>
  if (registry[TYPESCRIPT] === true) return
  // A child process started with tsx in its flags (`--import tsx`) has it already.
  if (
    isMainThread &&
    process.execArgv.some((arg) => /^(--(import|loader)=)?tsx(\/esm)?$/.test(arg))
  )
    return
  // Once tsx's hooks are in place every import waits on Node's loader thread, so what
  // can load without them loads first: tsx itself, and taskgraph's packages, which the
  // task modules import and then find in the module cache.
  loading ??= Promise.all([import('tsx/esm/api'), ...loadFirst.map((url) => import(url))]).then(
    ([{ register }]) => {
      if (registry[TYPESCRIPT] === true) return
      register()
      registry[TYPESCRIPT] = true
    },
  )
  await loading
}
