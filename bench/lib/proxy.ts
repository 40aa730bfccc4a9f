import { createServer, connect } from 'node:net'
import type { Server, Socket } from 'node:net'

/**
 * A TCP relay on 127.0.0.1 that counts the bytes it passes in each direction, so a benchmark
 * can measure what a protocol exchange costs on the wire, handshakes included. While paused it
 * closes new and open connections, which a dialling node treats as an unreachable peer.
 */
export class CountingProxy {
  readonly #server: Server
  readonly #sockets = new Set<Socket>()
  #paused = false
  /** Bytes from the dialling side to the target. */
  sent = 0
  /** Bytes from the target back to the dialling side. */
  received = 0

  private constructor (server: Server) {
    this.#server = server
  }

  static async start (targetPort: number): Promise<CountingProxy> {
    const server = createServer()
    const proxy = new CountingProxy(server)
    server.on('connection', (client) => { proxy.#relay(client, targetPort) })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    return proxy
  }

  get port (): number {
    const address = this.#server.address()
    if (address === null || typeof address === 'string') throw new Error('proxy is not listening')
    return address.port
  }

  reset (): void {
    this.sent = 0
    this.received = 0
  }

  pause (): void {
    this.#paused = true
    for (const socket of this.#sockets) socket.destroy()
  }

  resume (): void {
    this.#paused = false
  }

  async close (): Promise<void> {
    this.pause()
    await new Promise(resolve => this.#server.close(resolve))
  }

  #relay (client: Socket, targetPort: number): void {
    if (this.#paused) {
      client.destroy()
      return
    }
    const target = connect(targetPort, '127.0.0.1')
    for (const socket of [client, target]) {
      this.#sockets.add(socket)
      socket.on('close', () => { this.#sockets.delete(socket) })
      socket.on('error', () => { client.destroy(); target.destroy() })
    }
    client.on('data', (chunk: Buffer) => { this.sent += chunk.byteLength })
    target.on('data', (chunk: Buffer) => { this.received += chunk.byteLength })
    client.pipe(target)
    target.pipe(client)
  }
}
