import { findCloneProblem } from './clone-check.js'
import { errorText } from '@taskgraph/core/internal'

/** A task's error as it crosses from a worker: a copy, since errors carry no class across. */
export type WireError =
  | {
      readonly kind: 'error'
      readonly name: string
      readonly message: string
      readonly stack: string | undefined
      /** Own properties that can be copied (`code`, `errno`, ...). */
      readonly props: Record<string, unknown>
      /** The error's `cause`, if it has one. */
      readonly cause?: WireError
      /** An `AggregateError`'s `errors` (as `Promise.any` rejects with), if it is one. */
      readonly errors?: readonly WireError[]
    }
  | { readonly kind: 'value'; readonly value: unknown }
  /** A symbol, which cannot be copied: made again from its description (see `fromWireError`). */
  | { readonly kind: 'symbol'; readonly description?: string; readonly registered: boolean }

/** Links of a `cause` chain (or of nested `errors`) carried across; deeper ones are left out. */
const MAX_CAUSES = 8

/**
 * Turns what a task threw into something that crosses to the main thread. Never throws:
 * an error whose name or message cannot be read crosses as its text.
 */
export function toWireError(thrown: unknown, depth = 0): WireError {
  try {
    return wireErrorOf(thrown, depth)
  } catch {
    return { kind: 'value', value: errorText(thrown) }
  }
}

function wireErrorOf(thrown: unknown, depth: number): WireError {
  if (thrown instanceof Error) {
    const props: Record<string, unknown> = {}
    for (const key of Object.keys(thrown)) {
      if (key === 'cause') continue
      let value: unknown
      try {
        value = (thrown as unknown as Record<string, unknown>)[key]
      } catch {
        continue
      }
      if (findCloneProblem(value, key) === undefined) props[key] = value
    }
    const wire = {
      kind: 'error',
      name: String(thrown.name),
      message: String(thrown.message),
      stack: thrown.stack,
      props,
      ...('cause' in thrown && depth < MAX_CAUSES
        ? { cause: toWireError(thrown.cause, depth + 1) }
        : {}),
    } as const
    // Not an enumerable property, as `cause` is not: carried on its own, or it is lost.
    // A copy made here is an Error named AggregateError: a cluster copies it once more.
    const { errors } = thrown as Partial<AggregateError>
    const aggregate = thrown instanceof AggregateError || thrown.name === 'AggregateError'
    return aggregate && Array.isArray(errors) && depth < MAX_CAUSES
      ? { ...wire, errors: errors.map((error) => toWireError(error, depth + 1)) }
      : wire
  }
  if (typeof thrown === 'symbol') {
    const registered = Symbol.keyFor(thrown)
    return registered === undefined
      ? { kind: 'symbol', description: thrown.description, registered: false }
      : { kind: 'symbol', description: registered, registered: true }
  }
  // A thrown non-error crosses as it is when it can; otherwise as its text.
  return findCloneProblem(thrown, 'thrown') === undefined
    ? { kind: 'value', value: thrown }
    : { kind: 'value', value: errorText(thrown) }
}

/** The main thread's copy of a task's error: same name, message, stack and properties. */
export function fromWireError(wire: WireError): unknown {
  if (wire.kind === 'value') return wire.value
  // Not the one thrown, as no copy is, but a symbol still: described as inline describes it
  // ("thrown value Symbol(s)"), and the same one where it was registered (`Symbol.for`).
  if (wire.kind === 'symbol') {
    return wire.registered ? Symbol.for(wire.description!) : Symbol(wire.description)
  }
  const error = new Error(wire.message)
  Object.defineProperty(error, 'name', { value: wire.name, configurable: true, writable: true })
  if (wire.stack !== undefined) error.stack = wire.stack
  Object.assign(error, wire.props)
  if (wire.cause !== undefined) {
    Object.defineProperty(error, 'cause', {
      value: fromWireError(wire.cause),
      configurable: true,
      writable: true,
    })
  }
  if (wire.errors !== undefined) {
    Object.defineProperty(error, 'errors', {
      value: wire.errors.map(fromWireError),
      configurable: true,
      writable: true,
    })
  }
  return error
}
