import { lpStream } from '@libp2p/utils'
import type { Connection, Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { MAX_FRAME_BYTES, NfpError, errors } from '@ceasefire/protocol'
import type { SignedMembership } from '@ceasefire/protocol'
import type { Logger } from 'pino'
import type { Network } from './network.ts'

export const MEMBERSHIP_PROTOCOL = '/nfp/membership/1.0.0'

const EXCHANGE_TIMEOUT_MS = 10000

/** The one frame a node sends on a membership stream: the signed version it holds. */
export interface MembershipOffer {
  type: 'membership-offer'
  signed: SignedMembership
}

/**
 * The answer: the version the receiver holds after the offer, whether it took the offered one,
 * the code when it did not, and its own signed version when that is newer than the offer, so
 * one exchange leaves both sides on the newer version.
 */
export interface MembershipResult {
  type: 'membership-result'
  accepted: boolean
  version: number
  code?: string
  message?: string
  newer?: SignedMembership
}

/** Handles an offer from an authenticated member and returns the result frame. */
export type OfferHandler = (signed: unknown, remotePeerId: string) => Promise<MembershipResult>

/** Registers the `/nfp/membership/1.0.0` handler: one offer frame in, one result frame out. */
export async function handleMembershipExchange (network: Network, handler: OfferHandler, log: Logger): Promise<void> {
  await network.handle(MEMBERSHIP_PROTOCOL, async (stream: Stream, connection: Connection) => {
    const remote = connection.remotePeer.toString()
    const lp = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES })
    try {
      const frame = await lp.read({ signal: AbortSignal.timeout(EXCHANGE_TIMEOUT_MS) })
      const offer = decode(frame.subarray()) as Partial<MembershipOffer>
      if (offer.type !== 'membership-offer') throw new errors.FrameMalformedError('membership frame must have type `membership-offer`')
      const result = await handler(offer.signed, remote)
      await lp.write(encode(result))
      await stream.close()
    } catch (err) {
      const code = err instanceof NfpError ? err.code : errors.FrameMalformedError.code
      log.warn({ peer: remote, code }, 'membership offer could not be handled')
      stream.abort(err as Error)
    }
  }, { maxInboundStreams: 4 })
}

/**
 * Sends our signed membership to a member and returns its result frame.
 *
 * @throws PeerUnreachableError, PeerTimeoutError or FrameMalformedError.
 */
export async function offerMembership (network: Network, peer: { peerId: string, addresses: string[] }, signed: SignedMembership): Promise<MembershipResult> {
  const signal = AbortSignal.timeout(EXCHANGE_TIMEOUT_MS)
  const peerId = peerIdFromString(peer.peerId)
  try {
    if (peer.addresses.length > 0) await network.peerStore.merge(peerId, { multiaddrs: peer.addresses.map(a => multiaddr(a)) })
    const stream = await network.dialProtocol(peerId, MEMBERSHIP_PROTOCOL, { signal })
    const lp = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES })
    await lp.write(encode({ type: 'membership-offer', signed }), { signal })
    const frame = await lp.read({ signal })
    await stream.close().catch(() => {})
    const result = decode(frame.subarray()) as MembershipResult
    if (result.type !== 'membership-result' || typeof result.accepted !== 'boolean' || typeof result.version !== 'number') {
      throw new errors.FrameMalformedError('membership result frame is malformed')
    }
    return result
  } catch (err) {
    if (err instanceof NfpError) throw err
    if (signal.aborted) throw new errors.PeerTimeoutError(`peer \`${peer.peerId}\` sent no membership result within ${EXCHANGE_TIMEOUT_MS} ms`, { cause: err })
    throw new errors.PeerUnreachableError(`cannot offer membership to peer \`${peer.peerId}\`: ${(err as Error).message}`, { cause: err })
  }
}

function encode (frame: MembershipOffer | MembershipResult): Uint8Array {
  const bytes = new TextEncoder().encode(JSON.stringify(frame))
  if (bytes.byteLength > MAX_FRAME_BYTES) throw new errors.FrameTooLargeError(`membership frame of ${bytes.byteLength} bytes exceeds ${MAX_FRAME_BYTES} bytes`)
  return bytes
}

function decode (bytes: Uint8Array): unknown {
  try {
    const value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown
    if (value === null || typeof value !== 'object') throw new Error('not an object')
    return value
  } catch (err) {
    throw new errors.FrameMalformedError('membership frame is not a UTF-8 JSON object', { cause: err })
  }
}
