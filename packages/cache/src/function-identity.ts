import { createHash } from 'node:crypto'
import type { AnyFunction } from '@taskgraph/core'
import type { SourceFingerprints } from './source-fingerprints.js'

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

/** The module among those `origin` reaches that declares `name`, or else `origin`. */
function definingModule(name: string, origin: string, fingerprints: SourceFingerprints): string {
  if (!/^[\p{L}_$][\p{L}\p{N}_$]*$/u.test(name)) return origin
  const declares = declarations(name)
  if (declares(fingerprints.source(origin), true)) return origin
  const declaring = fingerprints
    .files(origin)
    .filter((path) => path !== origin && declares(fingerprints.source(path), false))
  return declaring.length === 1 ? declaring[0]! : origin
}

/**
 * Whether a module's source declares a function or variable `name`. In the origin, any
 * form that could make a function of that name counts (a property or method too), so
 * that a doubt keeps the origin.
 */
function declarations(name: string): (source: string, loosely: boolean) => boolean {
  const id = name.replace(/\$/g, '\\$')
  const strict = new RegExp(
    `\\bfunction\\b\\s*\\*?\\s*${id}\\s*[(<]|\\b(?:const|let|var)\\s+${id}\\b|\\bclass\\s+${id}\\b`,
    'u',
  )
  // `name: …`, `name = …`, and a method `name(…) {`.
  const loose = new RegExp(
    `(?:^|[^\\p{L}\\p{N}_$.])${id}\\s*(?:[:=](?!=)|\\([^)]*\\)\\s*\\{)`,
    'mu',
  )
  return (source, loosely) => strict.test(source) || (loosely && loose.test(source))
}
