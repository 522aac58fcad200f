import { basename } from 'node:path'

/** A command to start pnpm with: a file to run and the arguments that come first. */
export interface PnpmCommand {
  readonly file: string
  readonly args: readonly string[]
}

/**
 * How to start pnpm as this repository's README does, whether or not it is on PATH: the
 * pnpm running the tests if npm_execpath names one (`pnpm test` puts it there), else
 * `npx --yes pnpm@10` (the test's environment drops npm_config_yes, and with no terminal
 * npx would refuse to fetch it).
 */
export function pnpmCommand(): PnpmCommand {
  const execPath = process.env.npm_execpath
  if (execPath !== undefined && /^pnpm(\.[cm]?js)?$/.test(basename(execPath))) {
    // Its JavaScript entry (pnpm.cjs) is run by Node: it need not be executable.
    return /\.[cm]?js$/.test(execPath)
      ? { file: process.execPath, args: [execPath] }
      : { file: execPath, args: [] }
  }
  return { file: 'npx', args: ['--yes', 'pnpm@10'] }
}
