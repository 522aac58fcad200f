import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

/**
 * A Node binary that strips TypeScript types itself: this process's when it does (the
 * suite running on Node 22.18+ or 24), else Node 24 from the npm registry through npx,
 * cached after the first run. `undefined` when none can be had (no registry): the tests
 * that need one are skipped.
 */
export function nodeThatStripsTypes(): string | undefined {
  if (typeof (process.features as { typescript?: unknown }).typescript === 'string') {
    return process.execPath
  }
  const found = spawnSync('npx', ['--yes', 'node@24', '-p', 'process.execPath'], {
    encoding: 'utf8',
    timeout: 120_000,
  })
  const path = found.stdout?.trim()
  return found.status === 0 && path !== undefined && existsSync(path) ? path : undefined
}
