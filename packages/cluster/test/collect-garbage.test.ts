import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { Worker } from 'node:worker_threads'
import { expect, test } from 'vitest'
import { collectGarbage, flagsFrozen } from '../src/worker/collect-garbage.js'

// A worker collects its garbage once it has loaded everything, before it takes jobs.

test('collects what nothing holds, and leaves no gc to contexts or threads made after', async () => {
  let held: object | undefined = { data: new Array(1000).fill(1) }
  const ref = new WeakRef(held)
  held = undefined
  // A WeakRef keeps its target for the rest of the job that made it.
  await new Promise((resolve) => setImmediate(resolve))
  collectGarbage()
  expect(ref.deref()).toBeUndefined()
  expect(runInNewContext('typeof gc')).toBe('undefined')
  const thread = new Worker("require('node:worker_threads').parentPort.postMessage(typeof gc)", {
    eval: true,
  })
  const seen = await new Promise((resolve) => thread.once('message', resolve))
  await thread.terminate()
  expect(seen).toBe('undefined')
})

test('a process given --expose-gc keeps it: threads made after still have gc', async () => {
  // As `node --expose-gc` starts: the flag set, and the main context's own gc.
  setFlagsFromString('--expose-gc')
  const holder = globalThis as { gc?: unknown }
  holder.gc = runInNewContext('gc')
  try {
    collectGarbage()
    const thread = new Worker("require('node:worker_threads').parentPort.postMessage(typeof gc)", {
      eval: true,
    })
    const seen = await new Promise((resolve) => thread.once('message', resolve))
    await thread.terminate()
    expect(seen).toBe('function')
  } finally {
    setFlagsFromString('--no-expose-gc')
    delete holder.gc
  }
})

// Changing a flag once they are frozen is a fatal error of V8's, which no catch stops.
test('a process started with its flags frozen is not asked to change one', () => {
  expect(flagsFrozen([])).toBe(false)
  expect(flagsFrozen(['--freeze-flags-after-init'])).toBe(true)
  expect(flagsFrozen(['--freeze_flags_after_init'])).toBe(true)
  expect(flagsFrozen(['--max-old-space-size=4096', '--freeze-flags-after-init'])).toBe(true)
  expect(flagsFrozen(['--freeze-flags-after-init', '--no-freeze-flags-after-init'])).toBe(false)
})
