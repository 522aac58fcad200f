import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { delayed, toDot, toGraph } from '@taskgraph/core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { renderSvg } from '../src/index.js'
import { openPage } from './browser.js'

// What `taskgraph visualize` draws, laid out by Graphviz (renderSvg) and opened in a real
// headless Chromium, as a user opens the SVG file.

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'taskgraph-svg-'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

const make = delayed(function make() {
  return 1
})

// Graphviz read `&amp;` and `&#60;` in a key as the characters they name (`a&amp;` and
// `a&` were drawn, and titled, alike); it kept a backslash doubled in a node's title; and
// U+FFFF made an SVG that is not XML, which Chromium showed as a parse error.
test('keys holding entities, backslashes and noncharacters are drawn as written, each node titled apart', async () => {
  const keys = ['a&amp;', 'a&', 'b&#60;', 'b<', 'q\\"x', 'end\\', 'part-\uffff', 'part-\ufffe']
  const svg = await renderSvg(toDot(toGraph(...keys.map((key) => make.with({ key })()))))
  const path = join(dir, 'keys.svg')
  await writeFile(path, svg)
  const { page, errors } = await openPage(pathToFileURL(path).href)
  try {
    const drawn = {
      parseErrors: await page.locator('parsererror').count(),
      titles: await page.locator('g.node > title').allTextContents(),
      labels: await page.locator('g.node > text').allTextContents(),
    }
    expect(drawn.parseErrors).toBe(0)
    expect(errors).toEqual([])
    for (const label of ['a&amp;', 'a&', 'b&#60;', 'b<', 'q\\"x', 'end\\', 'part-\ufffd']) {
      expect(drawn.labels).toContain(label)
    }
    const dataTitles = drawn.titles.filter((title) => title.startsWith('data:'))
    expect(dataTitles).toHaveLength(keys.length)
    expect(new Set(dataTitles).size).toBe(keys.length)
    expect(dataTitles).toEqual(
      expect.arrayContaining(['data:a&amp;', 'data:a&', 'data:q%5C"x', 'data:part-%uFFFF']),
    )
  } finally {
    await page.context().close()
  }
})
