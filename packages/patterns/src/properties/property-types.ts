import type { ElementOf } from '@taskgraph/core'

// The types that make each property function see exactly what it may use. A definition
// carries four type parameters: the fields `F`, the batched field names `B`, the
// per-element properties `P` (name → value of one element) and the whole-batch
// properties `W` (name → value).

/** Properties defined so far, by name. */
export type PropertyTypes = Record<string, unknown>

/** No properties yet. */
export type NoProperties = Record<never, never>

/** Fields that can be split into elements: arrays and typed arrays. */
export type BatchableField<F> = {
  [K in keyof F]-?: F[K] extends string ? never : F[K] extends ArrayLike<unknown> ? K : never
}[keyof F] &
  string

/** The names a property may use: the fields, and the properties defined before it. */
export type UsableName<F, P, W> = (keyof F | keyof P | keyof W) & string

/** `N` if no field or property has that name yet; otherwise a type that names the clash. */
export type NewName<N extends string, Taken> = N extends Taken
  ? `"${N}" is already a field or property`
  : N

/** `P` with one more entry. */
export type WithProperty<P, N extends string, V> = {
  [K in keyof P | N]: K extends N ? V : K extends keyof P ? P[K] : never
}

type ElementValue<F, B, P, W, K> = K extends keyof P
  ? P[K]
  : K extends keyof W
    ? W[K]
    : K extends keyof F
      ? K extends B
        ? ElementOf<F[K]>
        : F[K]
      : never

/**
 * What a per-element function sees: one element of each batched field, other fields as
 * they are, this element's value of each per-element property, whole-batch properties
 * as they are. Only the names in `U`.
 */
export type ElementView<F, B, P, W, U extends PropertyKey> = {
  readonly [K in U]: ElementValue<F, B, P, W, K>
}

/**
 * What a whole-batch function sees: every field as it is, each per-element property as
 * the array of its values, whole-batch properties as they are. Only the names in `U`.
 */
export type WholeView<F, P, W, U extends PropertyKey> = {
  readonly [K in U]: K extends keyof P
    ? P[K][]
    : K extends keyof W
      ? W[K]
      : K extends keyof F
        ? F[K]
        : never
}

/** The computed values as the object holds them: per-element properties stacked in arrays. */
export type PropertyValues<P, W> = {
  [K in keyof P | keyof W]: K extends keyof P ? P[K][] : K extends keyof W ? W[K] : never
}

/** Type-only: what an object made by `create` can compute. Nothing has this key at run time. */
declare const computable: unique symbol

/**
 * An object made by `definition.create(fields)`: its fields, and its properties, which
 * hold values once `parallelCompute` has computed them (reading one before throws a
 * `NotComputedError`).
 */
export type PropertyObject<F, V> = Readonly<F> & Readonly<V> & { readonly [computable]?: V }

/** Any object made by `create`. */
export type AnyPropertyObject = { readonly [computable]?: object }

/** The values an object made by `create` can compute, by property name. */
export type PropertyValuesOf<O> = O extends { readonly [computable]?: infer V } ? V : never

/** The property names of an object made by `create`. */
export type PropertyNameOf<O> = keyof PropertyValuesOf<O> & string
