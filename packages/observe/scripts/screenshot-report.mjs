// Takes the report's picture in docs/images/report.png: runs a real example with the
// built CLI and `--report`, opens the report in the system's headless Chromium and
// captures the first screen. After a build:
//
//   node packages/observe/scripts/screenshot-report.mjs [workflow] [out.png]
import { execFileSync } from 'node:child_process'
import console from 'node:console'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import process from 'node:process'
import { URL, fileURLToPath, pathToFileURL } from 'node:url'
import { chromium } from 'playwright-core'

const repo = fileURLToPath(new URL('../../../', import.meta.url))
const workflow = resolve(process.argv[2] ?? join(repo, 'examples/wordcount.ts'))
const out = resolve(process.argv[3] ?? join(repo, 'docs/images/report.png'))
const browserPath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync)
if (browserPath === undefined) throw new Error('no Chromium found: apt-get install chromium')

const folder = mkdtempSync(join(tmpdir(), 'taskgraph-report-'))
try {
  const report = join(folder, 'report.html')
  const cli = join(repo, 'apps/cli/dist/bin.js')
  execFileSync(
    process.execPath,
    [cli, 'run', relative(repo, workflow), '-e', 'threads', '-w', '4', '--report', report],
    // From the repository, so the report is named as a reader would run it.
    { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] },
  )
  const browser = await chromium.launch({ executablePath: browserPath, args: ['--no-sandbox'] })
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } })
    await page.goto(pathToFileURL(report).href)
    await page.waitForSelector('[data-testid="stream"][data-bars]')
    await page.screenshot({ path: out })
  } finally {
    await browser.close()
  }
  console.log(`wrote ${out}`)
} finally {
  rmSync(folder, { recursive: true, force: true })
}
