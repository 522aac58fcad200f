import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from './helpers/run-cli.js'
import { cleanUp, makeTempDir } from './helpers/temp-dirs.js'

afterEach(cleanUp)

const FLOW_TS = `import { delayed, gather } from 'taskgraph'
import { shout } from './shout.ts'

const inc = delayed((x: number): number => x + 1, { name: 'inc' })
export default gather({ a: inc(1), b: inc(2), word: delayed(shout)('outside') })
`
const SHOUT_TS = `export const shout = (word: string): string => word.toUpperCase()
`
const FLOW_MJS = `import { delayed, gather } from 'taskgraph'
import { compute } from '@taskgraph/scheduler'

const inc = delayed((x) => x + 1, { name: 'inc' })
export default gather({ a: inc(1), b: inc(2), word: delayed(async () => typeof compute)() })
`

// The workflow imports 'taskgraph' from a directory under os.tmpdir() where it is not
// installed: the import falls back to the copy running the command.
describe('a workflow outside any project', () => {
  it('runs a .ts workflow (with a local .ts import)', async () => {
    const dir = await makeTempDir()
    await writeFile(join(dir, 'flow.ts'), FLOW_TS)
    await writeFile(join(dir, 'shout.ts'), SHOUT_TS)
    const result = await runCli(['run', 'flow.ts', '--json'], { cwd: dir })
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(JSON.parse(result.stdout)).toEqual({ a: 2, b: 3, word: 'OUTSIDE' })
  })

  it('runs a .mjs workflow importing @taskgraph/scheduler too', async () => {
    const dir = await makeTempDir()
    await writeFile(join(dir, 'flow.mjs'), FLOW_MJS)
    const result = await runCli(['run', 'flow.mjs', '--json'], { cwd: dir })
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(JSON.parse(result.stdout)).toEqual({ a: 2, b: 3, word: 'function' })
  })

  it('runs a .ts workflow in a "type": "commonjs" package, as `npm init` makes', async () => {
    const dir = await makeTempDir()
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'flows', type: 'commonjs' }))
    await writeFile(join(dir, 'flow.ts'), FLOW_TS)
    await writeFile(join(dir, 'shout.ts'), SHOUT_TS)
    const result = await runCli(['run', 'flow.ts', '--json'], { cwd: dir })
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(JSON.parse(result.stdout)).toEqual({ a: 2, b: 3, word: 'OUTSIDE' })
  })

  it('can be drawn', async () => {
    const dir = await makeTempDir()
    await writeFile(join(dir, 'flow.ts'), FLOW_TS)
    await writeFile(join(dir, 'shout.ts'), SHOUT_TS)
    const result = await runCli(['visualize', 'flow.ts'], { cwd: dir })
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(result.stdout).toMatch(/^digraph taskgraph \{\n/)
    expect(result.stdout).toContain('[label="shout", shape=ellipse]')
  })
})
