import { readFileSync, realpathSync } from 'node:fs'
import { dirname, resolve, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { isDelayedFunction, type AnyFunction } from '@taskgraph/core'
import { originOf, recordedModules } from '@taskgraph/core/internal'
import { declaredImports } from '../source/import-specifiers.js'
import { importedFiles } from '../source/imported-files.js'
import { sourceHash, type FunctionRef } from '../wire/function-ref.js'
import { standInRef } from './stand-ins.js'

/**
 * Finds, on the main thread, how a worker can reach each task function. A function made
 * by a module's top-level code is re-made by importing that module; one exported by a
 * module that made task functions is found by its export name, and so is one exported by
 * a module that such a module, or the program's entry script, imports by path (a helper
 * whose function a workflow wraps as it runs). Anything else (a closure made at run
 * time) cannot be reached. Modules that are the program's entry script are never
 * imported in a worker: that would run the program again.
 */
export class FunctionLocator {
  private readonly known = new WeakMap<AnyFunction, FunctionRef | null>()
  private readonly namespaces = new Map<string, Promise<Record<string, unknown> | undefined>>()
  /** The modules each importer imports by path in declarations (see `declaredByPath`). */
  private readonly declared = new Map<string, readonly string[]>()
  private readonly entry = entryScriptURL()

  /**
   * `followImports: false` looks no further than the modules that made task functions:
   * for workers that serve only the modules they are told (a cluster's), which would
   * refuse a helper's.
   */
  constructor(private readonly options: { readonly followImports?: boolean } = {}) {}

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

  /**
   * The ref of `fn`, looking through the exports of the modules that made task functions,
   * then of the modules they and the entry script import by path.
   */
  async locate(fn: AnyFunction): Promise<FunctionRef | null> {
    const peeked = this.peek(fn)
    if (peeked !== undefined) return peeked
    const recorded = recordedModules().filter((url) => url !== this.entry)
    const importers = this.entry === undefined ? recorded : [...recorded, this.entry]
    let found = await this.findExport(fn, recorded)
    if (found === null && this.options.followImports !== false) {
      found = await this.findExport(fn, this.importedByPath(importers, new Set(recorded)))
    }
    this.known.set(fn, found)
    return found
  }

  /** An `export` ref of `fn` from the first of `modules` that exports it. */
  private async findExport(
    fn: AnyFunction,
    modules: readonly string[],
  ): Promise<FunctionRef | null> {
    for (const url of modules) {
      const namespace = await this.namespace(url)
      if (namespace === undefined) continue
      for (const [name, value] of Object.entries(namespace)) {
        if (value === fn || (isDelayedFunction(value) && value.fn === fn)) {
          return { kind: 'export', url, name, hash: sourceHash(url) }
        }
      }
    }
    return null
  }

  /**
   * The modules of the project that `importers` import by path in import declarations,
   * but for `skip` and the entry script. Only a declaration's: what it names was
   * evaluated before the importer's code ran, so importing it here again is a lookup,
   * never a first evaluation (which a dynamic `import()` not yet run would be). Only a
   * path naming one file: beside both `helper.ts` and `helper.js`, `./helper.js` may have
   * loaded either, and importing the other would evaluate it.
   */
  private importedByPath(importers: readonly string[], skip: ReadonlySet<string>): string[] {
    const modules = new Set<string>()
    for (const importer of importers) {
      for (const url of this.declaredByPath(importer)) {
        if (url !== this.entry && !skip.has(url)) modules.add(url)
      }
    }
    return [...modules]
  }

  private declaredByPath(importer: string): readonly string[] {
    const known = this.declared.get(importer)
    if (known !== undefined) return known
    const urls: string[] = []
    if (importer.startsWith('file:')) {
      try {
        const path = fileURLToPath(importer)
        for (const specifier of declaredImports(readFileSync(path, 'utf8'))) {
          const files = importedFiles(specifier, path)
          if (files?.length !== 1 || files[0]!.split(sep).includes('node_modules')) continue
          const url = loaderURL(specifier, path, files[0]!)
          if (url !== undefined) urls.push(url)
        }
      } catch {
        // Not a file this process can read: it imports nothing a worker could find.
      }
    }
    this.declared.set(importer, urls)
    return urls
  }

  private namespace(url: string): Promise<Record<string, unknown> | undefined> {
    let namespace = this.namespaces.get(url)
    if (namespace === undefined) {
      // Already evaluated (it made task functions, or a module that did, or the entry
      // script, imports it in a declaration), so importing it again is a lookup.
      namespace = import(url).then(
        (module: Record<string, unknown>) => module,
        () => undefined,
      )
      this.namespaces.set(url, namespace)
    }
    return namespace
  }
}

/**
 * The URL Node's loader gave `file`, which `specifier` imports from `importer`: its real
 * path's, unless links are preserved (`--preserve-symlinks`), where it is the path as
 * the specifier names it; `undefined` where that path names no file as it is (`./x.js`
 * for `x.ts`). Importing it under another URL would evaluate the module a second time.
 */
function loaderURL(specifier: string, importer: string, file: string): string | undefined {
  if (!PRESERVES_SYMLINKS) return pathToFileURL(file).href
  const written = specifier.startsWith('file:')
    ? fileURLToPath(specifier)
    : resolve(dirname(importer), specifier)
  try {
    return realpathSync(written) === file ? pathToFileURL(written).href : undefined
  } catch {
    return undefined
  }
}

const PRESERVES_SYMLINKS =
  process.env.NODE_PRESERVE_SYMLINKS === '1' ||
  [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].includes(
    '--preserve-symlinks',
  )

function entryScriptURL(): string | undefined {
  const script = process.argv[1]
  if (script === undefined) return undefined
  try {
    return pathToFileURL(realpathSync(resolve(script))).href
  } catch {
    return undefined
  }
}
