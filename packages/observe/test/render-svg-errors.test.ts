import { InvalidArgumentError } from '@taskgraph/core'
import { expect, test } from 'vitest'
import { renderSvg } from '../src/index.js'

// Both failed with Graphviz's own Error ("input must be a string or object", "syntax
// error in line 1 near 'graph'"), which names neither the call nor the fix.
test('what is not a string is an InvalidArgumentError naming renderSvg', async () => {
  for (const dot of [undefined, null, 3, { name: 'g' }]) {
    await expect(renderSvg(dot as never)).rejects.toBeInstanceOf(InvalidArgumentError)
  }
  await expect(renderSvg(null as never)).rejects.toThrow(
    /^renderSvg: expects Graphviz DOT text, got null\./,
  )
})

test('DOT Graphviz cannot read is an InvalidArgumentError with what Graphviz says', async () => {
  const error = await renderSvg('digraph { a -> }').catch((thrown: unknown) => thrown)
  expect(error).toBeInstanceOf(InvalidArgumentError)
  expect((error as Error).message).toMatch(
    /^renderSvg: Graphviz cannot read the DOT text \(syntax error in line 1 near '}'\)\./,
  )
  await expect(renderSvg('digraph { a -> b }')).resolves.toContain('<svg')
})
