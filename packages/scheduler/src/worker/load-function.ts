import type { AnyFunction } from '@taskgraph/core'
import { findFunction } from '@taskgraph/core/internal'
import {
  functionIn,
  moduleOf,
  refName,
  sourceHash,
  type FunctionRef,
} from '../wire/function-ref.js'
import { importModule } from './import-module.js'

/**
 * The function a ref names, importing its module first; `undefined` if the module made
 * or exports no such function.
 */
export async function loadFunction(ref: FunctionRef): Promise<AnyFunction | undefined> {
  // A function its module's evaluation made here already (the workflow a worker imports
  // as it starts, and the modules it imports) is that one: importing the file again
  // could evaluate a second copy of the module, and cannot import a TypeScript module of
  // a CommonJS package that the workflow imported under tsx (evaluated from a `data:`
  // URL, so not found under its file's).
  if (ref.kind === 'origin') {
    const made = findFunction(ref.origin)
    if (made !== undefined) return made
  }
  const imported = await importModule(moduleOf(ref))
  // A ref by module path (a cluster's job) names the file; a module that stripping could
  // not run made its functions under the URL tsx imported it by.
  const found =
    ref.kind === 'origin' && imported.url !== ref.origin.url
      ? { ...ref, origin: { ...ref.origin, url: imported.url } }
      : ref
  return functionIn(found, imported.module)
}

/**
 * Why this worker must not run the function `ref` names: its copy of the module is not
 * the source the caller hashed (see `FunctionRef`). `undefined` when they agree, or when
 * either side could not read the source.
 */
export function sourceMismatch(ref: FunctionRef): string | undefined {
  if (ref.hash === undefined) return undefined
  const url = moduleOf(ref)
  const own = sourceHash(url)
  if (own === undefined || own === ref.hash) return undefined
  return `the worker's copy of ${url} is not the source the caller has (function ${refName(ref)})`
}
