import { execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedis, type RedisServer } from '../../../packages/cluster/test/redis-server.js'
import { packageManagerEnv } from './helpers/package-manager-env.js'
import { pnpmCommand } from './helpers/pnpm-command.js'
import { cleanUp, makeTempDir } from './helpers/temp-dirs.js'

const exec = promisify(execFile)
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const REPO = fileURLToPath(new URL('../../../', import.meta.url))
const PACKAGES = {
  '@taskgraph/core': 'packages/core',
  '@taskgraph/scheduler': 'packages/scheduler',
  '@taskgraph/patterns': 'packages/patterns',
  '@taskgraph/observe': 'packages/observe',
  '@taskgraph/cache': 'packages/cache',
  '@taskgraph/cluster': 'packages/cluster',
  taskgraph: 'apps/cli',
}

const env = packageManagerEnv()
const pnpm = pnpmCommand()

interface Manifest {
  name: string
  version: string
  license?: string
  engines?: { node?: string }
  bin?: Record<string, string>
  dependencies?: Record<string, string>
}

const readManifest = async (dir: string): Promise<Manifest> =>
  JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Manifest

/**
 * Packs the publishable packages as docs/getting-started.md says, with pnpm from the
 * repository's root (as publishing would pack them): the tarball of each, by name.
 */
async function pack(into: string): Promise<Record<string, string>> {
  await exec(
    pnpm.file,
    [...pnpm.args, '-r', '--filter', 'taskgraph...', 'pack', '--pack-destination', into],
    { cwd: REPO, env },
  )
  const tarballs: Record<string, string> = {}
  for (const [name, dir] of Object.entries(PACKAGES)) {
    const { version } = await readManifest(join(REPO, dir))
    tarballs[name] = join(into, `${name.replace('@', '').replace('/', '-')}-${version}.tgz`)
  }
  expect((await readdir(into)).sort()).toEqual(Object.values(tarballs).map(baseName).sort())
  return tarballs
}

const baseName = (path: string): string => path.replace(/^.*\//, '')

/**
 * Whether every process of the process group `group` (a negative pid) has exited within
 * `ms`; those still there then are killed, so that none outlives the test.
 */
async function groupGone(group: number, ms: number): Promise<boolean> {
  const alive = (): boolean => {
    try {
      process.kill(group, 0)
      return true
    } catch {
      return false
    }
  }
  const end = performance.now() + ms
  while (alive() && performance.now() < end) await new Promise((wake) => setTimeout(wake, 50))
  if (!alive()) return true
  process.kill(group, 'SIGKILL')
  return false
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

const TYPED_TS = `import { compute, delayed, gather, type Delayed } from 'taskgraph'

const inc = delayed((a: number): number => a + 1, { name: 'inc' })
export const one: Delayed<number> = inc(1)
// @ts-expect-error a Delayed<number> is not a Delayed<string>
export const wrong: Delayed<string> = inc(1)
export const both = gather({ one, length: delayed((s: string) => s.length)('ab') })
export const total = compute(both).then(([{ one, length }]): number => one + length)
`

// A module of pattern functions, as a user writes one: workers find `square` by
// importing it from the installed packages.
const PATTERNS_MJS = `import { isMainThread } from 'node:worker_threads'
import { Vectorizer, inbatchParallel } from 'taskgraph'

function square(x) {
  return { square: x * x, inWorker: !isMainThread }
}
export const squarer = new Vectorizer(square, { workers: 2 })
export const squareAll = inbatchParallel(square, { init: 'items', target: 'threads', workers: 2 })
`

// The packages, packed and installed with npm into a new project under
// os.tmpdir(), with the commands docs/getting-started.md gives; their other
// dependencies come from the npm registry.
describe('the packed packages, installed with npm', { timeout: 300_000 }, () => {
  let project: string
  let unpacked: string
  let tarballs: Record<string, string>

  beforeAll(async () => {
    tarballs = await pack(await makeTempDir('taskgraph-packs-'))
    unpacked = await makeTempDir('taskgraph-unpacked-')
    for (const [name, tarball] of Object.entries(tarballs)) {
      await mkdir(join(unpacked, name), { recursive: true })
      await exec('tar', ['-xzf', tarball, '-C', join(unpacked, name)])
    }
    project = await makeTempDir('taskgraph-project-')
    // What `npm init -y` writes: the .ts workflow must not need "type": "module".
    const manifest = { name: 'taskgraph-pack-test', version: '1.0.0', type: 'commonjs' }
    await writeFile(join(project, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
    await writeFile(join(project, 'flow.ts'), FLOW_TS)
    await writeFile(join(project, 'patterns.mjs'), PATTERNS_MJS)
    // All together: taskgraph's own dependencies on the others are met by their
    // tarballs, so npm never looks for them on the registry.
    await exec(
      'npm',
      ['install', '--no-audit', '--no-fund', '--loglevel=error', ...Object.values(tarballs)],
      { cwd: project, env },
    )
  }, 300_000)

  afterAll(cleanUp)

  it('packs what a user needs, and nothing of the repository around it', async () => {
    const contents: Record<string, string[]> = {}
    for (const name of Object.keys(PACKAGES)) {
      contents[name] = (await readdir(join(unpacked, name, 'package'))).sort()
    }
    expect(contents).toEqual({
      '@taskgraph/core': ['LICENSE', 'README.md', 'dist', 'package.json', 'src'],
      '@taskgraph/scheduler': ['LICENSE', 'README.md', 'dist', 'package.json', 'src'],
      '@taskgraph/patterns': ['LICENSE', 'README.md', 'dist', 'package.json', 'src'],
      '@taskgraph/observe': ['LICENSE', 'README.md', 'dist', 'package.json', 'src'],
      '@taskgraph/cache': ['LICENSE', 'README.md', 'dist', 'package.json', 'src'],
      '@taskgraph/cluster': ['LICENSE', 'README.md', 'dist', 'package.json', 'src'],
      taskgraph: ['LICENSE', 'README.md', 'bin', 'dist', 'package.json', 'src'],
    })
    const license = await readFile(join(REPO, 'LICENSE'), 'utf8')
    for (const name of Object.keys(PACKAGES)) {
      expect(await readFile(join(unpacked, name, 'package', 'LICENSE'), 'utf8'), name).toBe(license)
    }
  })

  it('packs manifests that say which Node they need', async () => {
    const root = await readManifest(REPO)
    for (const name of Object.keys(PACKAGES)) {
      const packed = await readManifest(join(unpacked, name, 'package'))
      expect(packed, name).toMatchObject({
        name,
        license: 'MIT',
        engines: root.engines,
      })
      // pnpm replaced workspace: and catalog: ranges with versions npm understands.
      expect(Object.values(packed.dependencies ?? {}).join(' '), name).not.toMatch(/:/)
    }
  })

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
      ).toEqual([[`node_modules/${name}`, baseName(tarballs[name]!)]])
    }
  })

  it('can be required from CommonJS', async () => {
    const { stdout } = await exec(
      process.execPath,
      ['-e', "console.log(typeof require('taskgraph').delayed)"],
      { cwd: project, env },
    )
    expect(stdout.trim()).toBe('function')
  })

  // A user's typed module, checked with the TypeScript of this repository against the
  // installed declarations: the types of delayed results are inferred, and a wrong one is
  // an error (an unused @ts-expect-error is one too).
  it.each([
    // What `"module": "commonjs"` resolves with unless told otherwise: node10, which reads
    // no "exports", and finds declarations by "types" and "typesVersions".
    { module: 'commonjs', moduleResolution: 'node10' },
    { module: 'nodenext', moduleResolution: 'nodenext' },
    { module: 'esnext', moduleResolution: 'bundler' },
  ])('type-checks with module $module and moduleResolution $moduleResolution', async (options) => {
    const name = `typed-${options.moduleResolution}`
    await writeFile(join(project, `${name}.ts`), TYPED_TS)
    const compilerOptions = {
      ...options,
      target: 'es2022',
      strict: true,
      noEmit: true,
      // The repository's @types/node, as the project has none of its own.
      typeRoots: [join(REPO, 'apps/cli/node_modules/@types')],
      types: ['node'],
    }
    const tsconfig = join(project, `tsconfig.${name}.json`)
    await writeFile(tsconfig, JSON.stringify({ compilerOptions, files: [`${name}.ts`] }))
    const checked = await exec(process.execPath, [TSC, '-p', tsconfig], { cwd: project, env }).then(
      () => '',
      (error: unknown) => (error as { stdout: string }).stdout,
    )
    expect(checked).toBe('')
  })

  it('runs the patterns on worker threads, which find their modules in the install', async () => {
    const program = `
      const { squarer, squareAll } = await import('./patterns.mjs')
      console.log(JSON.stringify([await squarer.process([1, 2]), await squareAll([3])]))
    `
    const { stdout } = await exec(process.execPath, ['--input-type=module', '-e', program], {
      cwd: project,
      env,
    })
    expect(JSON.parse(stdout)).toEqual([
      [
        { square: 1, inWorker: true },
        { square: 4, inWorker: true },
      ],
      [{ square: 9, inWorker: true }],
    ])
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

  describe('on a cluster', () => {
    let redis: RedisServer

    beforeAll(async () => {
      redis = await startRedis()
    })

    afterAll(async () => {
      await redis?.stop()
    })

    it('npx taskgraph worker serves the project, and npx taskgraph run --cluster uses it', async () => {
      // Its own process group: npx runs taskgraph in a child, which the signal must reach.
      const worker = spawn(
        'npx',
        ['--no-install', 'taskgraph', 'worker', '--cluster', redis.url, '--threads', '1'],
        { cwd: project, env, stdio: ['ignore', 'ignore', 'pipe'], detached: true },
      )
      const exited = new Promise((resolve) => worker.once('exit', resolve))
      try {
        let stderr = ''
        worker.stderr.setEncoding('utf8')
        await new Promise<void>((resolve, reject) => {
          worker.stderr.on('data', (chunk: string) => {
            stderr += chunk
            if (stderr.includes(': ready with 1 thread')) resolve()
          })
          void exited.then(() => reject(new Error(`the worker exited:\n${stderr}`)))
        })
        const { stdout } = await exec(
          'npx',
          ['--no-install', 'taskgraph', 'run', 'flow.ts', '--cluster', redis.url, '--json'],
          { cwd: project, env },
        )
        expect(JSON.parse(stdout)).toEqual({ total: 12, doubled: 24 })
      } finally {
        // npx may exit before the worker it started: the whole group must be gone.
        const group = -worker.pid!
        process.kill(group, 'SIGTERM')
        await exited
        expect(await groupGone(group, 10_000)).toBe(true)
      }
    })
  })

  describe('installed without @taskgraph/cluster', () => {
    let bare: string

    beforeAll(async () => {
      bare = await makeTempDir('taskgraph-bare-')
      const manifest = { name: 'taskgraph-bare-test', version: '1.0.0', type: 'commonjs' }
      await writeFile(join(bare, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
      await writeFile(join(bare, 'flow.ts'), FLOW_TS)
      const local = Object.entries(tarballs)
        .filter(([name]) => name !== '@taskgraph/cluster')
        .map(([, tarball]) => tarball)
      await exec('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...local], {
        cwd: bare,
        env,
      })
    }, 300_000)

    it('has no Redis client', () => {
      for (const name of ['@taskgraph/cluster', 'bullmq', 'ioredis']) {
        expect(existsSync(join(bare, 'node_modules', name)), name).toBe(false)
      }
    })

    it('npx taskgraph run --cluster exits 5, saying to install @taskgraph/cluster as taskgraph was', async () => {
      const failed = await exec(
        'npx',
        ['--no-install', 'taskgraph', 'run', 'flow.ts', '--cluster', 'redis://127.0.0.1:1'],
        { cwd: bare, env },
      ).then(
        () => undefined,
        (error: unknown) => error as { code: number; stdout: string; stderr: string },
      )
      expect(failed).toBeDefined()
      expect({ code: failed!.code, stdout: failed!.stdout }).toEqual({ code: 5, stdout: '' })
      expect(withoutNpmWarnings(failed!.stderr)).toMatch(
        /^taskgraph: error: MissingPackageError: .*@taskgraph\/cluster/,
      )
      // Installed from tarballs, as taskgraph is not on the registry: the message names
      // the tarball to install, since npm install @taskgraph/cluster alone would fail.
      expect(withoutNpmWarnings(failed!.stderr)).toContain(
        baseName(tarballs['@taskgraph/cluster']!).replace(/-[\d.]+\.tgz$/, ''),
      )
      expect(withoutNpmWarnings(failed!.stderr).split('\n')).toHaveLength(1)
    })
  })
})
