import { NfpError, errors, verifyMembership } from '@ceasefire/protocol'
import type { Membership, SignedMembership, TrustAnchor } from '@ceasefire/protocol'
import type { Logger } from 'pino'
import type { Network } from '../net/network.ts'
import { offerMembership } from '../net/membership-exchange.ts'
import type { MembershipResult } from '../net/membership-exchange.ts'
import type { NodeService } from '../service.ts'
import { saveAcceptedMembership } from './load-membership.ts'

export interface MembershipUpdatesInit {
  service: NodeService
  network: Network
  anchor: TrustAnchor
  dataDir: string
  log: Logger
}

/**
 * Accepts newer signed membership versions, from the API or from peers, and passes them on.
 * Accepting one takes effect at once: the key cache is replaced, connections to peers that are
 * no longer members are closed, and the connection gater refuses them from then on because it
 * reads the service's membership at every attempt.
 */
export class MembershipUpdates {
  readonly #init: MembershipUpdatesInit
  // Offers are applied one at a time, so two racing versions cannot both pass the "newer" check.
  #queue: Promise<unknown> = Promise.resolve()

  constructor (init: MembershipUpdatesInit) {
    this.#init = init
  }

  /**
   * Verifies and applies a signed version. `source` names where it came from for the audit log
   * (`api` or a jurisdiction).
   *
   * @throws MembershipUntrustedError, MembershipStaleError or MembershipInvalidError.
   */
  async accept (signed: unknown, source: string): Promise<Membership> {
    const run = this.#queue.then(async () => await this.#apply(signed, source))
    this.#queue = run.catch(() => {})
    return await run
  }

  /** Answers an offer from a peer over `/nfp/membership/1.0.0`. */
  async handleOffer (signed: unknown, remotePeerId: string): Promise<MembershipResult> {
    const { service } = this.#init
    const from = service.membership.members.find(m => m.peerId === remotePeerId)?.jurisdiction ?? remotePeerId
    try {
      const membership = await this.accept(signed, from)
      return { type: 'membership-result', accepted: true, version: membership.version }
    } catch (err) {
      const error = err instanceof NfpError ? err : new errors.InternalError('membership offer could not be processed', { cause: err })
      const held = service.signedMembership
      const offered = (signed as { membership?: { version?: unknown } } | null)?.membership?.version
      const newer = held !== undefined && (typeof offered !== 'number' || held.membership.version > offered) ? held : undefined
      if (!(error instanceof errors.MembershipStaleError)) {
        this.#init.log.warn({ peer: from, code: error.code, err: error.message }, 'membership offer rejected')
      }
      return {
        type: 'membership-result',
        accepted: false,
        version: service.membership.version,
        code: error.code,
        message: error.message,
        ...(newer === undefined ? {} : { newer })
      }
    }
  }

  /** Offers our version to one member and takes the newer one it returns, if any. */
  async exchangeWith (peerId: string): Promise<void> {
    const { service, network, log } = this.#init
    const peer = service.membership.members.find(m => m.peerId === peerId)
    const signed = service.signedMembership
    if (peer === undefined || signed === undefined) return
    try {
      const result = await offerMembership(network, peer, signed)
      if (result.newer !== undefined) await this.accept(result.newer, peer.jurisdiction)
    } catch (err) {
      const code = err instanceof NfpError ? err.code : 'ERR_INTERNAL'
      if (code !== errors.MembershipStaleError.code) log.info({ peer: peer.jurisdiction, code, err: (err as Error).message }, 'membership exchange failed')
    }
  }

  async #apply (signed: unknown, source: string): Promise<Membership> {
    const { service, network, anchor, dataDir, log } = this.#init
    const previous = service.membership
    const membership = await verifyMembership(signed, anchor, previous)
    const accepted: SignedMembership = { membership, signature: (signed as SignedMembership).signature }

    saveAcceptedMembership(dataDir, accepted)
    service.setMembership(membership, accepted)
    const removed = previous.members.filter(m => !membership.members.some(n => n.peerId === m.peerId)).map(m => m.jurisdiction)
    await service.store.commit({ audit: [{ event: 'membership.accepted', peer: source, detail: `version ${membership.version} replaces ${previous.version}${removed.length > 0 ? `; removed ${removed.join(', ')}` : ''}` }] })
    log.info({ version: membership.version, previous: previous.version, source, removed }, 'membership version accepted')
    if (!membership.members.some(m => m.peerId === service.identity.peerId)) {
      log.error({ version: membership.version }, 'this node is not a member of the accepted membership version; peers will refuse it')
    }

    for (const connection of network.getConnections()) {
      const peerId = connection.remotePeer.toString()
      if (!service.isMemberPeer(peerId)) {
        log.info({ peer: peerId }, 'closing connection to a peer that is no longer a member')
        await network.hangUp(connection.remotePeer).catch((err: unknown) => { log.warn({ peer: peerId, err: (err as Error).message }, 'could not close connection') })
      }
    }

    // Passed on in the background: each member that accepts it passes it on in turn, and the
    // "newer than held" check ends the flood.
    for (const member of membership.members) {
      if (member.peerId === service.identity.peerId || member.jurisdiction === source) continue
      void this.exchangeWith(member.peerId)
    }
    return membership
  }
}
