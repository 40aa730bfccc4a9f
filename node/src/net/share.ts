import { lpStream } from '@libp2p/utils'
import type { Connection, Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import {
  MAX_FRAME_BYTES, SHARE_PROTOCOL, SHARE_PROTOCOL_V1, NfpError, decodeShareRequest, decodeShareResponse, encodeFrame, errors
} from '@ceasefire/protocol'
import type { ErrorFrame, ShareRequest, ShareResponse } from '@ceasefire/protocol'
import type { Logger } from 'pino'
import type { Network } from './network.ts'
import { DEFAULT_SHARE_RATE_LIMIT, PeerRateLimiter } from './rate-limit.ts'
import type { RateLimit } from './rate-limit.ts'

/**
 * Time a peer has to send its request frame after opening a stream. Without it a member could
 * hold streams open without sending anything until the stream limit is reached.
 */
const REQUEST_READ_TIMEOUT_MS = 10000

/** Handles one decoded share request from an authenticated peer and returns the response frame. */
export type ShareHandler = (request: ShareRequest, remotePeerId: string) => Promise<ShareResponse>

/** Shortest time between two log lines about one peer's rejected frames. */
const RATE_LOG_INTERVAL_MS = 10000

/**
 * Registers the `/nfp/share/2.0.0` handler (one request frame in, one response frame out, per
 * stream) and a `/nfp/share/1.0.0` handler that responds to every request with an error frame
 * naming the version this node speaks. A peer that opens share streams faster than `rateLimit`
 * gets ERR_PEER_RATE_LIMITED before its frame is read, so a flood costs this node no decoding
 * or verification.
 */
export async function handleShare (network: Network, handler: ShareHandler, log: Logger, options: { rateLimit?: RateLimit } = {}): Promise<void> {
  const limit = options.rateLimit ?? DEFAULT_SHARE_RATE_LIMIT
  const limiter = new PeerRateLimiter(limit)
  const refusals = new Map<string, { count: number, loggedAt: number }>()
  await handleVersion1(network, log)
  await network.handle(SHARE_PROTOCOL, async (stream: Stream, connection: Connection) => {
    const remote = connection.remotePeer.toString()
    const lp = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES })
    let response: ShareResponse
    if (limiter.take(remote)) {
      try {
        const frame = await lp.read({ signal: AbortSignal.timeout(REQUEST_READ_TIMEOUT_MS) })
        const request = decodeShareRequest(frame.subarray())
        response = await handler(request, remote)
      } catch (err) {
        response = toErrorFrame(err)
        log.warn({ peer: remote, code: response.code }, 'share request rejected')
      }
    } else {
      response = toErrorFrame(new errors.PeerRateLimitedError(`more than ${limit.perSecond} share frames per second from this peer; the frame was not read, send it again later`))
      // Rejected frames are counted and logged once per RATE_LOG_INTERVAL_MS per peer at most, so a flood adds few log lines.
      const refused = refusals.get(remote) ?? { count: 0, loggedAt: 0 }
      refused.count++
      refusals.set(remote, refused)
      if (Date.now() - refused.loggedAt >= RATE_LOG_INTERVAL_MS) {
        log.warn({ peer: remote, refused: refused.count, code: response.code }, 'share frames rejected: peer exceeded the rate limit')
        refused.loggedAt = Date.now()
        refused.count = 0
      }
    }
    try {
      await lp.write(encodeFrame(response))
      await stream.close()
    } catch (err) {
      log.warn({ peer: remote, err: (err as Error).message }, 'could not send share response')
      stream.abort(err as Error)
    }
  }, { maxInboundStreams: 32 })
}

/**
 * Sends one share request to a member and waits for its response frame. `frame` is the request
 * already encoded, when the caller has it.
 *
 * @throws PeerUnreachableError when no connection can be made or the peer closes it without
 *   answering (which is also how a peer's connection gater refuses us), PeerTimeoutError
 *   after `timeoutMs`, FrameMalformedError for a response we cannot read.
 */
export async function sendShare (
  network: Network,
  peer: { peerId: string, addresses: string[] },
  request: ShareRequest,
  timeoutMs: number,
  frame?: Uint8Array
): Promise<ShareResponse> {
  const signal = AbortSignal.timeout(timeoutMs)
  const peerId = peerIdFromString(peer.peerId)
  try {
    // With a connection open, the dial reuses it, so the addresses are only needed to open one.
    if (peer.addresses.length > 0 && network.getConnections(peerId).length === 0) {
      await network.peerStore.merge(peerId, { multiaddrs: peer.addresses.map(a => multiaddr(a)) })
    }
    const stream = await network.dialProtocol(peerId, SHARE_PROTOCOL, { signal })
    const lp = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES })
    await lp.write(frame ?? encodeFrame(request), { signal })
    const response = await lp.read({ signal })
    await stream.close().catch(() => {})
    return decodeShareResponse(response.subarray())
  } catch (err) {
    if (err instanceof NfpError) throw err
    if ((err as Error)?.name === 'UnsupportedProtocolError') {
      throw new errors.ProtocolVersionUnsupportedError(`peer \`${peer.peerId}\` does not speak ${SHARE_PROTOCOL}; it runs an older node that speaks only an earlier share version and must be upgraded`, { cause: err })
    }
    if (signal.aborted) {
      throw new errors.PeerTimeoutError(`peer \`${peer.peerId}\` sent no response within ${timeoutMs} ms`, { cause: err })
    }
    throw new errors.PeerUnreachableError(`cannot deliver to peer \`${peer.peerId}\`: ${(err as Error).message}; check that it is running and lists this node in its federation membership`, { cause: err })
  }
}

/**
 * Registers the handler for nodes that speak only `/nfp/share/1.0.0`. Without it their protocol
 * negotiation would fail with no reason given. With it, the peer reads a version 1 error frame
 * with a code and the fix, and nothing it sent is applied.
 */
async function handleVersion1 (network: Network, log: Logger): Promise<void> {
  await network.handle(SHARE_PROTOCOL_V1, async (stream: Stream, connection: Connection) => {
    const remote = connection.remotePeer.toString()
    const lp = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES })
    let messageId: string | undefined
    try {
      const frame = await lp.read({ signal: AbortSignal.timeout(REQUEST_READ_TIMEOUT_MS) })
      const parsed = JSON.parse(new TextDecoder().decode(frame.subarray())) as { messageId?: unknown }
      if (typeof parsed.messageId === 'string') messageId = parsed.messageId
    } catch {
      // The response is the same whatever the peer sent.
    }
    log.warn({ peer: remote, protocol: SHARE_PROTOCOL_V1 }, 'peer speaks only share protocol version 1')
    const response: ErrorFrame = {
      type: 'error',
      ...(messageId === undefined ? {} : { messageId }),
      code: errors.ProtocolVersionUnsupportedError.code,
      message: `this node speaks ${SHARE_PROTOCOL} only, with record signatures version 2; upgrade the sending node, nothing of this message was applied`
    }
    try {
      await lp.write(encodeFrame(response))
      await stream.close()
    } catch (err) {
      stream.abort(err as Error)
    }
  }, { maxInboundStreams: 4 })
}

function toErrorFrame (err: unknown): ErrorFrame {
  if (err instanceof NfpError) return { type: 'error', code: err.code, message: err.message }
  if ((err as Error)?.name === 'AbortError' || (err as Error)?.name === 'TimeoutError') {
    return { type: 'error', code: errors.FrameMalformedError.code, message: `no complete request frame within ${REQUEST_READ_TIMEOUT_MS} ms` }
  }
  const name = (err as Error)?.name
  if (name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError') {
    return { type: 'error', code: errors.FrameTooLargeError.code, message: `frame exceeds the maximum of ${MAX_FRAME_BYTES} bytes` }
  }
  return { type: 'error', code: errors.FrameMalformedError.code, message: 'share request could not be read' }
}
