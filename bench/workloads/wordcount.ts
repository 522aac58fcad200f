// The word-count workload: examples/wordcount.ts's bag over `parts` partitions, ranked.
import { bag, delayed, registerTaskModule } from 'taskgraph'
import { readLines, wordsOf } from '../../examples/wordcount.ts'

// wordCount() builds its graph when a run asks, so the functions it hands over are found
// among this module's exports: tell the pools to look here.
registerTaskModule(import.meta.url)

export const read = delayed(readLines, { name: 'read-lines' })

/** A word's count, to rank words by. Exported, so workers find it when a run hands it over. */
export function byCount([, count]: [string, number]): number {
  return count
}

/** The ten most frequent words of the text at `path`, read in `parts` partitions. */
export function wordCount(path: string, parts: number) {
  const words = bag
    .fromPartitions(Array.from({ length: parts }, (_, part) => read(path, part, parts)))
    .flatMap(wordsOf)
  return words.frequencies().topk(10, byCount)
}

/** The same ten words counted with a plain loop on this thread: what `wordCount` must give. */
export function plainTopTen(path: string): [string, number][] {
  const counts = new Map<string, number>()
  for (const line of readLines(path, 0, 1)) {
    for (const word of wordsOf(line)) counts.set(word, (counts.get(word) ?? 0) + 1)
  }
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, 10)
}
