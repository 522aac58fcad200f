// `pnpm bench:cluster`: the cluster part of `pnpm bench:compare` alone (cluster-compare.ts):
// taskgraph's cluster against Dask's distributed.LocalCluster, and the cluster's targets.
//
//   pnpm bench:cluster                  # from the repository root (builds first)
//   node --import tsx cluster.ts 5      # repetitions
import { compareClusters } from './cluster-compare.ts'
import { PYTHON, ensureDask } from './lib/dask.ts'

const version = ensureDask()
if (version === undefined) console.log(`Dask could not be had (${PYTHON}): its side is skipped.`)
await compareClusters(Number(process.argv[2] ?? 3), version === undefined ? undefined : PYTHON)
