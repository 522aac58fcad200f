import { realpathSync } from 'node:fs'
import type { AnyFunction } from '@taskgraph/core'
import { findFunction } from '@taskgraph/core/internal'
import { FunctionLocator } from '@taskgraph/scheduler/internal'
import { codeHash, exportedFunction, sourceHash, type FunctionRef } from '@taskgraph/scheduler/wire'
import type { ModuleFunction } from '../wire/job.js'
import { moduleInRoot, moduleURL } from '../wire/module-paths.js'

/**
 * How workers find the driver's task functions: by module, relative to the project
 * root, and name. `null` for a function no worker can import (a closure made at run
 * time, or one in the program's entry script, which a worker must not run again).
 */
export class ModuleFunctions {
  // Not a helper's exports, which a pool's workers find through the modules importing it:
  // a worker started with a list of modules refuses any other, where a function no
  // worker can import runs on the driver.
  private readonly locator = new FunctionLocator({ followImports: false })
  private readonly known = new WeakMap<AnyFunction, ModuleFunction | null>()

  private readonly root: string

  constructor(root: string) {
    // Module URLs are real paths (Node resolves symlinks): so is the root they are read against.
    this.root = realpathSync(root)
  }

  /** The function's description, or `undefined` if it must be looked up with `find`. */
  peek(fn: AnyFunction): ModuleFunction | null | undefined {
    const known = this.known.get(fn)
    if (known !== undefined) return known
    const ref = this.locator.peek(fn)
    return ref === undefined ? undefined : this.describe(fn, ref)
  }

  async find(fn: AnyFunction): Promise<ModuleFunction | null> {
    return this.peek(fn) ?? this.describe(fn, await this.locator.locate(fn))
  }

  private describe(fn: AnyFunction, ref: FunctionRef | null): ModuleFunction | null {
    let described: ModuleFunction | null = null
    const url = ref === null ? undefined : ref.kind === 'origin' ? ref.origin.url : ref.url
    const module = url === undefined ? undefined : this.inRoot(url)
    if (ref !== null && module !== undefined) {
      // What this process imported of the project with it: a worker that imported another
      // (a helper edited since it started) refuses the call rather than run old code.
      const code = codeHash(url!)
      const hashes = { hash: ref.hash, ...(code !== undefined && { code }) }
      described =
        ref.kind === 'origin'
          ? {
              kind: 'origin',
              module,
              name: ref.origin.name,
              occurrence: ref.origin.occurrence,
              ...hashes,
            }
          : { kind: 'export', module, name: ref.name, ...hashes }
    }
    this.known.set(fn, described)
    return described
  }

  /** The module's path inside the root, `/`-separated; `undefined` outside it. */
  private inRoot(url: string): string | undefined {
    return moduleInRoot(this.root, url)
  }

  /**
   * The function a worker named (a task of a graph a task returned there), its module
   * imported here first; `undefined` if it makes no such function. Throws if the
   * driver's copy of the module is not the worker's: the graph would run other code.
   */
  async load(described: ModuleFunction): Promise<AnyFunction | undefined> {
    const url = moduleURL(this.root, described.module)
    if (url === undefined) return undefined
    const own = sourceHash(url)
    const code = described.code === undefined ? undefined : codeHash(url)
    if (
      (described.hash !== undefined && own !== undefined && own !== described.hash) ||
      (code !== undefined && code !== described.code)
    ) {
      throw new Error(
        `the worker's copy of ${described.module}, or of a file of the project it imports, is not the driver's (function ${described.name}): install the same version of the project on every machine, and restart a worker that imported the module before it changed`,
      )
    }
    const namespace = (await import(url)) as Record<string, unknown>
    if (described.kind === 'origin') {
      return findFunction({ url, name: described.name, occurrence: described.occurrence })
    }
    return exportedFunction(namespace[described.name])
  }
}
