// Futures: work starts as soon as it is submitted, and results are handled in the order
// they finish, not the order they were asked for (Dask's `client.submit` and
// `as_completed`). Here: score ten "documents" whose processing takes uneven time, print
// each score as it arrives (on stderr), and top up the work while it runs: every low
// score asks for a second opinion. The default export is the summary of all scores.
//
//   npx taskgraph run examples/as-completed.ts                       # on the event loop
//   npx taskgraph run examples/as-completed.ts --executor threads    # on every core
import { asCompleted, delayed, submit } from 'taskgraph'

/** A score for document `id`, after some uneven amount of work (busy, to use a core). */
export function score(id: number, round: number): { id: number; round: number; score: number } {
  const ms = 20 + ((id * 37) % 90)
  const until = performance.now() + ms
  while (performance.now() < until);
  return { id, round, score: (id * 7919 + round * 104729) % 100 }
}

/** The summary the run prints: every document's last score, by id. */
export const summarize = delayed(function summarize(
  scores: { id: number; round: number; score: number }[],
) {
  const last = new Map<number, number>()
  for (const entry of [...scores].sort((a, b) => a.round - b.round)) last.set(entry.id, entry.score)
  return {
    documents: last.size,
    scored: scores.length,
    mean: [...last.values()].reduce((total, value) => total + value, 0) / last.size,
  }
})

export default async function main() {
  const scoring = asCompleted<ReturnType<typeof score>>()
  for (let id = 1; id <= 10; id++) scoring.add(submit(score, id, 1))
  const scores: ReturnType<typeof score>[] = []
  for await (const future of scoring) {
    const result = await future
    scores.push(result)
    console.error(`document ${result.id} (round ${result.round}): ${result.score}`)
    // A low first score is checked again: new work joins while the rest still runs.
    if (result.round === 1 && result.score < 30) scoring.add(submit(score, result.id, 2))
  }
  return summarize(scores)
}
