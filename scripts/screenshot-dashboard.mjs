// Takes docs/images/dashboard.png: runs examples/mandelbrot.ts on two worker processes with
// --dashboard, opens the page in headless Chromium (the system's, as the browser tests
// use) while the run lasts, and shoots it once ten of its sixteen tiles are done. Build first:
//
//   pnpm build && node scripts/screenshot-dashboard.mjs
import { spawn } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
// The functions given to page.evaluate run in the page, where `document` is the browser's.
/* global document */

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const CLI = join(ROOT, 'apps/cli/dist/bin.js')
const OUT = join(ROOT, 'docs/images/dashboard.png')
const { chromium } = createRequire(join(ROOT, 'packages/observe/package.json'))('playwright-core')

if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (pnpm build)`)
const executablePath = [
  process.env.TASKGRAPH_CHROMIUM,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
]
  .filter(Boolean)
  .find((path) => existsSync(path))
if (executablePath === undefined) throw new Error('no Chromium: apt-get install chromium')

// The browser is up before the run starts: the run lasts a few seconds.
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] })
const child = spawn(
  process.execPath,
  [CLI, 'run', 'examples/mandelbrot.ts', '-e', 'processes', '-w', '2', '--dashboard', '0'],
  {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MANDELBROT_PNG: join(tmpdir(), 'taskgraph-dashboard-mandelbrot.png') },
  },
)
try {
  const url = await new Promise((resolve, reject) => {
    let stderr = ''
    child.stderr.on('data', (chunk) => {
      stderr += chunk
      const found = /dashboard at (\S+)/.exec(stderr)
      if (found) resolve(found[1])
    })
    child.once('exit', () => reject(new Error(`the run ended without a dashboard:\n${stderr}`)))
  })
  const page = await browser.newPage({ viewport: { width: 1200, height: 760 } })
  await page.goto(url)
  // Ten tiles, or the end of the run if it outran the page.
  for (;;) {
    const [done, status] = await page.evaluate(() => [
      Number(
        /^(\d+) \//.exec(
          document.querySelector('[data-group="tile"] .counts')?.textContent ?? '',
        )?.[1] ?? 0,
      ),
      document.querySelector('#status')?.textContent ?? '',
    ])
    if (done >= 10 || status.startsWith('run ended')) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  await mkdir(join(ROOT, 'docs/images'), { recursive: true })
  await page.screenshot({ path: OUT })
  console.log(`${OUT}: ${Math.round(statSync(OUT).size / 1024)} KB`)
} finally {
  await browser.close()
  child.kill()
}
