import { createHash } from 'node:crypto'
import type { AnyFunction } from '@taskgraph/core'
import type { SourceFingerprints } from './source-fingerprints.js'
import { declarationForms } from './declaration-forms.js'

/**
 * What a task function's key holds of its code (`identity`), and the module whose
 * fingerprint it holds (`module`): its own code as the runtime has it, and
 * the fingerprint of the module that defines it (that module's source and every
 * project module it imports, transitively), which covers whatever it reads or calls.
 *
 * Node does not say which module defined a function, only which module's evaluation
 * gave it to `delayed` (its origin). A workflow often wraps functions it imports from
 * the project's other modules, and also holds its inputs: keyed by the workflow's
 * fingerprint, every task would run again whenever an input changed. So a function that
 * the origin does not declare, and that exactly one other module the origin reaches does
 * declare, is keyed by that module's fingerprint (and by the packages the origin reaches,
 * in case it came from one of them). In every other case, the origin's own fingerprint
 * keys it, which is never wrong, only too eager to run again.
 */
export function functionIdentity(
  fn: AnyFunction,
  origin: string,
  fingerprints: SourceFingerprints,
): { readonly identity: string; readonly module: string } {
  const code = createHash('sha256').update(fn.toString()).digest('hex')
  const module = definingModule(fn.name, origin, fingerprints)
  if (module === origin) return { identity: `${fingerprints.of(origin)}:${code}`, module }
  const packages = fingerprints.packages(origin).join('\n')
  return { identity: `${fingerprints.of(module)}:${packages}:${code}`, module }
}

/**
 * The module among those `origin` reaches that makes a function `name` at its top level,
 * or else `origin`. Only a declaration that leaves no doubt counts: the one form of the
 * name, in all the modules `origin` reaches, that could make such a function, a
 * `function`, `class`, `const`, `let` or `var` of the module's top level, at the start of
 * its line. A name also found as a property, a method (a class's static one), or inside
 * another function (whose every call makes a new one, closing over what its caller
 * passed) may be the function as well: its module's fingerprint could leave out what
 * decides it, so `origin`, which reaches them all, keys it.
 */
function definingModule(name: string, origin: string, fingerprints: SourceFingerprints): string {
  if (!isIdentifier(name)) return origin
  const forms = declarationForms(name)
  if (forms.found(fingerprints.source(origin)).length > 0) return origin
  let declaring: string | undefined
  for (const path of fingerprints.files(origin)) {
    if (path === origin) continue
    const source = fingerprints.source(path)
    const found = forms.found(source)
    if (found.length === 0) continue
    if (declaring !== undefined || found.length > 1 || !forms.topLevel(source, found[0]!)) {
      return origin
    }
    declaring = path
  }
  return declaring ?? origin
}

/** Whether `name` is an identifier (not `''`, nor `bound f`, nor `[Symbol.iterator]`). */
function isIdentifier(name: string): boolean {
  // Most are ASCII: the Unicode pattern costs a fresh process a third of a ms to compile.
  return /^[A-Za-z_$][\w$]*$/.test(name) || /^[\p{L}_$][\p{L}\p{N}_$]*$/u.test(name)
}
