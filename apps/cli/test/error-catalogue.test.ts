import { readFile } from 'node:fs/promises'
import { expect, it } from 'vitest'
import * as cluster from '@taskgraph/cluster'
import * as taskgraph from 'taskgraph'

// Every error class docs/errors.md lists can be matched by class, as it says: exported
// by 'taskgraph' (the cluster's by '@taskgraph/cluster', which local runs never load), a
// TaskgraphError, named as it is listed.
const catalogue = await readFile(new URL('../../../docs/errors.md', import.meta.url), 'utf8')
const listed = [...catalogue.matchAll(/^\| `(\w+Error)` +\| `(ERR_\w+)`/gm)].map(
  ([, name]) => name!,
)

it('docs/errors.md lists the error classes', () => {
  expect(listed.length).toBeGreaterThan(30)
})

it.each([...new Set(listed)])('%s is exported, a TaskgraphError of that name', (name) => {
  const exported =
    (taskgraph as Record<string, unknown>)[name] ?? (cluster as Record<string, unknown>)[name]
  expect(typeof exported, `${name} is not exported`).toBe('function')
  const error = exported as { prototype: object; name: string }
  expect(error.prototype).toBeInstanceOf(taskgraph.TaskgraphError)
  expect(error.name).toBe(name)
})
