import { isAbsolute, relative, resolve, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

// Machines may keep the project in different places: the queue names a module by its
// path inside the project root, `/`-separated, as the driver and the workers read it.

/** The path inside `root` of the module at file URL `url`; `undefined` outside it. */
export function moduleInRoot(root: string, url: string): string | undefined {
  if (!url.startsWith('file:')) return undefined
  const path = relative(root, fileURLToPath(url))
  if (path === '' || path.startsWith('..') || isAbsolute(path)) return undefined
  return path.split(sep).join('/')
}

/**
 * The file URL of module path `module` inside `root`, or `undefined` for what a path
 * from the queue must not be: empty, absolute, out of the root (`..`), with a scheme
 * (`node:`, `data:`), a drive or a NUL. (A worker also resolves symlinks before it trusts
 * one: see module-policy.ts.)
 */
export function moduleURL(root: string, module: string): string | undefined {
  if (module === '' || isAbsolute(module) || /[:\0\\]/.test(module)) return undefined
  const path = resolve(root, module)
  const inside = relative(root, path)
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return undefined
  return pathToFileURL(path).href
}
