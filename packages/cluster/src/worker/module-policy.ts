import { realpathSync } from 'node:fs'
import { relative, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { AnyFunction } from '@taskgraph/core'
import { originOf, recordedModules } from '@taskgraph/core/internal'
import { standInFor } from '@taskgraph/scheduler/internal'
import { codeHash, sourceHash, type FunctionRef } from '@taskgraph/scheduler/wire'
import type { ModuleFunction } from '../wire/job.js'
import { ModuleRefusedError } from '../errors.js'
import { moduleInRoot, moduleURL } from '../wire/module-paths.js'

/** Functions of jobs' modules a worker keeps a stand-in for at most (see `standInFor`). */
const MAX_STAND_INS = 10_000

/** A function a worker will run, or why it will not. */
export type Resolved = { readonly fn: AnyFunction } | { readonly refused: string }

/**
 * What a worker agrees to run. The queue names functions by module path and name, and
 * anyone who can write to Redis can write a job: so a worker imports only files inside
 * its project root (no `node:` or other schemes, no absolute paths, no `..` or symlink
 * out of it), only among the modules it serves when it was given some (those, and the
 * modules that made task functions while they loaded), and only when its copy's source
 * hash is the driver's. It never evaluates a string from a job. Its threads import the
 * modules; this one does not (but for the modules it serves, at start, and those of a
 * graph a task returned), so a module's top-level code never holds the thread that
 * renews the worker's leases.
 */
export class ModulePolicy {
  private readonly root: string
  private readonly served: Set<string> | undefined
  private readonly loaded = new Map<string, Promise<Record<string, unknown>>>()
  /**
   * Module paths found inside the root, and their files' URLs. Finding one takes a system
   * call per folder of its path (realpath), which a chain's hop would pay for every task;
   * a file found once keeps its URL, so a link changed later cannot lead out of the root.
   */
  private readonly urls = new Map<string, string>()
  private readonly standIns = new Map<string, AnyFunction>()
  private prepared: Promise<void> | undefined

  constructor(
    root: string,
    /** The modules it serves, as file URLs; `undefined`: any module in the root. */
    modules: readonly string[] | undefined,
    /** Readies the thread to import them (see `ClusterWorkerOptions.prepareImports`). */
    private readonly prepareImports: () => Promise<void> = async () => {},
  ) {
    this.root = realpathSync(root)
    this.served = modules === undefined ? undefined : new Set(modules)
  }

  /** Readies the thread to import modules; once, however often it is asked. */
  prepare(): Promise<void> {
    return (this.prepared ??= this.prepareImports())
  }

  /**
   * Imports what it serves up front, so that the modules they load are served too.
   * @throws {ModuleRefusedError} naming the worker and the module, for one that is not a
   * file inside the root (no job could name it) or that fails to import
   */
  async preload(worker: string): Promise<void> {
    const caller = `taskgraph worker ${worker}`
    for (const url of this.served ?? []) {
      this.#importing = url
      const path = fileURLToPath(url)
      const refuse = (problem: string, cause?: unknown): ModuleRefusedError =>
        new ModuleRefusedError({
          module: moduleInRoot(this.root, url) ?? path,
          worker,
          message: `${caller}: module ${path} ${problem}`,
          ...(cause === undefined ? {} : { cause }),
        })
      let real: string
      try {
        real = realpathSync(path)
      } catch (error) {
        throw refuse('cannot be read: give the path of a module file of the project.', error)
      }
      if (moduleInRoot(this.root, pathToFileURL(real).href) === undefined) {
        throw refuse(
          `is outside the worker's project root ${this.root}, where jobs name modules: start the worker in the project's root directory, and give modules inside it.`,
        )
      }
      try {
        await this.load(url)
      } catch (error) {
        const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
        throw refuse(
          `failed to import (${reason.split('\n')[0]!}): fix it so that it imports, then start the worker again.`,
          error,
        )
      }
    }
    this.#importing = undefined
    for (const url of recordedModules()) this.served?.add(url)
  }

  /**
   * Imports what it serves (`preload`) within `timeoutMs`: a module whose top-level code
   * never finishes held the start, unseen, for ever.
   * @throws {ModuleRefusedError} as `preload` does, or naming the module being imported
   * when the time is up
   */
  async preloadWithin(worker: string, timeoutMs: number): Promise<void> {
    const preloading = this.preload(worker)
    // Given up on, it may still fail later: nobody waits for it then.
    preloading.catch(() => {})
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const module = this.importingName() ?? '?'
        reject(
          new ModuleRefusedError({
            module,
            worker,
            message: `taskgraph worker ${worker}: module ${module} did not finish importing within ${timeoutMs} ms (top-level code that never ends, such as an await that never settles): fix it so that its import ends, or give the start longer (--start-timeout, the startTimeout option).`,
          }),
        )
      }, timeoutMs)
    })
    try {
      await Promise.race([preloading, late])
    } finally {
      clearTimeout(timer)
    }
  }

  /** The module `preload` is importing: a start that gave up waiting for it names it. */
  #importing: string | undefined

  /** The path of the module `preload` is importing, from the root (else its file path). */
  private importingName(): string | undefined {
    const url = this.#importing
    return url === undefined ? undefined : (moduleInRoot(this.root, url) ?? fileURLToPath(url))
  }

  resolve(fn: ModuleFunction): Resolved {
    const url = this.urlOf(fn.module)
    if (url === undefined) {
      return {
        refused: `module ${JSON.stringify(fn.module)} is not a file inside the worker's project root ${this.root}: start the worker in the root of the same project as the driver's (the directory it runs from, or its root option), where that path names the module`,
      }
    }
    if (this.served !== undefined && !this.served.has(url)) {
      return {
        refused: `module ${fn.module} is not among the modules this worker serves (start it with that module on its command line)`,
      }
    }
    const own = sourceHash(url)
    if (fn.hash !== undefined && own !== fn.hash) {
      return {
        refused:
          own === undefined
            ? `module ${fn.module} cannot be read in the worker's project root ${this.root}`
            : `the worker's copy of ${fn.module} is not the driver's (their sources differ): install the same version of the project on every machine, and restart a worker that imported the module before it changed (it keeps the code it imported first)`,
      }
    }
    // The files it imports too: taken once, as the module is imported here.
    const code = fn.code === undefined ? undefined : codeHash(url)
    if (code !== undefined && code !== fn.code) {
      return {
        refused: `the worker's copy of a file of the project that ${fn.module} imports is not the driver's (their sources differ): install the same version of the project on every machine, and restart a worker that imported the module before a file it imports changed (it keeps the code it imported first)`,
      }
    }
    return { fn: this.standInFor(url, fn, own) }
  }

  /**
   * The function that stands in here for `fn` of module `url` (see `standInFor`): the
   * pool's threads import the module and find the function, this thread never does.
   * One per function, so that the pool learns what its calls cost.
   */
  private standInFor(url: string, fn: ModuleFunction, hash: string | undefined): AnyFunction {
    const key = JSON.stringify([url, fn.kind, fn.name, fn.kind === 'origin' ? fn.occurrence : 0])
    let standIn = this.standIns.get(key)
    if (standIn === undefined) {
      const ref: FunctionRef =
        fn.kind === 'origin'
          ? { kind: 'origin', origin: { url, name: fn.name, occurrence: fn.occurrence }, hash }
          : { kind: 'export', url, name: fn.name, hash }
      standIn = standInFor(ref)
      // Names come from jobs, which anyone who can write to Redis can write: bounded.
      if (this.standIns.size >= MAX_STAND_INS)
        this.standIns.delete(this.standIns.keys().next().value!)
      this.standIns.set(key, standIn)
    }
    return standIn
  }

  /** The file URL of a module path from a job, if it names a file inside the root. */
  private urlOf(module: string): string | undefined {
    const known = this.urls.get(module)
    if (known !== undefined) return known
    const url = moduleURL(this.root, module)
    if (url === undefined) return undefined
    let path: string
    try {
      path = realpathSync(fileURLToPath(url))
    } catch {
      return undefined
    }
    const inside = relative(this.root, path)
    if (inside === '' || inside.startsWith('..') || inside.startsWith(sep)) return undefined
    const found = pathToFileURL(path).href
    this.urls.set(module, found)
    return found
  }

  /**
   * How the driver finds `fn` (a task of a graph a task returned here): by its module's
   * path inside the root and where that module made it; `undefined` for a function made
   * at run time or outside the root.
   */
  describe(fn: AnyFunction): ModuleFunction | undefined {
    const origin = originOf(fn)
    const module = origin === undefined ? undefined : moduleInRoot(this.root, origin.url)
    if (origin === undefined || module === undefined) return undefined
    const code = codeHash(origin.url)
    return {
      kind: 'origin',
      module,
      name: origin.name,
      occurrence: origin.occurrence,
      hash: sourceHash(origin.url),
      ...(code !== undefined && { code }),
    }
  }

  private load(url: string): Promise<Record<string, unknown>> {
    let loading = this.loaded.get(url)
    if (loading === undefined) {
      // What it imports is taken as it is imported: a file edited later is not what runs.
      codeHash(url)
      loading = this.prepare().then(() => import(url) as Promise<Record<string, unknown>>)
      this.loaded.set(url, loading)
    }
    return loading
  }
}
