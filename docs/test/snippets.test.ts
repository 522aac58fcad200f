import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { readPage, type Page, type Program } from './markdown-snippets.js'
import { startRedis, startWorker, stop, type RedisServer } from './page-cluster.js'
import { addResultChecks } from './result-comments.js'

// Every TypeScript and JavaScript block of the docs and the READMEs runs, as a reader
// would run it: each in a Node process of its own, as the program's entry script (so
// worker pools never import it), importing the built `taskgraph` of this repository. A
// block whose module has a default export is a workflow, and runs with `taskgraph run`.
// Results the blocks state in comments are checked (see result-comments.ts). How a
// page marks blocks that do not run alone: markdown-snippets.ts. A page whose blocks
// import `@taskgraph/cluster` gets a cluster of its own (page-cluster.ts): its programs
// run with TASKGRAPH_CLUSTER set to it, so its workflows run there too.

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const DOCS_MODULES = fileURLToPath(new URL('../node_modules', import.meta.url))

const PAGES = [
  'README.md',
  ...readdirSync(join(REPO, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
  ...['apps', 'packages'].flatMap((folder) =>
    readdirSync(join(REPO, folder)).map((name) => `${folder}/${name}/README.md`),
  ),
].filter((page) => {
  try {
    return readFileSync(join(REPO, page), 'utf8') !== ''
  } catch {
    return false
  }
})

const pages = new Map<string, Page>(
  PAGES.map((page) => [page, readPage(readFileSync(join(REPO, page), 'utf8'), page)]),
)

const cli = (() => {
  const manifest = createRequire(join(DOCS_MODULES, 'index.js')).resolve('taskgraph/package.json')
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: Record<string, string> }
  return join(dirname(manifest), bin.taskgraph!)
})()

let root: string
const folders = new Map<string, string>()
/** The cluster URL of each page that uses one. */
const clusters = new Map<string, string>()
let redis: RedisServer | undefined
const workers: ChildProcess[] = []

const usesCluster = ({ programs, files }: Page): boolean =>
  [...programs.flatMap((program) => program.parts), ...files.map((file) => file.source)].some(
    (part) => 'code' in part && /from '@taskgraph\/cluster'/.test(part.code),
  )

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'taskgraph-snippets-'))
  await mkdir(join(root, 'tmp'))
  for (const [page, { programs, files }] of pages) {
    const folder = join(root, page.replace(/[/.]/g, '-'))
    folders.set(page, folder)
    await mkdir(folder)
    // Outside the repository, `taskgraph` resolves through the docs package's modules.
    await symlink(DOCS_MODULES, join(folder, 'node_modules'), 'dir')
    await writeFile(join(folder, 'package.json'), '{ "type": "module" }\n')
    for (const { file, source } of files) {
      const code =
        'path' in source
          ? await readFile(join(REPO, source.path), 'utf8')
          : addResultChecks(source.code, () => `${page}:${source.line}`)
      await writeModule(folder, file, code)
    }
    for (const program of programs) {
      await writeModule(folder, program.file, programSource(program, page))
    }
  }
  const clustered = [...pages].filter(([, page]) => usesCluster(page)).map(([page]) => page)
  if (clustered.length > 0) {
    redis = await startRedis(clustered.length)
    // A database each: a page's worker takes only its own page's jobs.
    for (const [db, page] of clustered.entries()) clusters.set(page, `${redis.url}/${db}`)
    workers.push(
      ...(await Promise.all(
        clustered.map((page) => startWorker(cli, clusters.get(page)!, folders.get(page)!)),
      )),
    )
  }
})

afterAll(async () => {
  await Promise.all(workers.map(stop))
  await redis?.stop()
  // Retried: a run that timed out may still be writing there.
  if (root !== undefined) await rm(root, { recursive: true, force: true, maxRetries: 5 })
})

/** The program's code with its stated results checked, mapped back to lines of the page. */
function programSource(program: Program, page: string): string {
  const origins: number[] = []
  for (const part of program.parts) {
    part.code.split('\n').forEach((_, k) => origins.push(part.line + k))
  }
  return addResultChecks(
    program.parts.map((part) => part.code).join('\n'),
    (line) => `${page}:${origins[line] ?? program.line}`,
  )
}

/** Writes a TypeScript module as the JavaScript Node runs (imports of `./x.js` find it). */
async function writeModule(folder: string, file: string, source: string): Promise<void> {
  const { outputText } = ts.transpileModule(source, {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  })
  await mkdir(dirname(join(folder, file)), { recursive: true })
  await writeFile(join(folder, outputName(file)), outputText)
}

const outputName = (file: string): string => file.replace(/\.ts$/, '.js').replace(/\.mts$/, '.mjs')

interface Run {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stderr: string
}

function run(folder: string, program: Program, cluster: string | undefined): Promise<Run> {
  const file = outputName(program.file)
  const workflow = program.parts.some(({ code }) => /^export default\b/m.test(code))
  const args = workflow ? [cli, 'run', file] : [file]
  return new Promise((resolve, reject) => {
    // What a program makes in os.tmpdir() (the pages' caches in mkdtemp directories) goes
    // with the test's own directory.
    const env = { ...process.env, TMPDIR: join(root, 'tmp') }
    const child = spawn(process.execPath, args, {
      cwd: folder,
      env: cluster === undefined ? env : { ...env, TASKGRAPH_CLUSTER: cluster },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 50_000,
    })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.once('error', reject)
    child.once('close', (code, signal) => resolve({ code, signal, stderr }))
  })
}

describe.concurrent.each([...pages].filter(([, page]) => page.programs.length > 0))(
  '%s',
  (page, { programs }) => {
    test.each(programs.map((program) => [`${program.file} (line ${program.line})`, program]))(
      '%s runs',
      async (_, program) => {
        const result = await run(folders.get(page)!, program, clusters.get(page))
        expect(result, result.stderr).toEqual({
          code: 0,
          signal: null,
          stderr: program.stderr === undefined ? '' : result.stderr,
        })
      },
    )
  },
)

describe.each([...pages].filter(([, page]) => page.excerpts.length > 0))(
  '%s',
  (_page, { excerpts }) => {
    test.each(excerpts.map((excerpt) => [`line ${excerpt.line}`, excerpt]))(
      '%s is an excerpt of its file',
      async (_, { path, code }) => {
        const source = (await readFile(join(REPO, path), 'utf8')).split('\n').map(normalize)
        let at = 0
        // Blank lines and comments of the page's own are allowed, and other lines in between.
        for (const line of code.split('\n').map(normalize)) {
          if (line === '') continue
          const found = source.indexOf(line, at)
          expect(found, `"${line}" is not in ${path} (after line ${at})`).toBeGreaterThanOrEqual(0)
          at = found + 1
        }
      },
    )
  },
)

/** A line without its indentation or a comment at its end; a comment alone is nothing. */
const normalize = (line: string): string => line.replace(/(^|\s+)\/\/.*$/, '').trim()
