import type { Delayed } from './delayed.js'

/** Any function; task functions are user code of any signature. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFunction = (...args: any[]) => any

/**
 * A value as a task argument: the value itself, a `Delayed` of it, or (for arrays and
 * plain objects) a structure whose members may themselves be lazy, at any depth.
 */
export type Lazy<T> = T | Delayed<T> | LazyMembers<T>

type LazyMembers<T> = T extends Delayed<unknown>
  ? never
  : T extends AnyFunction
    ? never
    : T extends readonly unknown[]
      ? { [K in keyof T]: Lazy<T[K]> }
      : T extends Record<string, unknown>
        ? { [K in keyof T]: Lazy<T[K]> }
        : never

/** The parameter list of a delayed function: each parameter may be lazy. */
export type LazyArgs<P extends readonly unknown[]> = { [K in keyof P]: Lazy<P[K]> }

/**
 * What computing `T` gives: `Delayed<U>` becomes `U`; arrays and plain objects are
 * resolved member by member; anything else is returned as it is.
 */
export type Computed<T> =
  T extends Delayed<infer U>
    ? U
    : T extends AnyFunction
      ? T
      : T extends readonly unknown[]
        ? { -readonly [K in keyof T]: Computed<T[K]> }
        : T extends Record<string, unknown>
          ? { -readonly [K in keyof T]: Computed<T[K]> }
          : T

/** Keys of `T` whose values are methods. */
// `keyof T & PropertyKey` rather than `keyof T`: a mapped type over `keyof T` would map
// the elements of an array `T` instead of its properties, leaving no method keys.
export type MethodKeys<T> = {
  [K in keyof T & PropertyKey]: T[K] extends AnyFunction ? K : never
}[keyof T & PropertyKey]
