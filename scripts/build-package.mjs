// Builds the package in the working directory into dist/: its declarations with tsc, its
// code with esbuild, one file per entry point and the modules entries share in chunks.
//
//   node ../../scripts/build-package.mjs [EXTRA_ENTRY.ts ...]
//
// Why bundle: Node's ES module loader pays for each file it resolves, reads and links. The
// library as tsc wrote it was 171 files, 150 ms to import on Node 20; bundled, 82 ms
// (docs/performance.md). Every `taskgraph` command, every pool thread and every cluster
// worker imports it at start.
// Each package is bundled alone (other packages stay imports): a class or registry of a
// package exists once however many packages use it.
//
// Entries: what package.json "exports" names, and the extra ones given (files loaded by
// URL: worker entries, loader hooks). Functions and classes keep their names
// (`keepNames`): task keys and error messages name them.
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { build } from 'esbuild'

const pkg = JSON.parse(readFileSync('package.json', 'utf8'))
const entries = new Set(process.argv.slice(2))
for (const target of Object.values(pkg.exports ?? {})) {
  const file = typeof target === 'string' ? target : target.default
  if (file?.startsWith('./dist/') && file.endsWith('.js'))
    entries.add(file.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts'))
}

rmSync('dist', { recursive: true, force: true })
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const declarations = spawnSync(
  process.execPath,
  [tsc, '-p', 'tsconfig.build.json', '--emitDeclarationOnly'],
  { stdio: 'inherit' },
)
if (declarations.status !== 0) process.exit(declarations.status ?? 1)

const { metafile } = await build({
  entryPoints: [...entries],
  outbase: 'src',
  outdir: 'dist',
  // Chunks at the root of dist/, as modules at the root of src/ are: see checkLayout.
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  // Dependencies, Node's own modules and the other packages of taskgraph stay imports.
  packages: 'external',
  keepNames: true,
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
})
checkLayout(metafile)
copyPages()

/**
 * Fails the build if a module that reaches a file by a path relative to its own URL
 * (`new URL('./x.js', import.meta.url)`, `createRequire(import.meta.url)('../package.json')`)
 * lands in a file of another directory than its own: the path would lead elsewhere.
 */
function checkLayout({ outputs }) {
  const wrong = []
  for (const [output, { inputs }] of Object.entries(outputs)) {
    if (!output.endsWith('.js')) continue
    for (const input of Object.keys(inputs)) {
      if (!input.startsWith('src/') || !reachesByOwnURL(input)) continue
      const from = dirname(relative('src', input))
      const to = dirname(relative('dist', output))
      if (from !== to) wrong.push(`${input} (in ${output})`)
    }
  }
  if (wrong.length > 0) {
    console.error(
      `build-package: modules that reach files by their own URL landed in another directory: ${wrong.join(', ')}. Move them to the root of src/, or make them entries.`,
    )
    process.exit(1)
  }
}

function reachesByOwnURL(input) {
  return readFileSync(input, 'utf8')
    .split('\n')
    .some((line) => line.includes('import.meta.url') && /['"`]\.\.?\//.test(line))
}

/** Browser scripts (src/pages/*.js) are read as text and served: copied as they are. */
function copyPages() {
  const pages = 'src/pages'
  let names
  try {
    names = readdirSync(pages).filter((name) => name.endsWith('.js'))
  } catch {
    return
  }
  mkdirSync('dist/pages', { recursive: true })
  for (const name of names) copyFileSync(join(pages, name), join('dist/pages', name))
}
