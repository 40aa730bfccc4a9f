import { readFileSync } from 'node:fs'
import { lpStream } from '@libp2p/utils'
import type { Connection, Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { MAX_FRAME_BYTES, NfpError, errors } from '@ceasefire/protocol'
import type { ValidateFunction } from 'ajv'
import type { Logger } from 'pino'
import { compileOnFirstUse, createAjv } from '../../../protocol/src/lib/ajv.ts'
import type { HitMessage, HitReply } from '../hits/types.ts'
import type { Network } from './network.ts'

export const HIT_PROTOCOL = '/nfp/hit/1.0.0'

/** Time a peer has to send its message frame after opening a stream, as for the other protocols. */
const MESSAGE_READ_TIMEOUT_MS = 10000

const ajv = createAjv()
const validateMessage = compile('hit-message.schema.json')
const validateReply = compile('hit-reply.schema.json')

function compile (file: string): ValidateFunction {
  return compileOnFirstUse(ajv, () => JSON.parse(readFileSync(new URL(`../../../protocol/schemas/messages/${file}`, import.meta.url), 'utf8')) as object)
}

/** Handles one decoded hit message from an authenticated peer and returns the reply. */
export type HitMessageHandler = (message: HitMessage, remotePeerId: string) => Promise<HitReply>

/** Registers the `/nfp/hit/1.0.0` handler: one message frame in, one reply frame out, per stream. */
export async function handleHits (network: Network, handler: HitMessageHandler, log: Logger): Promise<void> {
  await network.handle(HIT_PROTOCOL, async (stream: Stream, connection: Connection) => {
    const remote = connection.remotePeer.toString()
    const lp = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES })
    let reply: HitReply
    let queryId: string | undefined
    try {
      const frame = await lp.read({ signal: AbortSignal.timeout(MESSAGE_READ_TIMEOUT_MS) })
      const message = decode(frame.subarray(), validateMessage, 'hit message') as HitMessage
      queryId = 'queryId' in message ? message.queryId : undefined
      reply = await handler(message, remote)
    } catch (err) {
      reply = toErrorReply(err, queryId)
      // Never log the message itself: its blinded element or token must leave no trace.
      log.warn({ peer: remote, code: reply.code }, 'hit message rejected')
    }
    try {
      await lp.write(encode(reply))
      await stream.close()
    } catch (err) {
      log.warn({ peer: remote, err: (err as Error).message }, 'could not send hit reply')
      stream.abort(err as Error)
    }
  }, { maxInboundStreams: 64 })
}

/**
 * Sends one hit message to a member and returns its reply, in one attempt: a query has a time
 * limit, and a peer that misses it is reported as unanswered.
 *
 * @throws PeerRejectedError carrying the peer's code (and `retryAfterMs` for a rate limit) when
 *   it replies with an error frame, PeerTimeoutError when `signal` aborts, and
 *   PeerUnreachableError when no stream could be opened or read.
 */
export async function sendHitMessage (
  network: Network, peer: { peerId: string, addresses: string[] }, message: HitMessage, signal: AbortSignal
): Promise<Exclude<HitReply, { type: 'error' }>> {
  let reply: HitReply
  try {
    const peerId = peerIdFromString(peer.peerId)
    if (peer.addresses.length > 0 && network.getConnections(peerId).length === 0) {
      await network.peerStore.merge(peerId, { multiaddrs: peer.addresses.map(a => multiaddr(a)) })
    }
    const stream = await network.dialProtocol(peerId, HIT_PROTOCOL, { signal })
    const lp = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES })
    await lp.write(encode(message), { signal })
    const frame = await lp.read({ signal })
    await stream.close().catch(() => {})
    reply = decode(frame.subarray(), validateReply, 'hit reply') as HitReply
  } catch (err) {
    if (err instanceof NfpError) throw err
    if (signal.aborted) throw new errors.PeerTimeoutError(`peer \`${peer.peerId}\` sent no hit reply in time`, { cause: err })
    throw new errors.PeerUnreachableError(`cannot reach peer \`${peer.peerId}\` for a hit query: ${(err as Error).message}`, { cause: err })
  }
  if (reply.type === 'error') {
    throw Object.assign(new errors.PeerRejectedError(`${message.receiver} rejected the ${message.type} message: ${reply.code}: ${reply.message}`), { peerCode: reply.code, retryAfterMs: reply.retryAfterMs })
  }
  return reply
}

function encode (message: HitMessage | HitReply): Uint8Array {
  const bytes = new TextEncoder().encode(JSON.stringify(message))
  if (bytes.byteLength > MAX_FRAME_BYTES) throw new errors.FrameTooLargeError(`hit frame of ${bytes.byteLength} bytes exceeds the maximum of ${MAX_FRAME_BYTES} bytes`)
  return bytes
}

function decode (bytes: Uint8Array, validate: ValidateFunction, what: string): unknown {
  let message: unknown
  try {
    message = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (err) {
    throw new errors.FrameMalformedError(`${what} frame is not UTF-8 JSON`, { cause: err })
  }
  if (!validate(message)) {
    const first = (validate.errors ?? [])[0]
    const where = first?.instancePath === undefined || first.instancePath === '' ? '(frame)' : first.instancePath
    throw new errors.FrameMalformedError(`${what} frame is malformed at \`${where}\`: ${first?.message ?? 'invalid'}`)
  }
  return message
}

function toErrorReply (err: unknown, queryId: string | undefined): Extract<HitReply, { type: 'error' }> {
  const base = queryId === undefined ? {} : { queryId }
  if (err instanceof NfpError) {
    const retryAfterMs = (err as NfpError & { retryAfterMs?: number }).retryAfterMs
    return { type: 'error', ...base, code: err.code, message: err.message, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) }
  }
  const name = (err as Error)?.name
  if (name === 'AbortError' || name === 'TimeoutError') {
    return { type: 'error', ...base, code: errors.FrameMalformedError.code, message: `no complete hit message frame within ${MESSAGE_READ_TIMEOUT_MS} ms` }
  }
  if (name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError') {
    return { type: 'error', ...base, code: errors.FrameTooLargeError.code, message: `frame exceeds the maximum of ${MAX_FRAME_BYTES} bytes` }
  }
  return { type: 'error', ...base, code: errors.InternalError.code, message: 'hit message could not be handled' }
}
