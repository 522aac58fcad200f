import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, expect, test } from 'vitest'

const scratch = mkdtempSync(join(tmpdir(), 'taskgraph-links-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

// A program imports a helper through a link, and wraps its function as it runs: workers
// find it through the program's import. With links preserved, Node's loader names the
// helper by the link's path: looked up under its real path, it would be evaluated a
// second time on the main thread, and its function found nowhere.
test.each([
  ['links resolved', []],
  ['links preserved (--preserve-symlinks)', ['--preserve-symlinks']],
] as const)(
  "%s: a linked helper's function runs in a worker, the helper evaluated once here",
  async (_, flags) => {
    const dir = join(scratch, flags.length === 0 ? 'resolved' : 'preserved')
    mkdirSync(join(dir, 'real'), { recursive: true })
    mkdirSync(join(dir, 'project'))
    writeFileSync(
      join(dir, 'real', 'helper.mjs'),
      [
        "import { threadId } from 'node:worker_threads'",
        "if (threadId === 0) console.log('helper evaluated')",
        'export function where() {',
        '  return threadId',
        '}',
      ].join('\n'),
    )
    symlinkSync(join(dir, 'real', 'helper.mjs'), join(dir, 'project', 'helper.mjs'))
    writeFileSync(
      join(dir, 'project', 'main.mjs'),
      [
        `import { delayed } from ${JSON.stringify(import.meta.resolve('@taskgraph/core'))}`,
        `import { compute } from ${JSON.stringify(import.meta.resolve('@taskgraph/scheduler'))}`,
        "import { where } from './helper.mjs'",
        "const [thread] = await compute(delayed(where)(), { executor: 'threads', workers: 1 })",
        "console.log(thread === 0 ? 'on the main thread' : 'in a worker')",
      ].join('\n'),
    )
    const { stdout } = await promisify(execFile)(process.execPath, [
      ...flags,
      '--no-warnings',
      join(dir, 'project', 'main.mjs'),
    ])
    expect(stdout.trim().split('\n')).toEqual(['helper evaluated', 'in a worker'])
  },
)
