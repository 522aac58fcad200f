import { execFile } from 'node:child_process'
import { readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { packageManagerEnv } from './helpers/package-manager-env.js'
import { cleanUp, makeTempDir } from './helpers/temp-dirs.js'

const exec = promisify(execFile)
const REPO = fileURLToPath(new URL('../../../', import.meta.url))
const PACKAGES = {
  '@taskgraph/core': 'packages/core',
  '@taskgraph/scheduler': 'packages/scheduler',
  taskgraph: 'apps/cli',
}

const env = packageManagerEnv()

/** Packs each publishable package with `pnpm pack` (as publishing would) into `into`. */
async function pack(into: string): Promise<Record<string, string>> {
  const tarballs: Record<string, string> = {}
  for (const [name, dir] of Object.entries(PACKAGES)) {
    const destination = join(into, dir.replace('/', '-'))
    await exec('pnpm', ['pack', '--pack-destination', destination], { cwd: join(REPO, dir), env })
    const [tarball, ...others] = (await readdir(destination)).filter((file) =>
      file.endsWith('.tgz'),
    )
    expect(others).toEqual([])
    tarballs[name] = `file:${join(destination, tarball!)}`
  }
  return tarballs
}

/** stderr without the warnings npm prints about its own configuration. */
function withoutNpmWarnings(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => !line.startsWith('npm warn'))
    .join('\n')
    .trim()
}

const FLOW_TS = `import { delayed, gather, literal } from 'taskgraph'

const prices = literal([3, 4, 5], { name: 'prices' })
const sum = delayed((xs: number[]): number => xs.reduce((a, b) => a + b, 0), { name: 'sum' })
const double = delayed(async (x: number): Promise<number> => 2 * x, { name: 'double' })

const total = sum(prices)
export default gather({ total, doubled: double(total) })
`

// The three packages, packed and installed with npm into a new project under
// os.tmpdir(); their other dependencies come from the npm registry.
describe('the packed packages, installed with npm', { timeout: 300_000 }, () => {
  let project: string
  let tarballs: Record<string, string>

  beforeAll(async () => {
    tarballs = await pack(await makeTempDir('taskgraph-packs-'))
    project = await makeTempDir('taskgraph-project-')
    const manifest = {
      name: 'taskgraph-pack-test',
      version: '1.0.0',
      private: true,
      // What `npm init` writes: the .ts workflow must not need "type": "module".
      type: 'commonjs',
      dependencies: tarballs,
      // @taskgraph/core and @taskgraph/scheduler resolve to the tarballs everywhere, never to the registry.
      overrides: {
        '@taskgraph/core': '$@taskgraph/core',
        '@taskgraph/scheduler': '$@taskgraph/scheduler',
      },
    }
    await writeFile(join(project, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
    await writeFile(join(project, 'flow.ts'), FLOW_TS)
    await exec('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: project,
      env,
    })
  }, 300_000)

  afterAll(cleanUp)

  it('installs one copy of each package, from its tarball', async () => {
    const lock = JSON.parse(await readFile(join(project, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { resolved?: string }>
    }
    for (const name of Object.keys(PACKAGES)) {
      const copies = Object.entries(lock.packages).filter(([path]) =>
        path.endsWith(`node_modules/${name}`),
      )
      expect(
        copies.map(([path, { resolved }]) => [path, resolved?.replace(/^.*\//, '')]),
        name,
      ).toEqual([[`node_modules/${name}`, tarballs[name]!.replace(/^.*\//, '')]])
    }
  })

  it('npx taskgraph run flow.ts --json prints the result', async () => {
    const { stdout, stderr } = await exec(
      'npx',
      ['--no-install', 'taskgraph', 'run', 'flow.ts', '--json'],
      { cwd: project, env },
    )
    expect(JSON.parse(stdout)).toEqual({ total: 12, doubled: 24 })
    expect(withoutNpmWarnings(stderr)).toBe('')
  })

  it('npx taskgraph visualize flow.ts -o flow.svg renders with the installed Graphviz build', async () => {
    await exec('npx', ['--no-install', 'taskgraph', 'visualize', 'flow.ts', '-o', 'flow.svg'], {
      cwd: project,
      env,
    })
    const svg = await readFile(join(project, 'flow.svg'), 'utf8')
    expect(svg).toMatch(/^(<\?xml|<svg)/)
    expect(svg).toContain('>double</text>')
  })
})
