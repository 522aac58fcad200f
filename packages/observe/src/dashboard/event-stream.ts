import type { ServerResponse } from 'node:http'

/** Bytes of messages waiting to be sent to one page before it is dropped. */
const MAX_BUFFERED = 4 * 1024 * 1024

/**
 * The pages connected to the dashboard's event stream (server-sent events): each gets
 * the messages sent after it joined, as `data:` lines of JSON.
 */
export class EventStream {
  readonly #clients = new Set<ServerResponse>()

  get size(): number {
    return this.#clients.size
  }

  /** Opens the stream on `response` and sends it `first` (the state so far). */
  join(response: ServerResponse, first: unknown): void {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    })
    // A page that loses the stream reconnects after a second, and gets the state anew.
    response.write('retry: 1000\n\n')
    this.#clients.add(response)
    response.on('close', () => this.#clients.delete(response))
    this.#write(response, 'message', first)
  }

  /** Sends `data` to every page as an event of type `event`. */
  send(data: unknown, event = 'message'): void {
    for (const response of this.#clients) this.#write(response, event, data)
  }

  /** Ends every stream (after an `end` event, so pages do not reconnect). */
  close(): void {
    for (const response of this.#clients) response.end('event: end\ndata: {}\n\n')
    this.#clients.clear()
  }

  #write(response: ServerResponse, event: string, data: unknown): void {
    // A page that reads slower than updates come is dropped, not buffered for without
    // end: it reconnects, and gets the state anew.
    if (response.writableLength > MAX_BUFFERED) {
      this.#clients.delete(response)
      response.destroy()
      return
    }
    const type = event === 'message' ? '' : `event: ${event}\n`
    // JSON holds no raw newline, so the message is one data line.
    response.write(`${type}data: ${JSON.stringify(data)}\n\n`)
  }
}
