import { randomUUID } from 'node:crypto'
import { CONFIRM_TOKEN_BYTES, OPRF_ELEMENT_BYTES, errors } from '@ceasefire/protocol'
import type { IdentifierType } from '@ceasefire/protocol'
import type { Logger } from 'pino'
import { decideHitQuery } from '../policy/hit-queries.ts'
import type { PolicyModule } from '../policy/index.ts'
import type { NodeStore } from '../store/store.ts'
import type { HitIndex } from './hit-index.ts'
import type { HitRateLimit } from './rate-limit.ts'
import { FOLLOW_UP_HOURS } from './types.ts'
import type { HitMessage, HitRecord, HitReply } from './types.ts'

/** Most records one hit names, so a very common identifier cannot fill the reply frame. */
const MAX_MATCHES = 50

export interface HitResponderInit {
  jurisdiction: string
  store: NodeStore
  index: HitIndex
  rateLimit: HitRateLimit
  policy: () => PolicyModule
  /** Decides hit queries by the module's hitQueries rules; replaced only to build a broken node for the conformance suite. */
  decide?: typeof decideHitQuery
  /** Returns the jurisdiction of the member with this peer id, or undefined. */
  memberOf: (peerId: string) => string | undefined
  log: Logger
  now?: () => Date
}

/**
 * Responds to the hit messages of other members: blinded evaluations, filter pages and deltas,
 * and confirms, each counted against the requester's rate limit. It writes one audit entry per
 * evaluation and per confirm, naming the requester, the identifier type and the outcome. It
 * never stores or logs a blinded element, an OPRF output or a token that matched nothing,
 * because the node could test guesses against them.
 */
export class HitResponder {
  readonly #init: HitResponderInit
  readonly #now: () => Date

  constructor (init: HitResponderInit) {
    this.#init = init
    this.#now = init.now ?? (() => new Date())
  }

  /**
   * Handles one message from an authenticated peer.
   *
   * @throws PeerIdentityMismatchError when `sender` or `receiver` do not fit the connection,
   *   HitTypeForbiddenError when the policy forbids the requester this type,
   *   HitRateLimitedError when the requester exceeds its limit of messages, HitElementInvalidError for a
   *   malformed element or token, HitKeyEpochStaleError for a confirm under an old key, and
   *   HitIndexBuildingError while the index is loaded or rebuilt under a new policy.
   */
  async respond (message: HitMessage, remotePeerId: string): Promise<HitReply> {
    const requester = this.#init.memberOf(remotePeerId)
    if (requester === undefined || message.sender !== requester || message.receiver !== this.#init.jurisdiction) {
      throw new errors.PeerIdentityMismatchError(`hit message names sender ${message.sender} and receiver ${message.receiver}, but the connection is from ${requester ?? 'an unknown peer'} to ${this.#init.jurisdiction}`)
    }
    await this.#checkPolicy(requester, message)
    if (this.#init.index.building) {
      throw new errors.HitIndexBuildingError(`${this.#init.jurisdiction} is building its hit index under its current policy and rejects hit queries until the build ends; query again later`)
    }

    switch (message.type) {
      case 'hit-evaluate':
        return await this.#evaluate(requester, message)
      case 'hit-filter':
        return await this.#filter(requester, message)
      case 'hit-confirm':
        return await this.#confirm(requester, message)
    }
  }

  async #checkPolicy (requester: string, message: HitMessage): Promise<void> {
    const decision = (this.#init.decide ?? decideHitQuery)(this.#init.policy(), requester, message.identifierType)
    if (decision.effect === 'permit') return
    await this.#init.store.commit({ audit: [{ event: 'hit.rejected', peer: requester, code: errors.HitTypeForbiddenError.code, decision: 'deny', policyHash: decision.policyHash, rules: [...decision.rules], detail: `${message.type} for identifier type ${message.identifierType}` }] })
    throw new errors.HitTypeForbiddenError(`${this.#init.jurisdiction} does not let ${requester} query identifier type ${message.identifierType}: ${decision.explanation}`)
  }

  async #limit (requester: string, message: HitMessage): Promise<void> {
    try {
      this.#init.rateLimit.take(requester)
    } catch (err) {
      await this.#init.store.commit({ audit: [{ event: 'hit.rejected', peer: requester, code: errors.HitRateLimitedError.code, detail: `${message.type} for identifier type ${message.identifierType}` }] })
      this.#init.log.warn({ peer: requester, identifierType: message.identifierType }, 'hit query rate limit reached')
      throw err
    }
  }

  async #evaluate (requester: string, message: Extract<HitMessage, { type: 'hit-evaluate' }>): Promise<HitReply> {
    await this.#limit(requester, message)
    const blinded = decodeElement(message.blinded, OPRF_ELEMENT_BYTES, 'blinded element')
    const { evaluated, epoch, version } = this.#init.index.evaluate(message.identifierType, blinded)
    await this.#init.store.commit({ audit: [{ event: 'hit.evaluate', peer: requester, detail: `identifier type ${message.identifierType}` }] })
    return { type: 'hit-evaluated', queryId: message.queryId, identifierType: message.identifierType, suite: 'ristretto255-SHA512', keyEpoch: epoch, filterVersion: version, evaluated: Buffer.from(evaluated).toString('base64url') }
  }

  async #filter (requester: string, message: Extract<HitMessage, { type: 'hit-filter' }>): Promise<HitReply> {
    // Filter pages count against the limit too, so that repeated full downloads cannot load the node.
    await this.#limit(requester, message)
    const type = message.identifierType
    const { epoch } = this.#init.index.filterState(type)
    const common = { type: 'hit-filter-result' as const, identifierType: type, keyEpoch: epoch, tagBytes: 5 as const }
    if (message.sinceVersion !== undefined && message.keyEpoch === epoch && message.offset === undefined) {
      const delta = await this.#init.index.deltaSince(type, message.sinceVersion)
      if (delta !== undefined) {
        return { ...common, version: delta.version, kind: 'delta', added: joinTags(delta.added), removed: joinTags(delta.removed), offset: 0, total: delta.added.length + delta.removed.length, more: false }
      }
    }
    const offset = message.offset ?? 0
    const page = await this.#init.index.filterPage(type, offset)
    return { ...common, version: page.version, kind: 'full', tags: joinTags(page.tags), offset, total: page.total, more: offset + page.tags.length < page.total }
  }

  async #confirm (requester: string, message: Extract<HitMessage, { type: 'hit-confirm' }>): Promise<HitReply> {
    await this.#limit(requester, message)
    const { epoch } = this.#init.index.filterState(message.identifierType)
    if (message.keyEpoch !== epoch) {
      throw new errors.HitKeyEpochStaleError(`confirm names key epoch ${message.keyEpoch}, but ${this.#init.jurisdiction} uses epoch ${epoch} for ${message.identifierType}; query again`)
    }
    const token = Buffer.from(decodeElement(message.token, CONFIRM_TOKEN_BYTES, 'confirm token')).toString('hex')
    const matches = (await this.#init.index.lookup(message.identifierType, token)).slice(0, MAX_MATCHES)
    if (matches.length === 0) {
      await this.#init.store.commit({ audit: [{ event: 'hit.confirm', peer: requester, decision: 'no-hit', detail: `identifier type ${message.identifierType}` }] })
      return { type: 'hit-confirmed', queryId: message.queryId, outcome: 'no-hit' }
    }

    const at = this.#now()
    const hit: HitRecord = {
      hitId: randomUUID(),
      direction: 'incoming',
      queryId: message.queryId,
      peer: requester,
      identifierType: message.identifierType as IdentifierType,
      at: at.toISOString(),
      followUpBy: new Date(at.getTime() + FOLLOW_UP_HOURS * 3_600_000).toISOString(),
      matches: matches.map(match => ({ reference: match.recordId, jurisdiction: match.jurisdiction }))
    }
    await this.#init.store.commit({
      writes: [{ collection: 'hits', key: `h!${hit.hitId}`, value: hit }],
      audit: [{ event: 'hit.confirm', peer: requester, decision: 'hit', recordId: matches[0]!.recordId, detail: `identifier type ${message.identifierType}, hit ${hit.hitId}, ${matches.length} record(s): ${matches.map(match => match.recordId).join(', ')}` }]
    })
    this.#init.log.info({ peer: requester, hitId: hit.hitId, identifierType: hit.identifierType }, 'hit reported to a member')
    return { type: 'hit-confirmed', queryId: message.queryId, outcome: 'hit', hit: { hitId: hit.hitId, at: hit.at, followUpBy: hit.followUpBy, matches: hit.matches } }
  }
}

function decodeElement (text: string, bytes: number, what: string): Uint8Array {
  const decoded = Buffer.from(text, 'base64url')
  if (decoded.length !== bytes) throw new errors.HitElementInvalidError(`${what} has ${decoded.length} bytes; expected ${bytes}`)
  return Uint8Array.from(decoded)
}

function joinTags (tags: string[]): string {
  return Buffer.from(tags.join(''), 'hex').toString('base64url')
}
