// The lesson's pea soup recipe as a dependency graph. Each step's minutes become
// milliseconds (the day of rest becomes 1.44 s). Cooking alone takes the sum of the
// steps; with the async executor the peas simmer while the vegetables are chopped,
// so the run takes the critical path: boil -> simmer -> add veg & simmer -> rest.
//
//   npx taskgraph run examples/pea-soup.ts
//   npx taskgraph visualize examples/pea-soup.ts -o pea-soup.svg
import { delayed } from 'taskgraph'

const MS_PER_MINUTE = 1

/** A recipe step that takes `minutes` and needs the results of `after`. */
function step(name: string, minutes: number) {
  return delayed(
    async (...after: string[]) => {
      await new Promise((resolve) => setTimeout(resolve, minutes * MS_PER_MINUTE))
      return after.length === 0 ? name : `${name} (after ${after.join(', ')})`
    },
    { name },
  )
}

const boil = step('boil-peas', 1)
const simmer = step('simmer-peas', 60)
const chop = step('chop-vegetables', 15)
const addVegetables = step('add-vegetables-and-simmer', 20)
const rest = step('rest-one-day', 24 * 60)
const serve = delayed(
  (soup: string) => ({
    soup,
    criticalPathMinutes: 1 + 60 + 20 + 24 * 60,
    sumOfStepsMinutes: 1 + 60 + 15 + 20 + 24 * 60,
  }),
  { name: 'serve' },
)

const peas = simmer(boil())
const soup = rest(addVegetables(peas, chop()))

export default serve(soup)
