/** A binary min-heap ordered by `less`: `pop` gives the smallest item first. */
export class MinHeap<T> {
  readonly #items: T[] = []
  readonly #less: (a: T, b: T) => boolean

  constructor(less: (a: T, b: T) => boolean) {
    this.#less = less
  }

  get size(): number {
    return this.#items.length
  }

  peek(): T | undefined {
    return this.#items[0]
  }

  push(item: T): void {
    const items = this.#items
    items.push(item)
    let i = items.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.#less(items[i]!, items[parent]!)) break
      this.#swap(i, parent)
      i = parent
    }
  }

  pop(): T | undefined {
    const items = this.#items
    const top = items[0]
    const last = items.pop()
    if (items.length === 0 || last === undefined) return top
    items[0] = last
    let i = 0
    for (;;) {
      const left = 2 * i + 1
      const right = left + 1
      let smallest = i
      if (left < items.length && this.#less(items[left]!, items[smallest]!)) smallest = left
      if (right < items.length && this.#less(items[right]!, items[smallest]!)) smallest = right
      if (smallest === i) return top
      this.#swap(i, smallest)
      i = smallest
    }
  }

  #swap(i: number, j: number): void {
    const items = this.#items
    const item = items[i]!
    items[i] = items[j]!
    items[j] = item
  }
}
