// The lesson's word count with a bag, over a real text: Genesis and Exodus from the
// King James Bible (examples/data, public domain). Eight tasks each read their share of
// the lines (as Dask's read_text reads blocks of a file); every later step runs once per
// partition, and the counts of the partitions are merged into one ranking.
//
//   npx taskgraph run examples/wordcount.ts                      # one task at a time
//   npx taskgraph run examples/wordcount.ts --executor threads   # on every core
//   npx taskgraph visualize examples/wordcount.ts -o wordcount.svg
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { bag, delayed } from 'taskgraph'

const TEXT = fileURLToPath(new URL('./data/kjv-genesis-exodus.txt', import.meta.url))
const PARTITIONS = 8

/** Part `part` of `parts` of the file's lines, read by the task that needs them. */
export function readLines(path: string, part: number, parts: number): string[] {
  const lines = readFileSync(path, 'utf8').split('\n')
  const size = Math.ceil(lines.length / parts)
  return lines.slice(part * size, (part + 1) * size)
}

/** The words of a line, in lower case: letters, with inner apostrophes ("lord's"). */
export function wordsOf(line: string): string[] {
  return line.toLowerCase().match(/[a-z]+(?:'[a-z]+)*/g) ?? []
}

const read = delayed(readLines, { name: 'read-lines' })

const lines = bag.fromPartitions(
  Array.from({ length: PARTITIONS }, (_, part) => read(TEXT, part, PARTITIONS)),
)
const words = lines.flatMap(wordsOf)
const counts = words.frequencies() // [word, count] pairs, in order of first appearance

export default {
  words: words.count(),
  distinct: counts.count(),
  top: counts.topk(10, ([, count]) => count),
}
