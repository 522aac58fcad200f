// Tasks that make tasks: the integral of a function by adaptive Simpson's rule. Each task
// looks at one interval: if Simpson's rule on its two halves agrees with the rule on the
// whole, it returns the estimate; if not, it returns a graph, the sum of two tasks for
// the halves, each with half the tolerance. The graph's shape (how deep it goes, and
// where) depends on the function, and is found while it runs: the interval splits most
// where the function bends most.
//
//   npx taskgraph run examples/adaptive-integral.ts                      # event loop
//   npx taskgraph run examples/adaptive-integral.ts --executor threads   # every core
import { delayed, type Delayed } from 'taskgraph'

/** The function integrated: steep near 0, gentle further out. ∫₀⁴ √x·e^(−x) dx = √π/2·erf(2) − 2e⁻⁴ ≈ 0.845450112985. */
export function f(x: number): number {
  return Math.sqrt(x) * Math.exp(-x)
}

/** Simpson's rule on [a, b]. */
function simpson(a: number, b: number): number {
  return ((b - a) / 6) * (f(a) + 4 * f((a + b) / 2) + f(b))
}

export const sum = delayed((left: number, right: number) => left + right, { name: 'sum' })

/**
 * The integral of f over [a, b] within `tolerance`, given Simpson's estimate `whole` of
 * it: a number, or the graph of its two halves' sum when the halves disagree with it.
 */
export const integrate = delayed(
  (
    a: number,
    b: number,
    whole: number,
    tolerance: number,
    depth: number,
  ): number | Delayed<number> => {
    const middle = (a + b) / 2
    const left = simpson(a, middle)
    const right = simpson(middle, b)
    const error = left + right - whole
    // Richardson's correction; a bound on depth, as every recursion needs one.
    if (Math.abs(error) <= 15 * tolerance || depth >= 40) return left + right + error / 15
    return sum(
      integrate(a, middle, left, tolerance / 2, depth + 1),
      integrate(middle, b, right, tolerance / 2, depth + 1),
    )
  },
  { name: 'integrate' },
)

const [A, B] = [0, 4]

export default integrate(A, B, simpson(A, B), 1e-10, 0)
