import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { isDelayedFunction, type AnyFunction } from '@taskgraph/core'
import { findFunction, type FunctionOrigin } from '@taskgraph/core/internal'

/**
 * How a worker finds a task function: re-made by importing the module whose evaluation
 * made it (`origin`), or exported by a module under a name (`export`).
 *
 * `hash` is a hash of the module's source as the caller read it (`undefined` when the
 * module is not a file it can read). Before running the function, a worker hashes its
 * own copy of the module: when the two differ (the file changed since, or a worker on
 * another machine has another version of it), the worker does not run the function and
 * answers that it cannot reach it, so the call runs where the caller's copy is.
 */
export type FunctionRef =
  | { readonly kind: 'origin'; readonly origin: FunctionOrigin; readonly hash: string | undefined }
  | {
      readonly kind: 'export'
      readonly url: string
      readonly name: string
      readonly hash: string | undefined
    }

/** The URL of the module a ref names. */
export function moduleOf(ref: FunctionRef): string {
  return ref.kind === 'origin' ? ref.origin.url : ref.url
}

/** A string naming a ref, for caches and statistics. */
export function refKey(ref: FunctionRef): string {
  return ref.kind === 'origin'
    ? `${ref.origin.url}#${ref.origin.name}:${ref.origin.occurrence}`
    : `${ref.url}#export:${ref.name}`
}

/** The function's name, for messages. */
export function refName(ref: FunctionRef): string {
  return ref.kind === 'origin' ? ref.origin.name || '(anonymous)' : ref.name
}

const hashes = new Map<string, string | undefined>()

/**
 * The hash of the source of the module at `url` (SHA-256, base64url), read once per
 * process; `undefined` when it is not a file this process can read.
 */
export function sourceHash(url: string): string | undefined {
  if (hashes.has(url)) return hashes.get(url)
  let hash: string | undefined
  if (url.startsWith('file:')) {
    try {
      hash = createHash('sha256')
        .update(readFileSync(fileURLToPath(url)))
        .digest('base64url')
    } catch {
      hash = undefined
    }
  }
  hashes.set(url, hash)
  return hash
}

/**
 * The function `ref` names, its module (`namespace`) imported: made again by that
 * module's evaluation, or exported by it. `undefined` if it has no such function.
 */
export function functionIn(
  ref: FunctionRef,
  namespace: Record<string, unknown>,
): AnyFunction | undefined {
  return ref.kind === 'origin' ? findFunction(ref.origin) : exportedFunction(namespace[ref.name])
}

/** An exported task function: a delayed function's own, or a plain function. */
export function exportedFunction(value: unknown): AnyFunction | undefined {
  if (isDelayedFunction(value)) return value.fn
  return typeof value === 'function' ? (value as AnyFunction) : undefined
}
