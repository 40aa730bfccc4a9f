import { lpStream } from '@libp2p/utils'
import type { Connection, Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { MAX_FRAME_BYTES, NfpError, errors } from '@ceasefire/protocol'
import type { Logger } from 'pino'
import type { Network } from './network.ts'
import { decodeAuditHeadRequest, decodeAuditHeadResponse, encodeAuditHeadFrame } from './audit-head-frames.ts'
import type { AuditHeadErrorFrame, AuditHeadRequest, AuditHeadResponse, AuditHeadResult } from './audit-head-frames.ts'

/** libp2p protocol id of the audit head exchange, version 1.0.0. */
export const AUDIT_HEAD_PROTOCOL = '/nfp/audit-head/1.0.0'

/** Time a peer has to send its request frame after opening a stream, as for the share protocol. */
export const AUDIT_HEAD_READ_TIMEOUT_MS = 10000

/** Builds the result frame for one decoded request from an authenticated peer. */
export type AuditHeadHandler = (request: AuditHeadRequest, remotePeerId: string) => Promise<AuditHeadResult>

/**
 * Registers the `/nfp/audit-head/1.0.0` handler: one request frame in, one response frame out,
 * per stream. A failure gets a typed error frame instead.
 */
export async function handleAuditHeadRequests (
  network: Network,
  handler: AuditHeadHandler,
  log: Logger,
  readTimeoutMs: number = AUDIT_HEAD_READ_TIMEOUT_MS
): Promise<void> {
  await network.handle(AUDIT_HEAD_PROTOCOL, async (stream: Stream, connection: Connection) => {
    const remote = connection.remotePeer.toString()
    const lp = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES })
    let response: AuditHeadResponse
    let requestId: string | undefined
    try {
      const frame = await lp.read({ signal: AbortSignal.timeout(readTimeoutMs) })
      const request = decodeAuditHeadRequest(frame.subarray())
      requestId = request.requestId
      response = await handler(request, remote)
    } catch (err) {
      // Without a request id the failure happened while reading the frame.
      response = toErrorFrame(err, readTimeoutMs, requestId)
      if (response.code === errors.InternalError.code) log.error({ peer: remote, requestId, err }, 'audit head request failed')
      else log.warn({ peer: remote, requestId, code: response.code }, 'audit head request rejected')
    }
    try {
      await lp.write(encodeAuditHeadFrame(response))
      await stream.close()
    } catch (err) {
      log.warn({ peer: remote, requestId, err: (err as Error).message }, 'could not send audit head response')
      stream.abort(err as Error)
    }
  }, { maxInboundStreams: 8 })
}

/**
 * Sends one request to a member and waits for its response frame.
 *
 * @throws PeerUnreachableError when no connection can be made or the peer closes the stream
 *   without responding, PeerTimeoutError after `timeoutMs`, FrameTooLargeError or
 *   FrameMalformedError for a response that cannot be read.
 */
export async function requestAuditHead (
  network: Network,
  peer: { peerId: string, addresses: string[] },
  request: AuditHeadRequest,
  timeoutMs: number
): Promise<AuditHeadResponse> {
  const signal = AbortSignal.timeout(timeoutMs)
  const peerId = peerIdFromString(peer.peerId)
  let stream: Stream | undefined
  try {
    if (peer.addresses.length > 0) {
      await network.peerStore.merge(peerId, { multiaddrs: peer.addresses.map(a => multiaddr(a)) })
    }
    stream = await network.dialProtocol(peerId, AUDIT_HEAD_PROTOCOL, { signal })
    const lp = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES })
    await lp.write(encodeAuditHeadFrame(request), { signal })
    const frame = await lp.read({ signal })
    await stream.close().catch(() => {})
    return decodeAuditHeadResponse(frame.subarray())
  } catch (err) {
    // A stream left open after a timeout or a bad frame would count against the peer's stream limit.
    if (stream !== undefined && stream.status === 'open') stream.abort(err as Error)
    if (err instanceof NfpError) throw err
    if (isLengthError(err)) {
      throw new errors.FrameTooLargeError(`audit head response of peer \`${peer.peerId}\` exceeds the maximum of ${MAX_FRAME_BYTES} bytes`, { cause: err })
    }
    if (signal.aborted) {
      throw new errors.PeerTimeoutError(`peer \`${peer.peerId}\` sent no audit head response within ${timeoutMs} ms`, { cause: err })
    }
    throw new errors.PeerUnreachableError(`cannot ask peer \`${peer.peerId}\` for its audit head: ${(err as Error).message}; check that it is running and lists this node in its federation membership`, { cause: err })
  }
}

function toErrorFrame (err: unknown, readTimeoutMs: number, requestId: string | undefined): AuditHeadErrorFrame {
  const id = requestId === undefined ? {} : { requestId }
  if (err instanceof NfpError) return { type: 'error', ...id, code: err.code, message: err.message }
  const name = (err as Error)?.name
  if (name === 'AbortError' || name === 'TimeoutError') {
    return { type: 'error', ...id, code: errors.FrameMalformedError.code, message: `no complete request frame within ${readTimeoutMs} ms` }
  }
  if (isLengthError(err)) {
    return { type: 'error', ...id, code: errors.FrameTooLargeError.code, message: `frame exceeds the maximum of ${MAX_FRAME_BYTES} bytes` }
  }
  if (requestId === undefined) {
    return { type: 'error', code: errors.FrameMalformedError.code, message: 'audit head request frame could not be read' }
  }
  return { type: 'error', ...id, code: errors.InternalError.code, message: 'audit head request failed; see the responder\'s log' }
}

function isLengthError (err: unknown): boolean {
  const name = (err as Error)?.name
  return name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError'
}
