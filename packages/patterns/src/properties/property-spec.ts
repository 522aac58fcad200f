import type { AnyFunction, TaskOptions } from '@taskgraph/core'

/** One property of a definition, as recorded by `parallel` or `whole`. */
export interface PropertySpec {
  readonly name: string
  /** Evaluated once per element of the batch (`parallel`), or once over all of it (`whole`). */
  readonly perElement: boolean
  readonly fn: AnyFunction
  /** The fields and properties its function sees; `undefined`: every field. */
  readonly uses: readonly string[] | undefined
  readonly options: TaskOptions
}

/** What a definition holds at run time; its types live on `PropertiesDefinition`. */
export interface DefinitionData {
  /** The fields split into elements. */
  readonly batched: readonly string[]
  /** The properties in the order they were defined: each uses only earlier ones. */
  readonly properties: ReadonlyMap<string, PropertySpec>
  /** Names a property's `uses` took for fields, with that property: no property may take them later. */
  readonly fieldUses: ReadonlyMap<string, string>
}
