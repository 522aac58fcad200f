import { realpathSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { isDelayedFunction, type AnyFunction } from '@taskgraph/core'
import { originOf, recordedModules } from '@taskgraph/core/internal'
import { sourceHash, type FunctionRef } from '../wire/function-ref.js'
import { standInRef } from './stand-ins.js'

/**
 * Finds, on the main thread, how a worker can reach each task function. A function made
 * by a module's top-level code is re-made by importing that module; one exported by a
 * module that made task functions is found by its export name. Anything else (a closure
 * made at run time) cannot be reached. Modules that are the program's entry script are
 * never imported in a worker: that would run the program again.
 */
export class FunctionLocator {
  private readonly known = new WeakMap<AnyFunction, FunctionRef | null>()
  private readonly namespaces = new Map<string, Promise<Record<string, unknown> | undefined>>()
  private readonly entry = entryScriptURL()

  /** Whether `fn` was made by the program's entry script, which workers never import. */
  isFromEntryScript(fn: AnyFunction): boolean {
    return this.entry !== undefined && originOf(fn)?.url === this.entry
  }

  /** The modules a worker may import ahead of need: those that made task functions. */
  modulesToWarm(): string[] {
    return recordedModules().filter((url) => url !== this.entry)
  }

  /** The ref of `fn` if already known (`null`: unreachable), `undefined` if it needs `locate`. */
  peek(fn: AnyFunction): FunctionRef | null | undefined {
    const known = this.known.get(fn)
    if (known !== undefined) return known
    const standIn = standInRef(fn)
    if (standIn !== undefined) return standIn
    const origin = originOf(fn)
    if (origin !== undefined && origin.url !== this.entry) {
      const ref: FunctionRef = { kind: 'origin', origin, hash: sourceHash(origin.url) }
      this.known.set(fn, ref)
      return ref
    }
    return undefined
  }

  /** Records that a worker could not find `fn` after all: it runs on the main thread from now on. */
  markUnreachable(fn: AnyFunction): void {
    this.known.set(fn, null)
  }

  /** The ref of `fn`, looking through the exports of the modules that made task functions. */
  async locate(fn: AnyFunction): Promise<FunctionRef | null> {
    const peeked = this.peek(fn)
    if (peeked !== undefined) return peeked
    let found: FunctionRef | null = null
    for (const url of recordedModules()) {
      if (url === this.entry) continue
      const namespace = await this.namespace(url)
      if (namespace === undefined) continue
      for (const [name, value] of Object.entries(namespace)) {
        if (value === fn || (isDelayedFunction(value) && value.fn === fn)) {
          found = { kind: 'export', url, name, hash: sourceHash(url) }
          break
        }
      }
      if (found !== null) break
    }
    this.known.set(fn, found)
    return found
  }

  private namespace(url: string): Promise<Record<string, unknown> | undefined> {
    let namespace = this.namespaces.get(url)
    if (namespace === undefined) {
      // Already evaluated (it made task functions), so importing it again is a lookup.
      namespace = import(url).then(
        (module: Record<string, unknown>) => module,
        () => undefined,
      )
      this.namespaces.set(url, namespace)
    }
    return namespace
  }
}

function entryScriptURL(): string | undefined {
  const script = process.argv[1]
  if (script === undefined) return undefined
  try {
    return pathToFileURL(realpathSync(resolve(script))).href
  } catch {
    return undefined
  }
}
