import { hash } from 'node:crypto'
import { createRequire } from 'node:module'

/** taskgraph's version: results are kept apart from another version's. */
const { version } = createRequire(import.meta.url)('../package.json') as { version: string }

// Tokens up to this long stand in their dependents' tokens as themselves (see `ref`).
const INLINE_TOKEN_CHARS = 160

/**
 * A node's cache key, made from its token (everything that decides its result): a
 * SHA-256 of the token with taskgraph's version, computed when first asked for.
 *
 * A dependent's token holds the node's `ref`: a short token itself, a long one's key.
 * Most tasks of a big graph are small and neither looked up nor stored (a run stores
 * its targets and what is worth keeping), so a fan-out of 10,000 small tasks costs one
 * SHA-256 over their tokens, not 10,000; big data is still hashed once, where it enters
 * the graph. Either way the key of a node depends only on its token, and a token on the
 * tokens (or keys) of its dependencies, length-prefixed: equal keys still mean equal
 * recipes.
 */
abstract class ContentKey {
  /** What the token of a task that takes this node's result holds of it. */
  readonly ref: string
  #token: string | undefined
  #key: string | undefined

  constructor(token: string) {
    if (token.length <= INLINE_TOKEN_CHARS) {
      this.#token = token
      this.ref = `t${token}`
    } else {
      this.#key = hashToken(token)
      this.ref = `k${this.#key}`
    }
  }

  /** The key: 64 hex digits. */
  get key(): string {
    if (this.#key === undefined) {
      this.#key = hashToken(this.#token!)
      this.#token = undefined
    }
    return this.#key
  }
}

/** A task whose result is kept under `key`; `fn` names its function's recipe. */
export class StoredKey extends ContentKey {
  readonly kind = 'stored'

  constructor(
    token: string,
    readonly fn: string,
  ) {
    super(token)
  }
}

/**
 * Data, a task that only rearranges results (gather, get, at), or a pure task kept out
 * of the cache (`cache: false`): keyed, so that what depends on it can be, but never
 * stored.
 */
export class KeyedKey extends ContentKey {
  readonly kind = 'keyed'
}

/** A SHA-256 of `token` (see `ContentKey`), with taskgraph's version. */
export function hashToken(token: string): string {
  return hash('sha256', `taskgraph ${version}\0${token}`, 'hex')
}
