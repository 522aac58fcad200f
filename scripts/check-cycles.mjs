// Fails when a module of a package's or app's source takes part in an import cycle, static
// or dynamic. A cycle works or breaks by the order modules happen to load in (a class
// extending one from the cycle, a top-level call into it), so none is allowed.
// Each package is checked on its own sources: imports of other taskgraph packages go to
// their built files, which are checked as the sources of their own package.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dpdm = createRequire(import.meta.url).resolve('dpdm/lib/bin/dpdm.js')
const sources = ['packages', 'apps'].flatMap((folder) =>
  readdirSync(join(root, folder)).map((name) => `${folder}/${name}/src`),
)

let failed = false
for (const source of sources) {
  const { status, stdout, stderr } = spawnSync(
    process.execPath,
    [
      dpdm,
      '--no-tree',
      '--no-warning',
      '--no-progress',
      '--transform',
      '--exclude',
      'node_modules|/dist/',
      '--exit-code',
      'circular:1',
      `${source}/**/*.ts`,
    ],
    { cwd: root, encoding: 'utf8' },
  )
  if (status === 0) {
    console.log(`${source}: no import cycle`)
    continue
  }
  failed = true
  console.error(`${source}: import cycles\n${stdout}${stderr}`)
}
process.exitCode = failed ? 1 : 0
