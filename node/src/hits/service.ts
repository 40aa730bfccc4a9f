import { randomUUID } from 'node:crypto'
import { blindInputs, errors, normaliseIdentifier, oprfInputOf } from '@ceasefire/protocol'
import type { IdentifierInput, NfpRecord } from '@ceasefire/protocol'
import type { Logger } from 'pino'
import type { Network } from '../net/network.ts'
import { evaluateIndex } from '../policy/index.ts'
import type { RequestService } from '../requests/service.ts'
import type { SentRequest } from '../requests/types.ts'
import type { NodeService } from '../service.ts'
import { HitIndex } from './hit-index.ts'
import { HitQuerier } from './querier.ts'
import { HitRateLimit } from './rate-limit.ts'
import { HitResponder } from './responder.ts'
import type { HitMessage, HitRecord, HitReply, PeerResult, QueryResult } from './types.ts'

/** Default number of evaluations and confirms a node serves per requesting member per minute. */
const DEFAULT_EVALUATIONS_PER_MINUTE = 600

/** Default time a query waits for all peers. */
const DEFAULT_QUERY_TIMEOUT_MS = 5000

/** The elements of a request for information (Directive (EU) 2023/977 Art. 4) that a hit does not imply. */
export interface FollowUpElements {
  purpose: { description: string, facts: string, offence: string }
  urgency: { urgent: boolean, ground?: string, reasons?: string }
  useRestrictions: string
  europolCopy: { copy: boolean, reason: string }
  language?: string
  description?: string
  availabilityReasons?: string
  persons?: string[]
  personLink?: string
}

export interface HitServiceInit {
  service: NodeService
  requests: RequestService
  network: Network
  log: Logger
  now?: () => Date
}

/**
 * Hit/no-hit queries of this node: its index and the responder that serves members, the
 * querier that asks them in parallel, the hits both ends keep with their follow-up period, and
 * the step from a hit to a request for information.
 */
export class HitService {
  readonly index: HitIndex
  readonly #service: NodeService
  readonly #requests: RequestService
  readonly #responder: HitResponder
  readonly #querier: HitQuerier
  readonly #log: Logger
  readonly #now: () => Date

  private constructor (init: HitServiceInit, index: HitIndex) {
    this.index = index
    this.#service = init.service
    this.#requests = init.requests
    this.#log = init.log
    this.#now = init.now ?? (() => new Date())
    const settings = init.service.config.hits ?? {}
    this.#responder = new HitResponder({
      jurisdiction: init.service.jurisdiction,
      store: init.service.store,
      index,
      rateLimit: new HitRateLimit(settings.maxEvaluationsPerMinute ?? DEFAULT_EVALUATIONS_PER_MINUTE),
      policy: () => init.service.policy,
      memberOf: (peerId) => init.service.membership.members.find(member => member.peerId === peerId && peerId !== init.service.identity.peerId)?.jurisdiction,
      log: init.log,
      now: this.#now
    })
    this.#querier = new HitQuerier(init.network, init.service.jurisdiction)
    init.requests.on('case-opened', (opened: { requestId: string, requester: string, recordIds: string[] }) => {
      this.#linkIncoming(opened).catch((err: unknown) => { this.#log.error({ err: (err as Error).message, requestId: opened.requestId }, 'linking a request to its hit failed') })
    })
  }

  /** Opens the hit index, which from then on follows every record change of the store. */
  static async start (init: HitServiceInit): Promise<HitService> {
    const self = { jurisdiction: init.service.jurisdiction }
    const decide = (record: NfpRecord): ReturnType<typeof evaluateIndex> => evaluateIndex(init.service.policy, record, { self, now: new Date() })
    return new HitService(init, await HitIndex.open(init.service.store, decide))
  }

  /** Responds to one message of another member; see HitResponder.respond for the errors. */
  async receive (message: HitMessage, remotePeerId: string): Promise<HitReply> {
    return await this.#responder.respond(message, remotePeerId)
  }

  /**
   * Queries an identifier at every other member (or at `peers`) in parallel. A peer that does not
   * answer within the time limit is reported as `unanswered`, never as `no-hit`.
   *
   * @throws IdentifierInvalidError, IdentifierChecksumError or IdentifierTypeUnknownError before
   *   anything is sent, and PeerUnknownError for a listed peer that is not another member.
   */
  async query (input: unknown, options: { peers?: string[], timeoutMs?: number, actor?: string } = {}): Promise<QueryResult> {
    if (input === null || typeof input !== 'object') throw new errors.IdentifierInvalidError('the identifier must be an object with `type` and the fields of that type', { field: 'identifier' })
    const identifier = normaliseIdentifier(input as IdentifierInput)
    const members = this.#service.membership.members.filter(member => member.jurisdiction !== this.#service.jurisdiction)
    for (const peer of options.peers ?? []) {
      if (!members.some(member => member.jurisdiction === peer)) throw new errors.PeerUnknownError(`\`${peer}\` is not another member of the federation`, { field: 'peers' })
    }
    const targets = options.peers === undefined ? members : members.filter(member => options.peers!.includes(member.jurisdiction))

    const queryId = randomUUID()
    const started = this.#now()
    const timeoutMs = options.timeoutMs ?? this.#service.config.hits?.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS
    const signal = AbortSignal.timeout(timeoutMs)
    const blindings = blindInputs(oprfInputOf(identifier), targets.length)
    const answers = await Promise.all(targets.map(async (member, i) => await this.#querier.queryPeer(member, identifier, blindings[i]!, queryId, signal)))

    const hits: HitRecord[] = []
    const results: PeerResult[] = answers.map(({ result, hit }) => {
      if (hit === undefined) return result
      const record: HitRecord = { ...hit, direction: 'outgoing', queryId, peer: result.jurisdiction, identifierType: identifier.type, identifier: identifier.normalised }
      hits.push(record)
      return { ...result, hit: this.#withOverdue(record) }
    })
    const count = (status: PeerResult['status']): number => results.filter(result => result.status === status).length
    await this.#service.store.commit({
      writes: hits.map(hit => ({ collection: 'hits' as const, key: `h!${hit.hitId}`, value: hit })),
      audit: [{ event: 'hit.query', actor: options.actor ?? 'node', detail: `query ${queryId}, identifier type ${identifier.type}, ${targets.length} peer(s): ${count('hit')} hit, ${count('no-hit')} no-hit, ${count('unanswered')} unanswered, ${count('rejected')} rejected` }]
    })
    for (const result of results) {
      if (result.status === 'unanswered' || result.status === 'rejected') this.#log.warn({ queryId, peer: result.jurisdiction, code: result.code }, `hit query ${result.status}`)
    }
    return { queryId, identifierType: identifier.type, startedAt: started.toISOString(), durationMs: this.#now().getTime() - started.getTime(), results }
  }

  /** Lists the hits of both directions, newest first, with `overdue` set on hits whose follow-up period passed without a request. */
  async listHits (): Promise<Array<HitRecord & { overdue: boolean }>> {
    const stored = await this.#service.store.range<HitRecord>('hits', { gte: 'h!', lt: 'h"' })
    return stored.map(([, hit]) => this.#withOverdue(hit)).sort((a, b) => b.at.localeCompare(a.at))
  }

  /** @throws HitNotFoundError when no hit has this id. */
  async getHit (hitId: string): Promise<HitRecord & { overdue: boolean }> {
    const hit = await this.#service.store.read<HitRecord>('hits', `h!${hitId}`)
    if (hit === undefined) throw new errors.HitNotFoundError(`no hit with id \`${hitId}\` is stored on this node; list hits with GET /hits`)
    return this.#withOverdue(hit)
  }

  /**
   * Turns an outgoing hit into a request for information to the member that reported it, in
   * one step: the hit supplies the records sought and the reason to believe the member holds
   * them, and `elements` the rest of Art. 4.
   *
   * @throws HitNotFoundError, CaseStateError for an incoming hit or one already followed up,
   *   and the errors of RequestService.send (a missing element gives ERR_REQUEST_INVALID).
   */
  async requestInformation (hitId: string, elements: FollowUpElements, actor = 'node'): Promise<{ hit: HitRecord & { overdue: boolean }, request: SentRequest }> {
    const hit = await this.getHit(hitId)
    if (hit.direction !== 'outgoing') throw new errors.CaseStateError(`hit \`${hitId}\` was reported by this node to ${hit.peer}; only the querying node can follow it up`)
    if (hit.requestId !== undefined) throw new errors.CaseStateError(`hit \`${hitId}\` was already followed up by request \`${hit.requestId}\``)
    const content = {
      informationSought: {
        description: elements.description ?? `Information held on the ${hit.identifierType} that matched hit ${hit.hitId}.`,
        ids: hit.matches.map(match => match.reference)
      },
      purpose: elements.purpose,
      availabilityReasons: elements.availabilityReasons ?? `A hit/no-hit query on ${hit.at} found the identifier in records of ${hit.peer} (hit ${hit.hitId}).`,
      ...(elements.persons === undefined ? {} : { persons: elements.persons }),
      ...(elements.personLink === undefined ? {} : { personLink: elements.personLink }),
      urgency: elements.urgency,
      useRestrictions: elements.useRestrictions,
      language: elements.language ?? this.#service.member(hit.peer)?.languages?.[0] ?? 'en',
      europolCopy: elements.europolCopy
    }
    const request = await this.#requests.send(hit.peer, content, actor)
    const updated: HitRecord = { ...hit, requestId: request.requestId, requestedAt: this.#now().toISOString() }
    delete (updated as Partial<HitRecord & { overdue: boolean }>).overdue
    await this.#service.store.commit({
      writes: [{ collection: 'hits', key: `h!${hitId}`, value: updated }],
      audit: [{ event: 'hit.followed-up', peer: hit.peer, actor, messageId: request.requestId, detail: `hit ${hitId} followed up by request ${request.requestId}` }]
    })
    return { hit: this.#withOverdue(updated), request }
  }

  /**
   * Marks the incoming hits a new request follows up: those reported to the same member,
   * not yet followed up, that name a record the request names.
   */
  async #linkIncoming (opened: { requestId: string, requester: string, recordIds: string[] }): Promise<void> {
    const requested = new Set(opened.recordIds)
    for (const hit of await this.listHits()) {
      if (hit.direction !== 'incoming' || hit.peer !== opened.requester || hit.requestId !== undefined) continue
      if (!hit.matches.some(match => requested.has(match.reference))) continue
      const { overdue, ...stored } = hit
      await this.#service.store.commit({
        writes: [{ collection: 'hits', key: `h!${hit.hitId}`, value: { ...stored, requestId: opened.requestId, requestedAt: this.#now().toISOString() } }],
        audit: [{ event: 'hit.followed-up', peer: hit.peer, messageId: opened.requestId, detail: `hit ${hit.hitId} followed up by request ${opened.requestId}${overdue ? ' after its follow-up period' : ''}` }]
      })
    }
  }

  /** Adds `overdue`: the follow-up period passed without a request following the hit up. */
  #withOverdue (hit: HitRecord): HitRecord & { overdue: boolean } {
    const overdue = hit.requestId === undefined && this.#now().getTime() > Date.parse(hit.followUpBy)
    return { ...hit, overdue }
  }
}
