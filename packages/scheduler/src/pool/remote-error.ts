import { findCloneProblem } from './clone-check.js'

/** A task's error as it crosses from a worker: a copy, since errors carry no class across. */
export type WireError =
  | {
      readonly kind: 'error'
      readonly name: string
      readonly message: string
      readonly stack: string | undefined
      /** Own properties that can be copied (`code`, `errno`, ...). */
      readonly props: Record<string, unknown>
    }
  | { readonly kind: 'value'; readonly value: unknown }

/** Turns what a task threw into something that crosses to the main thread. */
export function toWireError(thrown: unknown): WireError {
  if (thrown instanceof Error) {
    const props: Record<string, unknown> = {}
    for (const key of Object.keys(thrown)) {
      const value = (thrown as unknown as Record<string, unknown>)[key]
      if (findCloneProblem(value, key) === undefined) props[key] = value
    }
    return { kind: 'error', name: thrown.name, message: thrown.message, stack: thrown.stack, props }
  }
  // A thrown non-error crosses as it is when it can; otherwise as its text.
  return findCloneProblem(thrown, 'thrown') === undefined
    ? { kind: 'value', value: thrown }
    : { kind: 'value', value: String(thrown) }
}

/** The main thread's copy of a task's error: same name, message, stack and properties. */
export function fromWireError(wire: WireError): unknown {
  if (wire.kind === 'value') return wire.value
  const error = new Error(wire.message)
  Object.defineProperty(error, 'name', { value: wire.name, configurable: true, writable: true })
  if (wire.stack !== undefined) error.stack = wire.stack
  Object.assign(error, wire.props)
  return error
}
