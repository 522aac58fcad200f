import { delayed } from 'taskgraph'

const nap = delayed(async function nap(n: number) {
  await new Promise((r) => setTimeout(r, 2000))
  return n
})
const total = delayed(function total(...parts: number[]) {
  return parts.reduce((s, p) => s + p, 0)
})
export default total(...Array.from({ length: 8 }, (_, n) => nap(n)))
