import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { lpStream } from '@libp2p/utils'
import type { Connection, Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { MAX_FRAME_BYTES, NfpError, errors } from '@ceasefire/protocol'
import type { ValidateFunction } from 'ajv'
import type { Logger } from 'pino'
import { compileOnFirstUse, createAjv } from '../../../protocol/src/lib/ajv.ts'
import type { RequestMessage, RequestReply } from '../requests/types.ts'
import type { Network } from './network.ts'

/** Version 2.0.0, whose `answer` messages carry records with signatures of either version (SPEC section 5). */
export const REQUEST_PROTOCOL = '/nfp/request/2.0.0'

/** The first version; a node replies to every message on it with ERR_PROTOCOL_VERSION_UNSUPPORTED. */
export const REQUEST_PROTOCOL_V1 = '/nfp/request/1.0.0'

/** Time a peer has to send its message frame after opening a stream, as for `/nfp/share/2.0.0`. */
const MESSAGE_READ_TIMEOUT_MS = 10000

const ajv = createAjv()
const validateMessage = compile('request-message.schema.json')
const validateReply = compile('request-reply.schema.json')

function compile (file: string): ValidateFunction {
  return compileOnFirstUse(ajv, () => JSON.parse(readFileSync(new URL(`../../../protocol/schemas/messages/${file}`, import.meta.url), 'utf8')) as object)
}

/** Handles one decoded message from an authenticated peer and returns the acknowledgement. */
export type RequestMessageHandler = (message: RequestMessage, remotePeerId: string) => Promise<RequestReply>

/**
 * Registers the `/nfp/request/2.0.0` handler (one message frame in, one reply frame out, per
 * stream) and a `/nfp/request/1.0.0` handler that replies to every message with an error
 * naming the version this node speaks, so a node of the first version gets a typed error.
 */
export async function handleRequests (network: Network, handler: RequestMessageHandler, log: Logger): Promise<void> {
  await network.handle(REQUEST_PROTOCOL_V1, async (stream: Stream, connection: Connection) => {
    const lp = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES })
    // Whatever the peer sent, or failed to send in time, the reply is the same.
    await lp.read({ signal: AbortSignal.timeout(MESSAGE_READ_TIMEOUT_MS) }).catch(() => undefined)
    log.warn({ peer: connection.remotePeer.toString(), protocol: REQUEST_PROTOCOL_V1 }, 'peer speaks only request protocol version 1')
    const reply: RequestReply = { type: 'error', code: errors.ProtocolVersionUnsupportedError.code, message: `this node speaks ${REQUEST_PROTOCOL} only; upgrade the sending node, nothing of this message was applied` }
    try {
      await lp.write(encode(reply))
      await stream.close()
    } catch (err) {
      stream.abort(err as Error)
    }
  }, { maxInboundStreams: 4 })

  await network.handle(REQUEST_PROTOCOL, async (stream: Stream, connection: Connection) => {
    const remote = connection.remotePeer.toString()
    const lp = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES })
    let reply: RequestReply
    try {
      const frame = await lp.read({ signal: AbortSignal.timeout(MESSAGE_READ_TIMEOUT_MS) })
      const message = decode(frame.subarray(), validateMessage, 'request message') as RequestMessage
      reply = await handler(message, remote)
    } catch (err) {
      reply = toErrorReply(err)
      log.warn({ peer: remote, code: reply.code }, 'request message rejected')
    }
    try {
      await lp.write(encode(reply))
      await stream.close()
    } catch (err) {
      log.warn({ peer: remote, err: (err as Error).message }, 'could not send request reply')
      stream.abort(err as Error)
    }
  }, { maxInboundStreams: 32 })
}

/**
 * Sends one message to a member and returns its acknowledgement, trying up to `attempts` times
 * with a doubling pause when the peer cannot be reached or times out.
 *
 * @throws PeerRejectedError carrying the peer's code when it answers with an error frame, and
 *   the last PeerUnreachableError or PeerTimeoutError when every attempt failed.
 */
export async function sendRequestMessage (
  network: Network,
  peer: { peerId: string, addresses: string[] },
  message: RequestMessage,
  options: { timeoutMs: number, attempts?: number, backoffMs?: number }
): Promise<Extract<RequestReply, { type: 'ack' }>> {
  const attempts = options.attempts ?? 3
  let lastError: NfpError | undefined
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const reply = await sendOnce(network, peer, message, options.timeoutMs)
      if (reply.type === 'error') {
        throw Object.assign(new errors.PeerRejectedError(`${message.receiver} rejected the ${message.type} message: ${reply.code}: ${reply.message}`, reply.field === undefined ? {} : { field: reply.field }), { peerCode: reply.code })
      }
      return reply
    } catch (err) {
      if (err instanceof errors.PeerRejectedError || err instanceof errors.FrameMalformedError || err instanceof errors.ProtocolVersionUnsupportedError) throw err
      lastError = err as NfpError
      if (attempt < attempts) await sleep((options.backoffMs ?? 500) * 2 ** (attempt - 1))
    }
  }
  throw lastError as NfpError
}

async function sendOnce (network: Network, peer: { peerId: string, addresses: string[] }, message: RequestMessage, timeoutMs: number): Promise<RequestReply> {
  const signal = AbortSignal.timeout(timeoutMs)
  const peerId = peerIdFromString(peer.peerId)
  try {
    if (peer.addresses.length > 0) {
      await network.peerStore.merge(peerId, { multiaddrs: peer.addresses.map(a => multiaddr(a)) })
    }
    const stream = await network.dialProtocol(peerId, REQUEST_PROTOCOL, { signal })
    const lp = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES })
    await lp.write(encode(message), { signal })
    const frame = await lp.read({ signal })
    await stream.close().catch(() => {})
    return decode(frame.subarray(), validateReply, 'request reply') as RequestReply
  } catch (err) {
    if (err instanceof NfpError) throw err
    if ((err as Error)?.name === 'UnsupportedProtocolError') {
      throw new errors.ProtocolVersionUnsupportedError(`peer \`${peer.peerId}\` does not speak ${REQUEST_PROTOCOL}; it runs an older node and must be upgraded`, { cause: err })
    }
    if (signal.aborted) {
      throw new errors.PeerTimeoutError(`peer \`${peer.peerId}\` sent no reply within ${timeoutMs} ms`, { cause: err })
    }
    throw new errors.PeerUnreachableError(`cannot deliver to peer \`${peer.peerId}\`: ${(err as Error).message}; check that it is running and lists this node in its federation membership`, { cause: err })
  }
}

function encode (message: RequestMessage | RequestReply): Uint8Array {
  const bytes = new TextEncoder().encode(JSON.stringify(message))
  if (bytes.byteLength > MAX_FRAME_BYTES) {
    throw new errors.FrameTooLargeError(`frame of ${bytes.byteLength} bytes exceeds the maximum of ${MAX_FRAME_BYTES} bytes; the answer holds too many records`)
  }
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

function toErrorReply (err: unknown): Extract<RequestReply, { type: 'error' }> {
  if (err instanceof NfpError) {
    return { type: 'error', code: err.code, message: err.message, ...(err.field === undefined ? {} : { field: err.field }) }
  }
  const name = (err as Error)?.name
  if (name === 'AbortError' || name === 'TimeoutError') {
    return { type: 'error', code: errors.FrameMalformedError.code, message: `no complete message frame within ${MESSAGE_READ_TIMEOUT_MS} ms` }
  }
  if (name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError') {
    return { type: 'error', code: errors.FrameTooLargeError.code, message: `frame exceeds the maximum of ${MAX_FRAME_BYTES} bytes` }
  }
  return { type: 'error', code: errors.InternalError.code, message: 'request message could not be handled' }
}
