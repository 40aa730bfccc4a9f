import { createLibp2p } from 'libp2p'
import type { Libp2p } from 'libp2p'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { lpStream } from '@libp2p/utils'
import type { Connection, PeerId, PrivateKey, Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import { MAX_FRAME_BYTES } from '@ceasefire/protocol'

/** Room above the protocol's frame limit, so the suite can send oversized frames on purpose. */
const SUITE_MAX_FRAME = MAX_FRAME_BYTES * 2

/** A frame the node under test sent to the suite over one inbound stream. */
export interface InboundFrame {
  protocol: string
  message: unknown
  at: number
}

/** Builds the reply frame to one inbound frame. */
export type InboundResponder = (protocol: string, message: unknown) => Promise<unknown>

/** The outcome of sending one frame: the reply as JSON, or why none came. */
export type Exchange = { reply: Record<string, unknown> } | { noReply: string }

/**
 * The test member's libp2p host. It admits only the target, replies to the target's share and
 * request messages through `respond`, and lets tests send any bytes as one frame.
 */
export class SuitePeer {
  readonly #node: Libp2p
  readonly #target: { peerId: PeerId, address: Multiaddr }
  readonly inbound: InboundFrame[] = []
  readonly #waiters: Array<() => void> = []
  respond: InboundResponder = async () => ({ type: 'error', code: 'ERR_INTERNAL', message: 'the conformance suite does not handle this message' })

  private constructor (node: Libp2p, target: { peerId: PeerId, address: Multiaddr }) {
    this.#node = node
    this.#target = target
  }

  /** Starts a host with the test member's peer key that admits only the target. */
  static async start (init: { privateKey: PrivateKey, listen: string[], target: string, protocols: string[] }): Promise<SuitePeer> {
    const address = multiaddr(init.target)
    const targetId = address.getComponents().find(c => c.name === 'p2p')?.value
    if (targetId === undefined) throw new Error(`--peer ${init.target} must end in /p2p/<peer id of the node under test>`)
    const admits = (peerId: PeerId): boolean => peerId.toString() === targetId
    const node = await createLibp2p({
      privateKey: init.privateKey,
      addresses: { listen: init.listen },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify() },
      connectionGater: {
        denyInboundEncryptedConnection: (peerId: PeerId) => !admits(peerId),
        denyOutboundEncryptedConnection: (peerId: PeerId) => !admits(peerId)
      }
    })
    const peer = new SuitePeer(node as unknown as Libp2p, { peerId: (await import('@libp2p/peer-id')).peerIdFromString(targetId), address })
    for (const protocol of init.protocols) {
      await node.handle(protocol, async (stream: Stream, connection: Connection) => {
        await peer.#answer(protocol, stream, connection)
      }, { maxInboundStreams: 64 })
    }
    return peer
  }

  get peerId (): string {
    return this.#node.peerId.toString()
  }

  get addresses (): string[] {
    return this.#node.getMultiaddrs().map(a => a.toString())
  }

  async #answer (protocol: string, stream: Stream, connection: Connection): Promise<void> {
    if (connection.remotePeer.toString() !== this.#target.peerId.toString()) {
      stream.abort(new Error('not the node under test'))
      return
    }
    const lp = lpStream(stream, { maxDataLength: SUITE_MAX_FRAME })
    try {
      const frame = await lp.read({ signal: AbortSignal.timeout(10000) })
      const message = JSON.parse(new TextDecoder().decode(frame.subarray())) as unknown
      this.inbound.push({ protocol, message, at: Date.now() })
      for (const wake of this.#waiters.splice(0)) wake()
      const reply = await this.respond(protocol, message)
      await lp.write(new TextEncoder().encode(JSON.stringify(reply)))
      await stream.close()
    } catch (err) {
      stream.abort(err as Error)
    }
  }

  /** Waits until an inbound frame matches, or returns undefined after `timeoutMs`. */
  async waitFor (match: (frame: InboundFrame) => boolean, timeoutMs: number): Promise<InboundFrame | undefined> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = this.inbound.find(match)
      if (found !== undefined) return found
      const left = deadline - Date.now()
      if (left <= 0) return undefined
      await new Promise<void>(resolve => {
        const timer = setTimeout(resolve, Math.min(left, 250))
        this.#waiters.push(() => { clearTimeout(timer); resolve() })
      })
    }
  }

  /** Opens a stream to the target, writes `body` as one length-prefixed frame and reads one reply frame. */
  async exchange (protocol: string, body: unknown, options: { timeoutMs?: number, raw?: Uint8Array, oversizeLength?: number } = {}): Promise<Exchange> {
    const signal = AbortSignal.timeout(options.timeoutMs ?? 15000)
    let stream: Stream
    try {
      await this.#node.peerStore.merge(this.#target.peerId, { multiaddrs: [this.#target.address] })
      stream = await this.#node.dialProtocol(this.#target.peerId, protocol, { signal })
    } catch (err) {
      return { noReply: `cannot open a ${protocol} stream: ${(err as Error).message}` }
    }
    try {
      const lp = lpStream(stream, { maxDataLength: SUITE_MAX_FRAME, maxLengthLength: 8 })
      const bytes = options.raw ?? new TextEncoder().encode(JSON.stringify(body))
      await lp.write(bytes, { signal })
      const frame = await lp.read({ signal })
      await stream.close().catch(() => {})
      const text = new TextDecoder().decode(frame.subarray())
      try {
        return { reply: JSON.parse(text) as Record<string, unknown> }
      } catch {
        return { noReply: `reply frame is not JSON: ${text.slice(0, 80)}` }
      }
    } catch (err) {
      stream.abort(err as Error)
      return { noReply: `no reply frame: ${(err as Error).message}` }
    }
  }

  /** Closes the connections to the target, so the next exchange dials again. */
  async hangUp (): Promise<void> {
    await this.#node.hangUp(this.#target.peerId).catch(() => {})
  }

  async stop (): Promise<void> {
    await this.#node.stop()
  }
}

/** Starts a throw-away host with a fresh key that is no member, to check the target's connection gater. */
export async function strangerExchange (target: string, protocol: string, body: unknown): Promise<Exchange> {
  const { generateKeyPair } = await import('@libp2p/crypto/keys')
  const node = await createLibp2p({
    privateKey: await generateKeyPair('Ed25519'),
    addresses: { listen: [] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()]
  })
  try {
    const address = multiaddr(target)
    const signal = AbortSignal.timeout(8000)
    let stream: Stream
    try {
      stream = await node.dialProtocol(address, protocol, { signal })
    } catch (err) {
      return { noReply: `rejected: ${(err as Error).message}` }
    }
    try {
      const lp = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES })
      await lp.write(new TextEncoder().encode(JSON.stringify(body)), { signal })
      const frame = await lp.read({ signal })
      return { reply: JSON.parse(new TextDecoder().decode(frame.subarray())) as Record<string, unknown> }
    } catch (err) {
      return { noReply: `rejected: ${(err as Error).message}` }
    }
  } finally {
    await node.stop()
  }
}
