/**
 * A first-in, first-out queue that lets go of what it hands out: a call taken from it
 * must not stay reachable (its arguments can be large) while the queue keeps filling.
 */
export class CallQueue<T> {
  private items: (T | undefined)[] = []
  private head = 0

  get size(): number {
    return this.items.length - this.head
  }

  push(item: T): void {
    this.items.push(item)
  }

  /** Puts `items` back at the front, in order. */
  unshift(items: readonly T[]): void {
    this.items.splice(this.head, 0, ...items)
  }

  /** The first item, left in place; the queue must not be empty. */
  peek(): T {
    return this.items[this.head]!
  }

  /** Takes the first item; the queue must not be empty. */
  shift(): T {
    const item = this.items[this.head]!
    this.items[this.head++] = undefined
    if (this.head === this.items.length) {
      this.items = []
      this.head = 0
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return item
  }

  /** Takes every item. */
  drain(): T[] {
    const all = this.items.slice(this.head) as T[]
    this.items = []
    this.head = 0
    return all
  }

  /** Takes the items `test` picks, keeping the others in order. */
  takeWhere(test: (item: T) => boolean): T[] {
    const taken: T[] = []
    const kept: T[] = []
    for (const item of this.drain()) (test(item) ? taken : kept).push(item)
    this.items = kept
    return taken
  }
}
