// The lesson's pea soup recipe as a dependency graph, each step's minutes scaled to
// milliseconds (the day of rest becomes 1.44 s). Cooking alone takes the sum of the
// steps, 1536 "minutes"; the async executor cooks like a kitchen with a cook and a stove:
// the vegetables are chopped while the peas simmer, and the run takes the critical
// path, 1521: boil -> simmer -> add the vegetables -> rest.
//
//   npx taskgraph run examples/pea-soup.ts                 # steps overlap
//   npx taskgraph run examples/pea-soup.ts -e inline       # one step at a time
//   npx taskgraph visualize examples/pea-soup.ts -o pea-soup.svg
import { delayed } from 'taskgraph'

const MS_PER_MINUTE = 1

/** When a step started and ended, in ms after the kitchen opened. */
interface Done {
  readonly step: string
  readonly start: number
  readonly end: number
}

/** Opens the kitchen: every step's times count from here. */
const openKitchen = delayed(function openKitchen() {
  return Date.now()
})

/** A recipe step taking `minutes`, once the steps it comes `after` are done. */
function step(name: string, minutes: number) {
  return delayed(
    async (openedAt: number, ..._after: Done[]): Promise<Done> => {
      const start = Date.now() - openedAt
      await new Promise((resolve) => setTimeout(resolve, minutes * MS_PER_MINUTE))
      return { step: name, start, end: Date.now() - openedAt }
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
  function serve(...steps: Done[]) {
    const byName = Object.fromEntries(steps.map((done) => [done.step, done]))
    const last = steps.reduce((latest, done) => Math.max(latest, done.end), 0)
    return {
      steps: steps.map(({ step, start, end }) => `${step}: ${start}-${end}`),
      // Chopping started before the peas were done: the two overlapped.
      choppedWhileSimmering: byName['chop-vegetables']!.start < byName['simmer-peas']!.end,
      elapsed: last,
      criticalPath: (1 + 60 + 20 + 24 * 60) * MS_PER_MINUTE,
      sumOfSteps: (1 + 60 + 15 + 20 + 24 * 60) * MS_PER_MINUTE,
    }
  },
  { mainThread: true },
)

const kitchen = openKitchen()
const boiled = boil(kitchen)
const simmered = simmer(kitchen, boiled)
const chopped = chop(kitchen)
const cooked = addVegetables(kitchen, simmered, chopped)
const rested = rest(kitchen, cooked)

export default serve(boiled, simmered, chopped, cooked, rested)
