import { InvalidArgumentError } from '@taskgraph/core'
import { describeValue } from '@taskgraph/core/internal'

/**
 * Renders Graphviz DOT to SVG in-process with a WebAssembly build of Graphviz, so no
 * system Graphviz is needed. The module (a few MB) loads on first use only.
 * @throws {InvalidArgumentError} for what is not a string, or DOT Graphviz cannot read
 */
export async function renderSvg(dot: string): Promise<string> {
  // Checked here: Graphviz's own error for it ("input must be a string or object") names
  // neither the call nor the fix, and it reads a plain object as a graph description.
  if (typeof dot !== 'string') {
    throw new InvalidArgumentError({
      message: `renderSvg: expects Graphviz DOT text, got ${describeValue(dot)}. Pass the DOT of a graph: renderSvg(toDot(toGraph(value))).`,
    })
  }
  const { instance } = await import('@viz-js/viz')
  const viz = await instance()
  // `render` reports what Graphviz could not read in the result; what fails inside it
  // (running out of stack on a huge graph) still throws, as it is no fault of the text.
  const result = viz.render(dot, { format: 'svg' })
  if (result.status === 'success') return result.output
  const reason = result.errors.find((error) => error.level === 'error')?.message.trim()
  throw new InvalidArgumentError({
    message: `renderSvg: Graphviz cannot read the DOT text${reason ? ` (${reason})` : ''}. Pass DOT as toDot writes it, or fix the text where Graphviz says.`,
  })
}
