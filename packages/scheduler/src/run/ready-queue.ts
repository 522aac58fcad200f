/**
 * A binary min-heap of node indices. Node indices are priorities (the graph numbers
 * nodes in the order that finishes chains first), so the smallest ready index runs next.
 */
export class ReadyQueue {
  private readonly heap: Int32Array
  size = 0

  constructor(capacity: number) {
    this.heap = new Int32Array(Math.max(capacity, 1))
  }

  push(node: number): void {
    const heap = this.heap
    let i = this.size++
    while (i > 0) {
      const parent = (i - 1) >> 1
      const above = heap[parent]!
      if (above <= node) break
      heap[i] = above
      i = parent
    }
    heap[i] = node
  }

  /** Removes and returns the smallest index; the queue must not be empty. */
  pop(): number {
    const heap = this.heap
    const top = heap[0]!
    const last = heap[--this.size]!
    const size = this.size
    let i = 0
    for (;;) {
      let child = 2 * i + 1
      if (child >= size) break
      if (child + 1 < size && heap[child + 1]! < heap[child]!) child++
      if (heap[child]! >= last) break
      heap[i] = heap[child]!
      i = child
    }
    heap[i] = last
    return top
  }
}
