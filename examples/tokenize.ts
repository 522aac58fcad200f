// The lesson's Vectorizer experiment (PyBlaze): tokenize 100 random texts of 20
// characters drawn from 'abcde ', each call made slow by a 10 ms blocking wait (Python's
// time.sleep(0.01)). One after another that is about a second; a Vectorizer spreads the
// texts over workers, so each worker waits its share of the 10 ms pauses at the same time.
// The texts come from a seeded generator, so every run tokenizes the same ones.
//
//   npx taskgraph run examples/tokenize.ts                           # one text at a time
//   npx taskgraph run examples/tokenize.ts --executor threads --workers 4
//   npx taskgraph visualize examples/tokenize.ts -o tokenize.svg     # 16 chunks and a join
import { Vectorizer } from 'taskgraph'

const pause = new Int32Array(new SharedArrayBuffer(4))

/** Holds the thread for `ms` milliseconds, as Python's time.sleep does. */
export function sleep(ms: number): void {
  Atomics.wait(pause, 0, 0, ms)
}

/** Splits a text into its words: the lesson's `text.split()`, slowed by 10 ms. */
export function tokenize(text: string): string[] {
  sleep(10)
  return text.split(' ').filter((token) => token !== '')
}

/** `count` texts of `length` characters from 'abcde ', the same for the same seed. */
export function makeTexts(count: number, length: number, seed = 1): string[] {
  const alphabet = 'abcde '
  let state = seed | 0 || 1
  const texts: string[] = []
  for (let t = 0; t < count; t++) {
    let text = ''
    for (let c = 0; c < length; c++) {
      // xorshift32
      state ^= state << 13
      state ^= state >>> 17
      state ^= state << 5
      text += alphabet[(state >>> 0) % alphabet.length]
    }
    texts.push(text)
  }
  return texts
}

export const texts = makeTexts(100, 20)

// Made in this module's top-level code, so the workers that import it find `tokenize`.
const tokenizer = new Vectorizer(tokenize, { workers: 4 })

export default tokenizer.map(texts)
