import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { nodeThatStripsTypes } from './helpers/node-24.js'
import { fixture, runCli, type CliOptions } from './helpers/run-cli.js'
import { cleanUp, makeTempDir } from './helpers/temp-dirs.js'

// Which loader runs a workflow's TypeScript, on the main thread and in pool workers: Node's
// type stripping where Node has it, tsx where it does not, and tsx for a file that
// stripping cannot run. `--log-level debug` names the loader in its 'workflow loaded' line.

const NODE_24 = nodeThatStripsTypes()
const stripsTypesHere =
  typeof (process.features as { typescript?: unknown }).typescript === 'string'

interface Where {
  readonly value: number
  readonly threadId: number
  readonly tsx: boolean
}

async function run(
  file: string,
  executor: string,
  options: CliOptions = {},
): Promise<{ loader: unknown; result: Where }> {
  const { code, stdout, stderr } = await runCli(
    [
      ...['--log-level', 'debug', 'run', file, '--executor', executor, '--json'],
      ...(executor === 'async' ? [] : ['--workers', '1']),
    ],
    options,
  )
  expect({ code, errors: stderr.split('\n').filter((line) => !line.startsWith('{')) }).toEqual({
    code: 0,
    errors: [''],
  })
  const loaded = stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg: string; loader?: unknown })
    .find((line) => line.msg === 'workflow loaded')
  return { loader: loaded?.loader, result: JSON.parse(stdout) as Where }
}

describe.each(['async', 'threads', 'processes'])('on the %s executor', (executor) => {
  const inWorker = executor === 'threads'
  describe.skipIf(NODE_24 === undefined)(
    'on a Node that strips types (skipped: no such Node here, nor through npx)',
    () => {
      test('a workflow stripping can run loads without tsx, in workers too', async () => {
        const { loader, result } = await run('where-loaded.ts', executor, { node: NODE_24 })
        expect(loader).toBe('node')
        expect(result).toMatchObject({ value: 2, tsx: false })
        if (inWorker) expect(result.threadId).not.toBe(0)
      })

      test('a workflow with an enum and a type imported without `type` falls back to tsx', async () => {
        const { loader, result } = await run('enum-flow.ts', executor, { node: NODE_24 })
        expect(loader).toBe('tsx')
        expect(result).toMatchObject({ value: 3, tsx: true })
        if (inWorker) expect(result.threadId).not.toBe(0)
      })

      test('a workflow with a decorator, which V8 cannot parse once stripped, falls back to tsx', async () => {
        const { loader, result } = await run('decorator-flow.ts', executor, { node: NODE_24 })
        expect(loader).toBe('tsx')
        expect(result).toMatchObject({ value: 6, tsx: true })
        if (inWorker) expect(result.threadId).not.toBe(0)
      })

      test('a workflow importing JSON without an import attribute falls back to tsx', async () => {
        const { loader, result } = await run('json-flow.ts', executor, { node: NODE_24 })
        expect(loader).toBe('tsx')
        expect(result).toMatchObject({ value: 5, tsx: true })
        if (inWorker) expect(result.threadId).not.toBe(0)
      })

      test('TASKGRAPH_TYPESCRIPT=tsx has tsx load every workflow', async () => {
        const { loader, result } = await run('where-loaded.ts', executor, {
          node: NODE_24,
          env: { TASKGRAPH_TYPESCRIPT: 'tsx' },
        })
        expect(loader).toBe('tsx')
        expect(result).toMatchObject({ value: 2, tsx: true })
      })
    },
  )

  test.skipIf(stripsTypesHere)('on a Node that cannot strip types, tsx loads it', async () => {
    const { loader, result } = await run('where-loaded.ts', executor)
    expect(loader).toBe('tsx')
    expect(result).toMatchObject({ value: 2, tsx: true })
  })
})

// A .ts workflow written as CommonJS loads as CommonJS, under tsx (Node 20) and with type
// stripping, on the main thread and in workers.
describe.each(['async', 'threads', 'processes'])(
  'a workflow written as CommonJS, on the %s executor',
  (executor) => {
    // Node 24 strips types where Node 20 needs tsx: once more, in a thread, from Node 20
    // (the suite runs on 22 and 24 too, as `pnpm test:node`).
    const nodes = [
      { name: 'this Node', node: process.execPath },
      ...(NODE_24 === undefined ||
      !process.versions.node.startsWith('20.') ||
      executor !== 'threads'
        ? []
        : [{ name: 'Node 24', node: NODE_24 }]),
    ]
    test.each(nodes)('loads and runs on $name', async ({ node }) => {
      const args = ['run', 'required.ts', '--executor', executor, '--json']
      const workers = executor === 'async' ? [] : ['--workers', '1']
      const result = await runCli([...args, ...workers], { cwd: fixture('commonjs'), node })
      expect(result).toMatchObject({ code: 0, stderr: '' })
      const { value, threadId } = JSON.parse(result.stdout) as { value: number; threadId: number }
      expect(value).toBe(16)
      expect(threadId !== 0).toBe(executor === 'threads')
    })

    // Taken for an ES module, as a line of it starts with `export`: `require` and
    // `module` were not defined.
    test.each(nodes)(
      'with lines of a template literal that start with export or import(, loads on $name',
      async ({ node }) => {
        const args = ['run', 'templated.ts', '--executor', executor, '--json']
        const workers = executor === 'async' ? [] : ['--workers', '1']
        const result = await runCli([...args, ...workers], { cwd: fixture('commonjs'), node })
        expect(result).toMatchObject({ code: 0, stderr: '' })
        expect(JSON.parse(result.stdout)).toEqual({ value: 2, loaded: true })
      },
    )
  },
)

// A package.json without "type": Node tells a TypeScript module's format by parsing it,
// and warns (MODULE_TYPELESS_PACKAGE_JSON) in each thread that loads one written as an ES
// module, unless it is told the format first, as it is for the workflow.
describe.skipIf(NODE_24 === undefined)(
  'a workflow of a package without "type", importing a TypeScript helper',
  () => {
    test.each(['async', 'threads', 'processes'])(
      'loads without a warning on %s',
      async (executor) => {
        const args = ['run', 'flow.ts', '--executor', executor, '--json']
        const workers = executor === 'async' ? [] : ['--workers', '1']
        const result = await runCli([...args, ...workers], {
          cwd: fixture('typeless'),
          node: NODE_24,
        })
        expect(result).toMatchObject({ code: 0, stdout: '42\n', stderr: '' })
      },
    )
  },
)

// tsx takes a "?" in a file's path for the start of a query and compiles the file as
// JavaScript: where tsx would load such a workflow, it is refused with a WorkflowError
// saying to rename it (exit 3), not tsx's TransformError; type stripping loads it.
// Node 20 read the TypeScript as JavaScript; Node 22 and 24 could not fall back to tsx.
describe.each(['async', 'threads'])(
  'a JavaScript workflow importing TypeScript, on %s',
  (executor) => {
    test('loads, on this Node', async () => {
      const { result } = await run('imports-typescript.mjs', executor)
      expect(result.value).toBe(4)
    })

    test.skipIf(NODE_24 === undefined)(
      'loads on a Node that strips types, with tsx for the enum',
      async () => {
        const { result } = await run('imports-typescript.mjs', executor, { node: NODE_24 })
        expect(result).toMatchObject({ value: 4, tsx: true })
      },
    )
  },
)

// Imported again with tsx, the workflow's top-level code would run twice.
describe.skipIf(NODE_24 === undefined)(
  'a module stripping cannot run, imported by code that ran',
  () => {
    test('fails the load, saying how to load it with tsx, and the code ran once', async () => {
      const dir = await makeTempDir('taskgraph-loader-')
      const log = join(dir, 'ran.log')
      const { code, stderr } = await runCli(['run', 'import-after-code.ts'], {
        node: NODE_24,
        env: { RAN_LOG: log },
      })
      expect(code).toBe(3)
      expect(stderr).toContain('TypeScript enum is not supported in strip-only mode')
      expect(stderr).toContain('set TASKGRAPH_TYPESCRIPT=tsx')
      expect(await readFile(log, 'utf8')).toBe('ran\n')
    })
  },
)

describe.concurrent('a TypeScript workflow with "?" in its path', () => {
  let dir = ''
  beforeAll(async () => {
    dir = await makeTempDir()
    await copyFile(fixture('where-loaded.ts'), join(dir, 'where?.ts'))
    await writeFile(
      join(dir, 'enum?.ts'),
      `import { delayed } from 'taskgraph'\nenum Step { One = 1 }\nexport default delayed((x: Step) => x + 1)(Step.One)\n`,
    )
  })
  afterAll(cleanUp)

  const expectRefused = async (file: string, options: CliOptions): Promise<void> => {
    const result = await runCli(['run', file], { cwd: dir, ...options })
    expect(result).toMatchObject({ code: 3, stdout: '' })
    const lines = result.stderr.trimEnd().split('\n')
    expect(lines).toEqual([expect.stringMatching(/^taskgraph: error: WorkflowError: /)])
    // It names the file and the character to rename away, not tsx's TransformError.
    expect(lines[0]).toContain(file)
    expect(lines[0]).toContain('"?"')
  }

  test.skipIf(stripsTypesHere)('is refused on a Node that cannot strip types', async () => {
    await expectRefused('where?.ts', {})
  })

  describe.skipIf(NODE_24 === undefined)('on a Node that strips types', () => {
    test('loads without tsx, in workers too', async () => {
      const { loader, result } = await run('where?.ts', 'threads', { cwd: dir, node: NODE_24 })
      expect(loader).toBe('node')
      expect(result).toMatchObject({ value: 2, tsx: false })
    })

    test('is refused where it needs tsx: stripping cannot run it, or TASKGRAPH_TYPESCRIPT=tsx', async () => {
      await expectRefused('enum?.ts', { node: NODE_24 })
      await expectRefused('where?.ts', { node: NODE_24, env: { TASKGRAPH_TYPESCRIPT: 'tsx' } })
    })
  })
})

// tsx reads the working directory's tsconfig.json, once a process: `paths` aliases of a
// project run from elsewhere are found through TSX_TSCONFIG_PATH (docs/cli.md), in its
// workers too.
describe.concurrent('a workflow importing through a tsconfig paths alias', () => {
  let dir = ''
  // A directory of its own, removed by this block alone: `cleanUp` removes every one
  // made so far, and another block's may run while this one's tests do.
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'taskgraph-paths-'))
    await mkdir(join(dir, 'project', 'lib'), { recursive: true })
    await writeFile(
      join(dir, 'project', 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@lib/*': ['lib/*'] } } }),
    )
    await writeFile(join(dir, 'project', 'lib', 'two.ts'), 'export const two = 2\n')
    await writeFile(
      join(dir, 'project', 'flow.ts'),
      `import { delayed } from 'taskgraph'\nimport { two } from '@lib/two'\nexport default delayed(function twice(x: number) { return x * two })(21)\n`,
    )
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  test('loads from the directory of that tsconfig.json', async () => {
    const result = await runCli(['run', 'flow.ts', '--json'], { cwd: join(dir, 'project') })
    expect(result).toMatchObject({ code: 0, stdout: '42\n', stderr: '' })
  })

  test('from elsewhere, fails to find the alias, and loads with TSX_TSCONFIG_PATH', async () => {
    const failed = await runCli(['run', 'project/flow.ts'], { cwd: dir })
    expect(failed.code, failed.stderr).toBe(3)
    expect(failed.stderr).toContain("Cannot find package '@lib/two'")
    const env = { TSX_TSCONFIG_PATH: 'project/tsconfig.json' }
    for (const executor of ['async', 'threads']) {
      const args = ['run', 'project/flow.ts', '--json', '--executor', executor]
      const result = await runCli(args, { cwd: dir, env })
      expect(result).toMatchObject({ code: 0, stdout: '42\n', stderr: '' })
    }
  })
})

// Node's compile cache (Node 22.1+) is an optimisation: a directory it cannot make (here a
// path under a file: root may write anywhere else) leaves it off, in the command and in
// its workers, and the run goes on.
describe.skipIf(NODE_24 === undefined)('a compile cache that cannot be written', () => {
  test.each(['async', 'threads', 'processes'])('does not fail a run on %s', async (executor) => {
    const { loader, result } = await run('where-loaded.ts', executor, {
      node: NODE_24,
      env: { NODE_COMPILE_CACHE: '/dev/null/compile-cache', TMPDIR: '/dev/null' },
    })
    expect(loader).toBe('node')
    expect(result).toMatchObject({ value: 2, tsx: false })
  })
})
