import type { Delayed } from './lazy/delayed.js'

/** Any function; task functions are user code of any signature. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFunction = (...args: any[]) => any

/**
 * A value as a task argument: the value itself, a `Delayed` of it, or (for arrays and
 * plain objects) a structure whose members may themselves be lazy, at any depth.
 */
export type Lazy<T> = T | Delayed<T> | LazyMembers<T>

type LazyMembers<T> =
  T extends Delayed<unknown>
    ? never
    : T extends AnyFunction
      ? never
      : T extends readonly unknown[]
        ? { [K in keyof T]: Lazy<T[K]> }
        : // Any object type, interfaces included: callers pass object literals for them.
          T extends object
          ? { [K in keyof T]: Lazy<T[K]> }
          : never

/** The parameter list of a delayed function: each parameter may be lazy. */
export type LazyArgs<P extends readonly unknown[]> = { [K in keyof P]: Lazy<P[K]> }

/**
 * What computing `T` gives: `Delayed<U>` becomes `U` (computed in turn: a task that
 * returns a graph stands for its result); arrays and plain objects are resolved member
 * by member; anything else is returned as it is.
 */
export type Computed<T> =
  T extends Delayed<infer U>
    ? Computed<U>
    : T extends AnyFunction
      ? T
      : T extends readonly unknown[]
        ? { -readonly [K in keyof T]: Computed<T[K]> }
        : T extends Record<string, unknown>
          ? { -readonly [K in keyof T]: Computed<T[K]> }
          : // An interface is no `Record` (it has no index signature), yet its objects are
            // plain ones as often as not, resolved at run time: an object type with a lazy
            // member is taken for one. Others (`Map`, `Date`, class instances) are
            // passed as they are, as at run time.
            T extends object
            ? true extends HasLazyMember<T>
              ? { -readonly [K in keyof T]: Computed<T[K]> }
              : T
            : T

/** Whether a member of `T` may be a `Delayed`, or hold one, looked for 4 levels down. */
export type HasLazyMember<T, Depth extends unknown[] = []> = {
  [K in keyof T]-?: MayBeLazy<T[K], Depth>
}[keyof T]

type MayBeLazy<V, Depth extends unknown[]> = Depth['length'] extends 4
  ? false
  : // `any` says nothing of what the member holds.
    0 extends 1 & V
    ? false
    : V extends Delayed<unknown>
      ? true
      : V extends AnyFunction
        ? false
        : V extends readonly (infer E)[]
          ? MayBeLazy<E, [...Depth, 0]>
          : V extends object
            ? HasLazyMember<V, [...Depth, 0]>
            : false

/** Keys of `T` whose values are methods. */
// `keyof T & PropertyKey` rather than `keyof T`: a mapped type over `keyof T` would map
// the elements of an array `T` instead of its properties, leaving no method keys.
export type MethodKeys<T> = {
  [K in keyof T & PropertyKey]: T[K] extends AnyFunction ? K : never
}[keyof T & PropertyKey]

/**
 * The parameter lists of every overload of a function (up to four) as a union, so a
 * call matching any overload type-checks (`Parameters` sees only the last overload).
 */
export type OverloadedParameters<F> = F extends {
  (...args: infer A1): unknown
  (...args: infer A2): unknown
  (...args: infer A3): unknown
  (...args: infer A4): unknown
}
  ? A1 | A2 | A3 | A4
  : F extends (...args: infer A) => unknown
    ? A
    : never

/** The results of every overload of a function (up to four) as a union. */
export type OverloadedReturnType<F> = F extends {
  (...args: never[]): infer R1
  (...args: never[]): infer R2
  (...args: never[]): infer R3
  (...args: never[]): infer R4
}
  ? R1 | R2 | R3 | R4
  : F extends (...args: never[]) => infer R
    ? R
    : never
