import type { TaskGraph } from '@taskgraph/core/internal'
import type { DiskCache } from './disk-cache.js'
import type { EntryRecipe } from './entry-file.js'
import type { FunctionRecipe, TaskKeys } from './task-keys.js'

// An entry lists its dependencies, for `taskgraph cache why`, unless it has more than this.
export const MAX_RECIPE_DEPENDENCIES = 32

/** The dependencies of node `i` as a stored entry lists them: task key and cache key. */
export function dependenciesOf(graph: TaskGraph, keys: TaskKeys, i: number): [string, string][] {
  const deps: [string, string][] = []
  for (let e = graph.depStart[i]!; e < graph.depStart[i + 1]!; e++) {
    const d = graph.depNodes[e]!
    deps.push([graph.key(d), keys.key(d)])
  }
  return deps
}

/**
 * Whether task `i` would be read from the cache, and if not, why: what its key is made
 * of now against what it was made of when its result was last stored (the files of its
 * function's module, its dependencies' results, its other arguments).
 */
export async function explainKey(
  graph: TaskGraph,
  keys: TaskKeys,
  store: DiskCache,
  i: number,
): Promise<string[]> {
  const task = `${graph.key(i)} (${graph.name(i)})`
  switch (keys.kind(i)) {
    case 'impure':
      return [
        `${task} is impure: it runs every time. If its result depends on its arguments alone, make its function pure: delayed(fn, { cache: true }).`,
      ]
    case 'unkeyable':
      return [`${task} cannot be cached, so it runs every time: ${keys.reason(i)}.`]
    case 'keyed':
      return [
        graph.spec(i).rearranges === true
          ? `${task} is one of taskgraph's own steps, which only rearrange results: it is never stored, and runs every time.`
          : `${task} is not stored: its function has cache: false.`,
      ]
  }
  // Looked at, not used: an entry a run would not read is not kept from eviction by it.
  const lookup = await store.get(keys.key(i), { peek: true })
  if (lookup.hit) {
    return [`${task} is in the cache: a run reads its result instead of running it.`]
  }
  if (lookup.problem !== undefined) {
    return [
      `${task} has an entry in the cache that cannot be used: ${lookup.problem}. A run reads it as missing (with a warning), runs the task and stores its result anew.`,
    ]
  }
  const earlier = (await store.list('skip'))
    .filter((entry) => entry.task === graph.key(i))
    .sort((a, b) => b.storedAt - a.storedAt)[0]
  if (earlier === undefined) {
    return [
      `${task} is not in the cache, and no result of this task is: it never ran with this cache, its result was quicker to make than to read back (so it was not stored), or it was evicted or cleared. A run would run it, and store its result if that is worth it (or with the cache's store: 'all').`,
    ]
  }
  const lines = [
    `${task} is not in the cache: what its key is made of changed since its result was stored, ${new Date(earlier.storedAt).toISOString()}:`,
  ]
  const reasons = [
    ...(await functionChanges(earlier.recipe, keys.fn(i), keys.recipes, store)),
    ...dependencyChanges(earlier.recipe, dependenciesOf(graph, keys, i)),
  ]
  if (reasons.length === 0) {
    const inputs = graph.depStart[i + 1]! - graph.depStart[i]!
    reasons.push(
      earlier.recipe !== undefined && earlier.recipe.deps === undefined && inputs > 0
        ? `an argument, or the result of one of the ${inputs} tasks and values it takes, changed (or taskgraph’s version did): the entry of a task that takes more than ${MAX_RECIPE_DEPENDENCIES} does not list them`
        : 'an argument that is not another task’s result changed (or taskgraph’s version did)',
    )
  }
  return [...lines, ...reasons.map((reason) => `  - ${reason}`)]
}

async function functionChanges(
  earlier: EntryRecipe | undefined,
  fn: string,
  recipes: ReadonlyMap<string, FunctionRecipe>,
  store: DiskCache,
): Promise<string[]> {
  if (earlier === undefined) return ['its result was stored without a recipe to compare with']
  if (earlier.fn === fn) return []
  const before = (await store.recipe(earlier.fn)) as FunctionRecipe | undefined
  const now = recipes.get(fn)!
  if (before === undefined) return ['its function’s code changed (the earlier recipe is gone)']
  const changes: string[] = []
  if (before.module !== now.module) {
    changes.push(`its function is now keyed by ${now.module} (it was ${before.module})`)
  }
  for (const [file, hash] of Object.entries(now.files)) {
    const old = before.files[file]
    if (old === undefined) changes.push(`its function's module now imports ${file}`)
    else if (old !== hash) changes.push(`the source of ${file} changed`)
  }
  for (const file of Object.keys(before.files)) {
    if (!(file in now.files)) changes.push(`its function's module no longer imports ${file}`)
  }
  const packagesBefore = new Set(before.packages)
  for (const entry of now.packages) {
    if (!packagesBefore.has(entry)) changes.push(`it imports ${entry.replace(/^\w+ /, '')} now`)
  }
  const capturedBefore = before.captured ?? {}
  const capturedNow = now.captured ?? {}
  for (const [variable, hash] of Object.entries(capturedNow)) {
    const old = capturedBefore[variable]
    if (old === undefined) changes.push(`its function now closes over ${variable}`)
    else if (old !== hash) changes.push(`the value its function closes over as ${variable} changed`)
  }
  for (const variable of Object.keys(capturedBefore)) {
    if (!(variable in capturedNow)) changes.push(`its function no longer closes over ${variable}`)
  }
  // Its module's source is the same: the code the runtime made of it is not (a TypeScript
  // module loaded by tsx on one Node and with its types stripped by another).
  if (changes.length === 0) {
    changes.push(
      'the code of its function itself changed, as the runtime has it (a TypeScript module run by another Node loads through another loader: tsx on Node 20, type stripping on 22.18 and later)',
    )
  }
  return changes
}

function dependencyChanges(
  earlier: EntryRecipe | undefined,
  now: readonly (readonly [string, string])[],
): string[] {
  if (earlier?.deps === undefined) return []
  const before = new Map(earlier.deps)
  const changes: string[] = []
  for (const [task, key] of now) {
    const old = before.get(task)
    if (old === undefined) changes.push(`it takes the result of ${task} now`)
    else if (old !== key) changes.push(`the result of ${task}, which it takes, changed`)
  }
  const current = new Set(now.map(([task]) => task))
  for (const [task] of earlier.deps) {
    if (!current.has(task)) changes.push(`it no longer takes the result of ${task}`)
  }
  return changes
}
