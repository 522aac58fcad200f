import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { packageManagerEnv } from './helpers/package-manager-env.js'
import { pnpmCommand } from './helpers/pnpm-command.js'

// The commands the README gives for a clone, after its set-up (npx pnpm@10 install &&
// npx pnpm@10 build), run in this checkout as a user runs them. npx must find the
// workspace's own `taskgraph`: without npm_config_yes and offline, it cannot fetch one.

const exec = promisify(execFile)
const REPO = fileURLToPath(new URL('../../../', import.meta.url))
const env = { ...packageManagerEnv(), npm_config_offline: 'true' }
const COMMANDS = { npx: { file: 'npx', args: [] }, pnpm: pnpmCommand() }

const { version, bin } = JSON.parse(
  await readFile(new URL('../package.json', import.meta.url), 'utf8'),
) as { version: string; bin: Record<string, string> }

describe('a clone, after install and build', () => {
  it.each(['.', 'examples'])('npx taskgraph runs the workspace copy in %s', async (folder) => {
    const { stdout } = await exec('npx', ['taskgraph', '--version'], {
      cwd: join(REPO, folder),
      env,
    })
    expect(stdout.trim()).toBe(version)
  })

  it('links the taskgraph bin before the first build: its file is in the repository', async () => {
    // A bin under dist/ does not exist when pnpm install links bins in a fresh clone.
    const path = join('apps/cli', bin.taskgraph!)
    await expect(
      exec('git', ['ls-files', '--error-unmatch', path], { cwd: REPO }),
    ).resolves.toBeDefined()
  })

  // The README's command, and pnpm's way to the same bin: stdout must hold the result and
  // nothing else (no script banner), or --json is no use.
  it.each(['npx', 'pnpm'] as const)(
    '%s taskgraph run examples/pi.ts --executor threads --json prints only JSON',
    async (name) => {
      const command = COMMANDS[name]
      const { stdout } = await exec(
        command.file,
        [...command.args, 'taskgraph', 'run', 'examples/pi.ts', '--executor', 'threads', '--json'],
        { cwd: REPO, env },
      )
      expect(Math.abs((JSON.parse(stdout) as number) - Math.PI)).toBeLessThan(0.01)
    },
  )
})
