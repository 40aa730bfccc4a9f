import { errors, finalizeOutput, hitTokensOf, oprfInputOf, NfpError } from '@ceasefire/protocol'
import type { IdentifierType, NormalisedIdentifier } from '@ceasefire/protocol'
import type { Network } from '../net/network.ts'
import { sendHitMessage } from '../net/hits.ts'
import type { HitMessage, HitReply, HitSummary, PeerResult } from './types.ts'

/** Full-filter downloads restarted because the peer's filter changed in between, before giving up. */
const MAX_FILTER_RESTARTS = 3

/**
 * Most tags a peer's filter may have. A responder that publishes far more tags than it holds
 * identifiers would make false positives, and so confirm tokens it can test guesses against,
 * more likely.
 */
const MAX_FILTER_TAGS = 10_000_000

/** Codes for which a peer counts as unanswered: it may hold the identifier but did not say. */
const UNANSWERED_CODES = new Set(['ERR_PEER_TIMEOUT', 'ERR_PEER_UNREACHABLE', 'ERR_HIT_RATE_LIMITED', 'ERR_HIT_INDEX_BUILDING', 'ERR_INTERNAL', 'ERR_STORE_FAILURE'])

/** A peer's filter of one identifier type as this node last loaded it. */
interface CachedFilter {
  epoch: number
  version: number
  tags: Set<string>
}

type Peer = { jurisdiction: string, peerId: string, addresses: string[] }

/**
 * Runs the querying side of `/nfp/hit/1.0.0` against one peer: blind, evaluate, unblind, test
 * the peer's filter locally and confirm only on a filter hit. It keeps each peer's filters in
 * memory and brings them up to the version the evaluation reports, by delta where it can.
 */
export class HitQuerier {
  readonly #network: Network
  readonly #self: string
  readonly #filters = new Map<string, CachedFilter>()
  readonly #loading = new Map<string, Promise<CachedFilter>>()

  constructor (network: Network, self: string) {
    this.#network = network
    this.#self = self
  }

  /**
   * Queries one peer with a blinding made for it (see blindInputs); never throws, because every
   * failure is a result for that peer.
   */
  async queryPeer (peer: Peer, identifier: NormalisedIdentifier, blinding: { blind: Uint8Array, blinded: Uint8Array }, queryId: string, signal: AbortSignal): Promise<{ result: Omit<PeerResult, 'hit'>, hit?: HitSummary }> {
    try {
      const input = oprfInputOf(identifier)
      const { blind, blinded } = blinding
      const evaluation = await this.#send(peer, {
        type: 'hit-evaluate', queryId, sender: this.#self, receiver: peer.jurisdiction, identifierType: identifier.type, suite: 'ristretto255-SHA512', blinded: Buffer.from(blinded).toString('base64url')
      }, signal, 'hit-evaluated')
      const output = finalizeOutput(input, blind, Uint8Array.from(Buffer.from(evaluation.evaluated, 'base64url')))
      const { tag, token } = hitTokensOf(output)

      const filter = await this.#filterOf(peer, identifier.type, evaluation.keyEpoch, evaluation.filterVersion, signal)
      if (!filter.tags.has(Buffer.from(tag).toString('hex'))) return { result: { jurisdiction: peer.jurisdiction, status: 'no-hit' } }

      const confirmed = await this.#send(peer, {
        type: 'hit-confirm', queryId, sender: this.#self, receiver: peer.jurisdiction, identifierType: identifier.type, keyEpoch: evaluation.keyEpoch, token: Buffer.from(token).toString('base64url')
      }, signal, 'hit-confirmed')
      if (confirmed.outcome === 'no-hit' || confirmed.hit === undefined) return { result: { jurisdiction: peer.jurisdiction, status: 'no-hit' } }
      return { result: { jurisdiction: peer.jurisdiction, status: 'hit' }, hit: confirmed.hit }
    } catch (err) {
      const code = err instanceof NfpError ? ((err as NfpError & { peerCode?: string }).peerCode ?? err.code) : errors.InternalError.code
      const message = err instanceof Error ? err.message : String(err)
      return { result: { jurisdiction: peer.jurisdiction, status: UNANSWERED_CODES.has(code) ? 'unanswered' : 'rejected', code, message } }
    }
  }

  /** Returns the peer's filter at `version`, loading a delta or the full filter when the cache is older. */
  async #filterOf (peer: Peer, type: IdentifierType, epoch: number, version: number, signal: AbortSignal): Promise<CachedFilter> {
    const key = `${peer.jurisdiction}/${type}`
    const cached = this.#filters.get(key)
    if (cached !== undefined && cached.epoch === epoch && cached.version >= version) return cached
    // Concurrent queries to one peer share one download.
    let loading = this.#loading.get(key)
    if (loading === undefined) {
      loading = this.#load(peer, type, epoch, cached, signal).finally(() => this.#loading.delete(key))
      this.#loading.set(key, loading)
    }
    const loaded = await loading
    this.#filters.set(key, loaded)
    return loaded
  }

  async #load (peer: Peer, type: IdentifierType, epoch: number, cached: CachedFilter | undefined, signal: AbortSignal): Promise<CachedFilter> {
    const base = { sender: this.#self, receiver: peer.jurisdiction, identifierType: type }
    if (cached !== undefined && cached.epoch === epoch) {
      const reply = await this.#send(peer, { type: 'hit-filter', ...base, keyEpoch: epoch, sinceVersion: cached.version }, signal, 'hit-filter-result')
      if (reply.kind === 'delta') {
        const tags = new Set(cached.tags)
        for (const tag of splitTags(reply.removed)) tags.delete(tag)
        for (const tag of splitTags(reply.added)) tags.add(tag)
        if (tags.size > MAX_FILTER_TAGS) throw new errors.FrameMalformedError(`the hit filter of ${peer.jurisdiction} has ${tags.size} tags, more than the ${MAX_FILTER_TAGS} this node accepts`)
        return { epoch: reply.keyEpoch, version: reply.version, tags }
      }
    }
    for (let attempt = 0; attempt < MAX_FILTER_RESTARTS; attempt++) {
      const tags = new Set<string>()
      let offset = 0
      let version: number | undefined
      let keyEpoch = epoch
      let changed = false
      for (;;) {
        const page = await this.#send(peer, { type: 'hit-filter', ...base, offset }, signal, 'hit-filter-result')
        if (version !== undefined && page.version !== version) { changed = true; break }
        if (page.total > MAX_FILTER_TAGS) throw new errors.FrameMalformedError(`the hit filter of ${peer.jurisdiction} has ${page.total} tags, more than the ${MAX_FILTER_TAGS} this node accepts`)
        version = page.version
        keyEpoch = page.keyEpoch
        const pageTags = splitTags(page.tags)
        for (const tag of pageTags) tags.add(tag)
        offset += pageTags.length
        if (pageTags.length === 0 && page.more) throw new errors.FrameMalformedError(`${peer.jurisdiction} sent an empty filter page that claims more pages`)
        if (!page.more) break
      }
      if (!changed) return { epoch: keyEpoch, version: version ?? 0, tags }
    }
    throw new errors.PeerUnreachableError(`the hit filter of ${peer.jurisdiction} changed during each of ${MAX_FILTER_RESTARTS} downloads; query again later`)
  }

  async #send<K extends Exclude<HitReply, { type: 'error' }>['type']> (peer: Peer, message: HitMessage, signal: AbortSignal, expected: K): Promise<Extract<HitReply, { type: K }>> {
    const reply = await sendHitMessage(this.#network, peer, message, signal)
    if (reply.type !== expected) throw new errors.FrameMalformedError(`${peer.jurisdiction} answered a ${message.type} message with ${reply.type}, expected ${expected}`)
    return reply as Extract<HitReply, { type: K }>
  }
}

function splitTags (text: string | undefined): string[] {
  if (text === undefined || text === '') return []
  const hex = Buffer.from(text, 'base64url').toString('hex')
  const tags: string[] = []
  for (let i = 0; i + 10 <= hex.length; i += 10) tags.push(hex.slice(i, i + 10))
  return tags
}
