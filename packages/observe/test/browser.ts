// Pages taskgraph makes (the report, the live dashboard) are checked in a real headless
// Chromium: the one the system has installed (Debian's `chromium`; `.ci/run` installs it),
// driven by playwright-core, which downloads no browser of its own.
import { existsSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll } from 'vitest'

/** Where the browser is: $TASKGRAPH_CHROMIUM, or the first of the usual places. */
export function chromiumPath(): string {
  const candidates = [
    process.env['TASKGRAPH_CHROMIUM'],
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
  ]
  const found = candidates.find((path) => path !== undefined && existsSync(path))
  if (found === undefined) {
    throw new Error(
      'no Chromium found for the browser tests: install it (apt-get install chromium) or set TASKGRAPH_CHROMIUM to its path',
    )
  }
  return found
}

let launched: Promise<Browser> | undefined

/** One headless browser per test file, closed after its tests. */
export function browser(): Promise<Browser> {
  if (launched === undefined) {
    launched = chromium.launch({
      executablePath: chromiumPath(),
      // Containers often run tests as root, where Chromium refuses its sandbox.
      args: ['--no-sandbox'],
    })
    afterAll(async () => {
      await (await launched)?.close()
      launched = undefined
    })
  }
  return launched
}

/** A page opened at `url`, and what went wrong on it while it was open. */
export interface OpenedPage {
  readonly page: Page
  /** Console errors and uncaught exceptions, as text. */
  readonly errors: string[]
  /** Requests the page made anywhere but `url`'s own origin (a self-contained page makes none). */
  readonly foreignRequests: string[]
}

/**
 * Opens `url` (an http:// or file:// URL) in a fresh context of the test file's browser,
 * `width` × `height` CSS pixels, and waits for it to load. The context is closed by the
 * caller (`page.context().close()`) or with the browser.
 */
export async function openPage(url: string, width = 1280, height = 800): Promise<OpenedPage> {
  const context = await (await browser()).newContext({ viewport: { width, height } })
  const page = await context.newPage()
  const errors: string[] = []
  const foreignRequests: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text())
  })
  page.on('pageerror', (error) => errors.push(String(error)))
  const origin = new URL(url)
  page.on('request', (request) => {
    const target = new URL(request.url())
    const same =
      target.protocol === 'data:' ||
      (target.protocol === origin.protocol &&
        (origin.protocol === 'file:'
          ? target.pathname === origin.pathname
          : target.host === origin.host))
    if (!same) foreignRequests.push(request.url())
  })
  await page.goto(url, { waitUntil: 'load' })
  return { page, errors, foreignRequests }
}
