import { EventEmitter } from 'node:events'
import { randomUUID } from 'node:crypto'
import { errors } from '@ceasefire/protocol'
import type { SigningKey } from '@ceasefire/protocol'
import type { AnySignedRecord } from '@ceasefire/protocol'
import type { Logger } from 'pino'
import { outgoingCopy } from '../outgoing.ts'
import { REFUSAL_GROUNDS, evaluateRequest } from '../policy/index.ts'
import type { ApproverRole, Decision, RefusalGround } from '../policy/index.ts'
import type { Network } from '../net/network.ts'
import { sendRequestMessage } from '../net/requests.ts'
import type { NodeService } from '../service.ts'
import type { AuditDraft, CollectionWrite } from '../store/store.ts'
import { deadlineOf, isOverdue, pauseClock, resumeClock, warningLeadMs } from './deadline.ts'
import { findMatches } from './matching.ts'
import { afterFailure, describeEntry, newOutboxEntry, outboxKey } from './outbox.ts'
import { signRequestMessage, verifyRequestMessage } from './signed-message.ts'
import { produceCopies } from '../copies/produce.ts'
import type {
  Case, CaseClock, CaseItem, DeadlineAlert, OutboxEntry, Refusal, RequestContent, RequestMessage, RequestReply, SentRequest,
  UndeliveredMessage, UnsignedRequestMessage
} from './types.ts'
import { DEFAULT_LANGUAGES, validateRequestContent } from './validate.ts'

/** An alert the service emits as `alert`, for a case this node answers or a request it sent. */
export interface AlertEvent extends DeadlineAlert {
  side: 'case' | 'request'
  id: string
  peer: string
}

export interface RequestServiceInit {
  service: NodeService
  network: Network
  log: Logger
  now?: () => Date
  /** How often deadlines are checked and unacknowledged messages resent; 0 turns the timer off. */
  tickMs?: number
  /** Expected delay announced when an item needs a judicial authorisation (Art. 5(2)), in hours. */
  approvalDelayHours?: number
}

type Ack = Extract<RequestReply, { type: 'ack' }>

/** Operator input for an answer: the Art. 12 assessment and an Art. 4(2) copy exemption. */
export interface AnswerOptions {
  europolCopy?: { copy: boolean, reason: string }
  copyExemption?: string
}

/** Signs a message a transition queues and adds it to the transition's commit; returns the signed message. */
type Queue = (message: UnsignedRequestMessage) => Promise<RequestMessage>

/** Message types the responding node sends; the others come from the requester. */
const RESPONDER_TYPES: ReadonlySet<RequestMessage['type']> = new Set(['clarification-request', 'delay-notice', 'answer'])

/** A case or request as the API shows it: with its deadline, whether it is overdue, and what is still undelivered. */
export type Tracked<T> = T & { deadline?: string, overdue: boolean, undelivered: UndeliveredMessage[] }

/**
 * Requests for information under Directive (EU) 2023/977 at both ends: this node's own
 * requests to peers, and the cases it opens for requests it receives. Cases and requests are
 * stored in the `cases` and `requests` collections with their clocks, so deadlines survive a
 * restart, and every transition is written to the audit log in the same batch.
 * Emits `alert` (AlertEvent) before and at each deadline.
 */
export class RequestService extends EventEmitter {
  readonly #service: NodeService
  readonly #network: Network
  readonly #log: Logger
  #now: () => Date
  readonly #tickMs: number
  readonly #approvalDelayHours: number
  #timer: NodeJS.Timeout | undefined
  #queue: Promise<unknown> = Promise.resolve()
  #flushing: Promise<void> = Promise.resolve()
  readonly #keys = new Map<string, SigningKey>()

  constructor (init: RequestServiceInit) {
    super()
    this.#service = init.service
    this.#network = init.network
    this.#log = init.log
    this.#now = init.now ?? (() => new Date())
    this.#tickMs = init.tickMs ?? 30_000
    this.#approvalDelayHours = init.approvalDelayHours ?? 72
  }

  /** Replaces the clock, so tests and drills can move a node through a deadline without waiting. */
  setClock (now: () => Date): void {
    this.#now = now
  }

  start (): void {
    // Messages queued before a restart go out now rather than at the first tick.
    setImmediate(() => { void this.flushOutbox() })
    if (this.#tickMs <= 0) return
    this.#timer = setInterval(() => { void this.tick() }, this.#tickMs)
    this.#timer.unref()
  }

  stop (): void {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
  }

  get #self (): string {
    return this.#service.jurisdiction
  }

  // ---- Requesting node ------------------------------------------------------------------

  /**
   * Checks a request against Art. 4, stores it and sends it to `to`. Returns the tracked request;
   * its status is `received` once the peer acknowledged it and reported its clock.
   *
   * @throws InformationRequestInvalidError before anything is stored or sent, PeerUnknownError,
   *   or the delivery error after the retries (the request stays stored as `sent`).
   */
  async send (to: string, input: unknown, actor = 'node'): Promise<SentRequest> {
    const member = this.#service.member(to)
    if (member === undefined || to === this.#self) {
      throw new errors.PeerUnknownError(`\`${to}\` is not another member of the federation`)
    }
    const content = validateRequestContent(input, member.languages ?? DEFAULT_LANGUAGES)
    const requestId = randomUUID()
    const sentAt = this.#now().toISOString()
    const request: SentRequest = { requestId, to, content, status: 'sent', sentAt, clarifications: [], delayNotices: [], alerts: [], records: [], refusals: [] }
    const writes: CollectionWrite[] = [{ collection: 'requests', key: requestId, value: request }]
    const signed = await this.#queueInto(writes)({ type: 'request', content, ...this.#envelope(requestId, to) })
    const copies = produceCopies(this.#service, {
      exchange: { kind: 'request', urgent: content.urgency.urgent, europolCopy: content.europolCopy.copy, copyExemption: content.spocCopyExemption ?? '', ownRecordsOnly: true },
      peer: to,
      requestId,
      recordIds: [],
      content: signed
    }, this.#now(), requestId)
    await this.#service.store.commit({
      writes: [...writes, ...copies.writes],
      audit: [
        { event: 'request.sent', peer: to, messageId: requestId, actor, detail: `urgent: ${content.urgency.urgent}; Europol copy: ${content.europolCopy.copy} (${content.europolCopy.reason})` },
        ...copies.audit
      ]
    })
    this.#log.info({ requestId, peer: to }, 'request for information queued')
    await this.flushOutbox(false, to)
    return await this.getRequest(requestId)
  }

  /** Sends the answer to a clarification the peer asked for; the peer's clock runs again on receipt. */
  async answerClarification (requestId: string, answer: string, actor = 'node'): Promise<SentRequest> {
    const request = await this.getRequest(requestId)
    if (request.status !== 'clarification-asked') {
      throw new errors.CaseStateError(`request \`${requestId}\` has no open clarification; its status is ${request.status}`)
    }
    await this.#updateRequest(requestId, async (r, queue) => {
      if (r.status !== 'clarification-asked') throw new errors.CaseStateError(`request \`${requestId}\` has no open clarification; its status is ${r.status}`)
      await queue({ type: 'clarification-answer', answer, ...this.#envelope(requestId, r.to) })
      const open = r.clarifications.find(c => c.answer === undefined)
      if (open !== undefined) Object.assign(open, { answer, answeredAt: this.#now().toISOString() })
      r.status = 'received'
      return { event: 'request.clarification-answered', peer: r.to, messageId: requestId, actor }
    })
    await this.flushOutbox(false, request.to)
    return await this.getRequest(requestId)
  }

  async listRequests (): Promise<Array<Tracked<SentRequest>>> {
    const all = (await this.#service.store.range<SentRequest>('requests', {})).map(([, r]) => r)
    const undelivered = await this.#undelivered()
    return all.map(r => this.#withDeadline(r, r.clock, isRunning(r), undelivered.get(r.requestId)))
  }

  async getRequest (requestId: string): Promise<Tracked<SentRequest>> {
    const request = await this.#service.store.read<SentRequest>('requests', requestId)
    if (request === undefined) throw new errors.InformationRequestNotFoundError(`no request \`${requestId}\` was sent from this node`)
    return this.#withDeadline(request, request.clock, isRunning(request), (await this.#undelivered()).get(requestId))
  }

  // ---- Responding node ------------------------------------------------------------------

  /** Lists cases, the earliest deadline first; cases with a paused clock follow, then answered ones. */
  async listCases (): Promise<Array<Tracked<Case>>> {
    const undelivered = await this.#undelivered()
    const all = (await this.#service.store.range<Case>('cases', {})).map(([, c]) => this.#withDeadline(c, c.clock, c.status !== 'answered', undelivered.get(c.requestId)))
    const rank = (c: Case & { deadline?: string }): number => {
      if (c.status === 'answered') return 2
      if (c.deadline === undefined) return 1
      return 0
    }
    return all.sort((a, b) => rank(a) - rank(b) || (a.deadline ?? a.clock.receivedAt).localeCompare(b.deadline ?? b.clock.receivedAt))
  }

  async getCase (caseId: string): Promise<Tracked<Case>> {
    const found = await this.#service.store.read<Case>('cases', caseId)
    if (found === undefined) throw new errors.CaseNotFoundError(`no case \`${caseId}\` on this node`)
    return this.#withDeadline(found, found.clock, found.status !== 'answered', (await this.#undelivered()).get(found.requestId))
  }

  /**
   * Records a person's approval of an item that needs one (for example a judicial
   * authorisation). When no item awaits approval any more, the clock runs again.
   */
  async approveItem (caseId: string, itemId: string, approval: { approvedBy: string, role: ApproverRole, reference?: string, note?: string }): Promise<Tracked<Case>> {
    await this.#updateCase(caseId, (c) => {
      const item = findItem(c, itemId)
      if (item.status !== 'awaiting-approval') throw new errors.CaseStateError(`item \`${itemId}\` does not await approval; its status is ${item.status}`)
      if (!(item.approvers ?? []).includes(approval.role)) {
        throw new errors.PolicyApprovalRequiredError(`item \`${itemId}\` needs the approval of ${(item.approvers ?? []).join(' or ')}, not ${approval.role}`)
      }
      item.status = 'permitted'
      item.approval = { ...approval, at: this.#now().toISOString() }
      this.#resumeIfClear(c)
      return [{ event: 'policy.approval', recordId: item.recordId, peer: c.requester, messageId: c.requestId, actor: approval.approvedBy, detail: `request case ${caseId}; approved as ${approval.role}${approval.reference === undefined ? '' : `, reference ${approval.reference}`}` }]
    })
    return await this.getCase(caseId)
  }

  /**
   * Refuses one item with a ground from the closed list of Art. 6(1) and a note for the requester.
   * An item the policy permitted, or that awaits approval or was approved, can be refused.
   *
   * @throws RefusalGroundInvalidError for any other ground, CaseStateError when the item was
   *   already refused or the case was answered.
   */
  async refuseItem (caseId: string, itemId: string, ground: string, note: string, actor = 'node'): Promise<Tracked<Case>> {
    if (!(REFUSAL_GROUNDS as readonly string[]).includes(ground)) {
      throw new errors.RefusalGroundInvalidError(`\`${ground}\` is not a refusal ground of Directive (EU) 2023/977 Art. 6(1), which is a closed list: ${REFUSAL_GROUNDS.join(', ')}`, { field: 'ground' })
    }
    await this.#updateCase(caseId, (c) => {
      if (c.status === 'answered') throw new errors.CaseStateError(`case \`${caseId}\` was already answered`)
      const item = findItem(c, itemId)
      // A refusal is final: neither the policy's ground nor an operator's can be replaced.
      if (item.status === 'refused') throw new errors.CaseStateError(`item \`${itemId}\` of case \`${caseId}\` was already refused on ${item.refusal?.ground ?? 'a ground'}; a decided item cannot be refused again`)
      item.status = 'refused'
      item.refusal = { recordId: item.recordId, ground: ground as RefusalGround, reasons: note }
      this.#resumeIfClear(c)
      return [{ event: 'request.item-refused', recordId: item.recordId, peer: c.requester, messageId: c.requestId, actor, code: ground, detail: `request case ${caseId}` }]
    })
    return await this.getCase(caseId)
  }

  /** Asks the requester for clarification and pauses the clock until the answer arrives (Art. 6(3)). */
  async askClarification (caseId: string, question: string, actor = 'node'): Promise<Case> {
    const updated = await this.#updateCase(caseId, async (c, queue) => {
      if (c.status !== 'open') throw new errors.CaseStateError(`case \`${caseId}\` is ${c.status}; a clarification can be asked only in an open case`)
      const at = this.#now()
      c.status = 'clarification-asked'
      c.clock = pauseClock(c.clock, at, 'clarification')
      c.clarifications.push({ question, askedAt: at.toISOString() })
      await queue({ type: 'clarification-request', question, clock: c.clock, ...this.#envelope(c.requestId, c.requester) })
      return [{ event: 'request.clarification-asked', peer: c.requester, messageId: c.requestId, actor, detail: `request case ${caseId}` }]
    })
    await this.flushOutbox(false, updated.requester)
    return await this.getCase(updated.caseId)
  }

  /**
   * Sends the answer: permitted records, each as the decision lets it go and signed as in
   * SPEC section 5, and a reasoned refusal for every other item. Refusal covers only the
   * refused items (Art. 6(1), last subparagraph).
   */
  async sendAnswer (caseId: string, actor = 'node', options: AnswerOptions = {}): Promise<Case> {
    const key = { privateKey: this.#service.identity.signing.privateKey, kid: this.#service.identity.signing.kid }
    const extra: CollectionWrite[] = []
    const heldItems: string[] = []
    const answered = await this.#updateCase(caseId, async (c, queue) => {
      if (c.status !== 'open') throw new errors.CaseStateError(`case \`${caseId}\` is ${c.status}; only an open case can be answered`)
      if (c.items.some(i => i.status === 'awaiting-approval')) {
        throw new errors.CaseStateError(`case \`${caseId}\` has items that await approval; approve or refuse them first`)
      }
      const audit: AuditDraft[] = []
      const records: AnySignedRecord[] = []
      const now = this.#now()
      for (const item of c.items.filter(i => i.status === 'permitted')) {
        const stored = await this.#service.store.getRecord(item.recordId)
        if (stored !== undefined && stored.signed.record.versionHash !== item.versionHash) {
          // The record changed after the case opened, so the earlier decision does not cover the
          // version that would leave. The stored version is decided again and only that decision applies.
          const decidedBefore = item.versionHash ?? 'an unrecorded version'
          setItemDecision(item, this.#decide(stored.signed.record, c.requester, c.content, now), stored.signed.record)
          audit.push({ ...decisionAudit(item, c.requester, c.requestId), detail: `request section; case ${caseId}; record changed since ${decidedBefore} was decided` })
          if (item.refusal !== undefined) {
            audit.push({ event: 'request.item-refused', recordId: item.recordId, peer: c.requester, messageId: c.requestId, actor: 'node', code: item.refusal.ground, detail: `request case ${caseId}; changed record refused by policy` })
          }
          if (item.status !== 'permitted') continue
        }
        if (stored !== undefined) {
          // NOTE: request decisions do not apply the node's relay rules, so a relayed record whose
          // decision changes a value makes outgoingCopy throw ERR_SIG_REDACTION_FORBIDDEN here.
          records.push((await outgoingCopy(stored.signed, item.decision, { jurisdiction: this.#service.jurisdiction, key })).signed)
          continue
        }
        // A record deleted after the case opened cannot be given; it is refused rather than left out without a word.
        item.status = 'refused'
        item.refusal = { recordId: item.recordId, ground: 'NOT_AVAILABLE', reasons: `The record was deleted on the requested node after the case opened${item.approval === undefined ? '' : ' and after its provision was approved'}; it is no longer available.` }
        audit.push({ event: 'request.item-refused', recordId: item.recordId, peer: c.requester, messageId: c.requestId, actor: 'node', code: 'NOT_AVAILABLE', detail: `request case ${caseId}; record deleted before the answer` })
      }
      const held = c.items.filter(i => i.status === 'awaiting-approval')
      if (held.length > 0) {
        // Nothing is sent. The case keeps the new decisions, the clock pauses and the requester
        // gets a delay notice, as when an item awaits approval from the start.
        heldItems.push(...held.map(i => i.itemId))
        c.clock = pauseClock(c.clock, now, 'approval')
        const reasons = held.map(i => i.decision.approvals.map(a => a.reason).join(' ') || 'A person must decide whether this record may be provided.').join(' ')
        c.delayNotices.push({ at: now.toISOString(), expectedDelayHours: this.#approvalDelayHours, reasons })
        await queue({ type: 'delay-notice', expectedDelayHours: this.#approvalDelayHours, reasons, clock: c.clock, ...this.#envelope(c.requestId, c.requester) })
        return [...audit, { event: 'request.delay-notice', peer: c.requester, messageId: c.requestId, detail: `expected delay ${this.#approvalDelayHours} h; changed records need approval` }]
      }
      const refusals: Refusal[] = c.items.flatMap(i => i.refusal === undefined ? [] : [i.refusal])
      if (c.items.length === 0) {
        refusals.push({ ground: 'NOT_AVAILABLE', reasons: 'No record held by this node matches the information sought.' })
      }
      let outcome: 'refused' | 'partly-refused' | 'answered' = 'answered'
      if (records.length === 0) outcome = 'refused'
      else if (refusals.length > 0) outcome = 'partly-refused'

      c.status = 'answered'
      c.outcome = outcome
      c.answeredAt = this.#now().toISOString()
      const signed = await queue({ type: 'answer', outcome, records, refusals, clock: c.clock, ...this.#envelope(c.requestId, c.requester) })
      const copies = produceCopies(this.#service, {
        exchange: { kind: 'answer', urgent: c.content.urgency.urgent, europolCopy: options.europolCopy?.copy ?? false, copyExemption: options.copyExemption ?? '', ownRecordsOnly: records.every(r => r.record.provenance.jurisdiction === this.#self) },
        peer: c.requester,
        requestId: c.requestId,
        recordIds: records.map(r => r.record.id),
        content: signed
      }, this.#now(), c.requestId)
      extra.push(...copies.writes)
      const overdue = isOverdue(c.clock, this.#now())
      return [
        ...audit,
        ...(options.europolCopy === undefined ? [] : [{ event: 'request.europol-assessed', peer: c.requester, messageId: c.requestId, actor, detail: `answer; Europol copy: ${options.europolCopy.copy} (${options.europolCopy.reason})` }]),
        ...copies.audit,
        ...records.map((r): AuditDraft => ({ event: 'request.record-provided', recordId: r.record.id, recordType: r.record.type, versionHash: r.record.versionHash, peer: c.requester, messageId: c.requestId, actor, legalBasis: r.record.legalBasis })),
        { event: 'request.answered', peer: c.requester, messageId: c.requestId, actor, decision: outcome, detail: `request case ${caseId}; ${records.length} records, ${refusals.length} refusals${overdue ? '; after the deadline' : ''}` }
      ]
    }, extra)
    await this.flushOutbox(false, answered.requester)
    if (heldItems.length > 0) {
      throw new errors.CaseStateError(`case \`${caseId}\` was not answered: the records of items ${heldItems.map(i => `\`${i}\``).join(', ')} changed since the case opened and now await approval; approve or refuse them, then answer again`)
    }
    return await this.getCase(caseId)
  }

  // ---- Incoming messages ----------------------------------------------------------------

  /**
   * Handles a message that arrived over `/nfp/request/2.0.0` from an authenticated peer. The
   * message must carry a valid signature of its sender. A message that was already handled
   * (the same sender and `messageId`, resent after a lost acknowledgement) changes nothing and
   * gets the acknowledgement it got the first time.
   *
   * @throws PeerIdentityMismatchError, SignatureInvalidError (a forged or altered message) and
   *   the other signature key errors, CaseStateError, CaseNotFoundError, InformationRequestNotFoundError.
   */
  async receive (message: RequestMessage, remotePeerId: string): Promise<RequestReply> {
    const sender = this.#service.member(message.sender)
    if (sender === undefined || sender.peerId !== remotePeerId || message.receiver !== this.#self) {
      throw new errors.PeerIdentityMismatchError(`message names sender ${message.sender} and receiver ${message.receiver}, but came from peer ${remotePeerId} to ${this.#self}`)
    }
    try {
      await verifyRequestMessage(message, sender, this.#keys)
    } catch (err) {
      await this.#service.store.commit({ audit: [{ event: 'request.message-rejected', peer: message.sender, messageId: message.requestId, code: (err as { code?: string }).code, detail: `${message.type} message ${message.messageId}: signature check failed` }] })
      throw err
    }
    const inboxKey = `${message.sender}/${message.messageId}`
    const seen = await this.#service.store.read<Ack>('request-inbox', inboxKey)
    if (seen !== undefined) return seen

    const receivedAt = this.#now().toISOString()
    const ack: Ack = { type: 'ack', messageId: message.messageId, receiver: this.#self, receivedAt }
    const remember = (reply: Ack): CollectionWrite => ({ collection: 'request-inbox', key: inboxKey, value: reply })
    switch (message.type) {
      case 'request':
        return await this.#openCase(message, ack, remember)
      case 'clarification-answer':
        await this.#updateCase(caseIdOf(message.sender, message.requestId), (c) => {
          if (c.status !== 'clarification-asked') throw new errors.CaseStateError(`case for request \`${message.requestId}\` has no open clarification`)
          const open = c.clarifications.find(q => q.answer === undefined)
          if (open !== undefined) Object.assign(open, { answer: message.answer, answeredAt: receivedAt })
          c.status = 'open'
          this.#resumeIfClear(c)
          return [{ event: 'request.clarification-received', peer: c.requester, messageId: c.requestId }]
        }, [remember(ack)])
        return ack
      case 'clarification-request':
        await this.#updateRequest(message.requestId, (r) => {
          r.status = 'clarification-asked'
          r.clock = message.clock
          r.clarifications.push({ question: message.question, askedAt: receivedAt })
          return { event: 'request.clarification-requested', peer: r.to, messageId: r.requestId }
        }, message.sender, [remember(ack)])
        return ack
      case 'delay-notice':
        await this.#updateRequest(message.requestId, (r) => {
          r.clock = message.clock
          r.delayNotices.push({ at: receivedAt, expectedDelayHours: message.expectedDelayHours, reasons: message.reasons })
          return { event: 'request.delay-notified', peer: r.to, messageId: r.requestId, detail: `expected delay ${message.expectedDelayHours} h` }
        }, message.sender, [remember(ack)])
        return ack
      case 'answer':
        for (const signed of message.records) {
          await this.#service.verifyRecord(signed)
        }
        await this.#updateRequest(message.requestId, (r) => {
          if (r.answeredAt !== undefined) throw new errors.CaseStateError(`request \`${r.requestId}\` was already answered at ${r.answeredAt}`)
          r.status = message.outcome
          r.clock = message.clock
          r.records = message.records
          r.refusals = message.refusals
          r.answeredAt = receivedAt
          r.answerMessage = message
          return { event: 'request.answer-received', peer: r.to, messageId: r.requestId, decision: message.outcome, detail: `${message.records.length} records, ${message.refusals.length} refusals; signature verified` }
        }, message.sender, [remember(ack)])
        return ack
    }
  }

  /**
   * Opens a case for a new request, or returns the clock of the existing one when the request
   * arrives again after a lost acknowledgement. Items that need approval pause the clock, and a
   * delay notice goes to the requester at once (Art. 5(2)).
   */
  async #openCase (message: Extract<RequestMessage, { type: 'request' }>, ack: Ack, remember: (reply: Ack) => CollectionWrite): Promise<Ack> {
    const caseId = caseIdOf(message.sender, message.requestId)
    const self = this.#service.member(this.#self)
    const content = validateRequestContent(message.content, self?.languages ?? DEFAULT_LANGUAGES)
    const opened = await this.#exclusive(async () => {
      const existing = await this.#service.store.read<Case>('cases', caseId)
      if (existing !== undefined) return { ...ack, clock: existing.clock }

      const now = this.#now()
      const matches = await findMatches(this.#service.store, content.informationSought)
      let clock = this.#service.components.openClock(now, content.urgency.urgent, matches.length > 0 ? 'direct' : 'indirect')
      const items: CaseItem[] = matches.map((stored, index) => {
        const record = stored.signed.record
        const item: CaseItem = { itemId: String(index + 1), recordId: record.id, recordType: record.type, status: 'permitted', decision: this.#decide(record, message.sender, content, now) }
        setItemDecision(item, item.decision, record)
        return item
      })

      const awaiting = items.filter(i => i.status === 'awaiting-approval')
      const writes: CollectionWrite[] = []
      const queue = this.#queueInto(writes)
      const delayNotices: Case['delayNotices'] = []
      if (awaiting.length > 0) {
        clock = pauseClock(clock, now, 'approval')
        const reasons = awaiting.map(i => i.decision.approvals.map(a => a.reason).join(' ') || 'A person must decide whether this record may be provided.').join(' ')
        delayNotices.push({ at: now.toISOString(), expectedDelayHours: this.#approvalDelayHours, reasons })
        await queue({ type: 'delay-notice', expectedDelayHours: this.#approvalDelayHours, reasons, clock, ...this.#envelope(message.requestId, message.sender) })
      }
      const created: Case = { caseId, requestId: message.requestId, requester: message.sender, content, status: 'open', clock, items, clarifications: [], delayNotices, alerts: [] }
      const reply: Ack = { ...ack, clock }
      await this.#service.store.commit({
        writes: [{ collection: 'cases', key: caseId, value: created }, remember(reply), ...writes],
        audit: [
          { event: 'request.received', peer: message.sender, messageId: message.requestId, detail: `case ${caseId}; ${items.length} matching records; access ${clock.access}; limit ${clock.limitHours} h` },
          ...items.map(i => decisionAudit(i, message.sender, message.requestId)),
          ...(awaiting.length > 0 ? [{ event: 'request.delay-notice', peer: message.sender, messageId: message.requestId, detail: `expected delay ${this.#approvalDelayHours} h` }] : [])
        ]
      })
      this.#log.info({ caseId, peer: message.sender, items: items.length }, 'request case opened')
      // The hit service links a request that follows a hit to it.
      this.emit('case-opened', { caseId, requestId: message.requestId, requester: message.sender, recordIds: items.map(i => i.recordId) })
      // The delay notice goes out once the requester has the acknowledgement that created the request.
      if (writes.length > 0) setImmediate(() => { void this.flushOutbox(false, message.sender) })
      return reply
    })
    return opened
  }

  // ---- Deadlines --------------------------------------------------------------------------

  /**
   * Checks every open case and request against its deadline, records and emits a warning and
   * an expiry alert once each, and resends unacknowledged messages.
   */
  async tick (): Promise<AlertEvent[]> {
    const now = this.#now()
    const raised: AlertEvent[] = []
    await this.flushOutbox()
    for (const [caseId, c] of await this.#service.store.range<Case>('cases', {})) {
      if (c.status === 'answered') continue
      const kinds = dueAlerts(c.clock, c.alerts, now)
      if (kinds.length === 0) continue
      const updated = await this.#updateCase(caseId, (fresh) => this.#recordAlerts(fresh.alerts, kinds, fresh.clock, fresh.requester, fresh.requestId))
      raised.push(...updated.alerts.slice(-kinds.length).map(a => ({ ...a, side: 'case' as const, id: caseId, peer: c.requester })))
    }
    for (const [requestId, r] of await this.#service.store.range<SentRequest>('requests', {})) {
      if (r.clock === undefined || !(r.status === 'received' || r.status === 'clarification-asked')) continue
      const kinds = dueAlerts(r.clock, r.alerts, now)
      if (kinds.length === 0) continue
      const updated = await this.#updateRequest(requestId, (fresh) => this.#recordAlerts(fresh.alerts, kinds, r.clock as CaseClock, fresh.to, requestId))
      raised.push(...updated.alerts.slice(-kinds.length).map(a => ({ ...a, side: 'request' as const, id: requestId, peer: r.to })))
    }
    for (const alert of raised) {
      this.#log.warn({ side: alert.side, id: alert.id, peer: alert.peer, deadline: alert.deadline }, alert.kind === 'deadline-expired' ? 'request deadline passed' : 'request deadline approaching')
      this.emit('alert', alert)
    }
    return raised
  }

  #recordAlerts (alerts: DeadlineAlert[], kinds: Array<DeadlineAlert['kind']>, clock: CaseClock, peer: string, requestId: string): AuditDraft[] {
    const deadline = (deadlineOf(clock) as Date).toISOString()
    const at = this.#now().toISOString()
    for (const kind of kinds) alerts.push({ kind, at, deadline })
    return kinds.map(kind => ({ event: `request.${kind}`, peer, messageId: requestId, detail: `deadline ${deadline}` }))
  }

  // ---- Helpers --------------------------------------------------------------------------

  /** Decides whether `record` may be provided to `requester` under the request section. Never throws. */
  #decide (record: AnySignedRecord['record'], requester: string, content: RequestContent, now: Date): Decision {
    return evaluateRequest(this.#service.policy, record, {
      self: { jurisdiction: this.#self },
      request: { requester: { jurisdiction: requester }, purpose: `${content.purpose.description} ${content.purpose.facts}`, urgent: content.urgency.urgent, offence: content.purpose.offence },
      now
    })
  }

  #resumeIfClear (c: Case): void {
    if (c.status === 'clarification-asked') return
    if (c.items.some(i => i.status === 'awaiting-approval')) return
    c.clock = resumeClock(c.clock, this.#now())
  }

  #withDeadline<T extends object> (value: T, clock: CaseClock | undefined, running: boolean, undelivered: UndeliveredMessage[] = []): Tracked<T> {
    const deadline = clock === undefined ? undefined : deadlineOf(clock)
    return { ...value, ...(deadline === undefined ? {} : { deadline: deadline.toISOString() }), overdue: running && clock !== undefined && isOverdue(clock, this.#now()), undelivered }
  }

  /** Messages still in the outbox, by request id. */
  async #undelivered (): Promise<Map<string, UndeliveredMessage[]>> {
    const byRequest = new Map<string, UndeliveredMessage[]>()
    for (const [, entry] of await this.#service.store.range<OutboxEntry>('request-outbox', {})) {
      const list = byRequest.get(entry.message.requestId) ?? []
      list.push(describeEntry(entry))
      byRequest.set(entry.message.requestId, list)
    }
    return byRequest
  }

  #envelope (requestId: string, to: string): { messageId: string, requestId: string, sender: string, receiver: string, sentAt: string } {
    return { messageId: randomUUID(), requestId, sender: this.#self, receiver: to, sentAt: this.#now().toISOString() }
  }

  /** Returns a queue function that signs each message and adds its outbox entry to `writes`. */
  #queueInto (writes: CollectionWrite[]): Queue {
    const key = { privateKey: this.#service.identity.signing.privateKey, kid: this.#service.identity.signing.kid }
    return async (unsigned) => {
      const entry = newOutboxEntry(await signRequestMessage(unsigned, key), this.#now())
      writes.push({ collection: 'request-outbox', key: outboxKey(entry.queuedAt, unsigned.messageId), value: entry })
      return entry.message
    }
  }

  /**
   * Sends the messages in the outbox that are due, oldest first. A message to a peer that
   * cannot be reached stays queued with a growing pause, and later messages to that peer wait
   * behind it so the peer receives them in order. A message the peer rejects with an error frame is
   * taken out and recorded with the peer's code; resending it would only be rejected again.
   * Runs one flush at a time. `force` ignores the pauses, for an operator or a test. `peer`
   * limits the flush to messages for that member, so an unreachable peer cannot slow an
   * operator's action towards another.
   */
  async flushOutbox (force = false, peer?: string): Promise<void> {
    const run = this.#flushing.then(async () => { await this.#flushOnce(force, peer) })
    this.#flushing = run.catch((err: unknown) => { this.#log.error({ err }, 'request outbox flush failed') })
    await this.#flushing
  }

  async #flushOnce (force: boolean, peer: string | undefined): Promise<void> {
    const now = this.#now()
    const blocked = new Set<string>()
    for (const [key, entry] of await this.#service.store.range<OutboxEntry>('request-outbox', {})) {
      const message = entry.message
      if (blocked.has(message.receiver) || (peer !== undefined && message.receiver !== peer)) continue
      if (!force && Date.parse(entry.nextAttemptAt) > now.getTime()) {
        blocked.add(message.receiver)
        continue
      }
      const member = this.#service.member(message.receiver)
      try {
        if (member === undefined) throw new errors.PeerUnknownError(`\`${message.receiver}\` is no longer a member of the federation`)
        const ack = await sendRequestMessage(this.#network, member, message, { timeoutMs: this.#service.config.shareTimeoutMs, attempts: 1 })
        await this.#delivered(key, message, ack)
      } catch (err) {
        const code = (err as { code?: string }).code ?? errors.InternalError.code
        if (err instanceof errors.PeerRejectedError || err instanceof errors.FrameTooLargeError || err instanceof errors.FrameMalformedError) {
          await this.#rejected(key, message, (err as { peerCode?: string }).peerCode ?? code, (err as Error).message)
          continue
        }
        blocked.add(message.receiver)
        await this.#service.store.commit({ writes: [{ collection: 'request-outbox', key, value: afterFailure(entry, code, this.#now()) }], audit: [] })
        this.#log.warn({ requestId: message.requestId, type: message.type, peer: message.receiver, attempts: entry.attempts + 1, code }, 'request message not delivered; will retry')
      }
    }
  }

  /** Takes a delivered message out of the outbox and records the acknowledgement in the same commit. */
  async #delivered (key: string, message: RequestMessage, ack: Ack): Promise<void> {
    const done: CollectionWrite = { collection: 'request-outbox', key }
    if (RESPONDER_TYPES.has(message.type)) {
      await this.#updateCase(caseIdOf(message.receiver, message.requestId), () => [
        { event: `request.${message.type}-delivered`, peer: message.receiver, messageId: message.requestId, detail: `acknowledged at ${ack.receivedAt}` }
      ], [done])
      return
    }
    await this.#updateRequest(message.requestId, (r) => {
      if (message.type !== 'request') return { event: `request.${message.type}-delivered`, peer: r.to, messageId: r.requestId, detail: `acknowledged at ${ack.receivedAt}` }
      if (r.status === 'sent') r.status = 'received'
      if (ack.clock !== undefined && r.clock === undefined) r.clock = ack.clock
      return { event: 'request.acknowledged', peer: r.to, messageId: r.requestId, detail: `received at ${ack.receivedAt}` }
    }, undefined, [done])
  }

  /** Takes a rejected message out of the outbox, keeps the peer's code beside the case or request, and audits it. */
  async #rejected (key: string, message: RequestMessage, code: string, text: string): Promise<void> {
    const done: CollectionWrite = { collection: 'request-outbox', key }
    const note = { type: message.type, messageId: message.messageId, code, message: text, at: this.#now().toISOString() }
    const audit: AuditDraft = { event: 'request.message-rejected', peer: message.receiver, messageId: message.requestId, code, detail: `${message.type} message ${message.messageId} rejected by the peer` }
    this.#log.warn({ requestId: message.requestId, type: message.type, peer: message.receiver, code }, 'request message rejected by the peer')
    if (RESPONDER_TYPES.has(message.type)) {
      await this.#updateCase(caseIdOf(message.receiver, message.requestId), (c) => { (c.rejected ??= []).push(note); return [audit] }, [done])
    } else {
      await this.#updateRequest(message.requestId, (r) => { (r.rejected ??= []).push(note); return audit }, undefined, [done])
    }
  }

  async #updateCase (caseId: string, change: (c: Case, queue: Queue) => AuditDraft[] | Promise<AuditDraft[]>, extra: CollectionWrite[] = []): Promise<Case> {
    return await this.#exclusive(async () => {
      const found = await this.#service.store.read<Case>('cases', caseId)
      if (found === undefined) throw new errors.CaseNotFoundError(`no case \`${caseId}\` on this node`)
      const writes: CollectionWrite[] = []
      const audit = await change(found, this.#queueInto(writes))
      // `extra` is read after `change`, so a transition can add writes (such as copies) to it while it runs.
      await this.#service.store.commit({ writes: [{ collection: 'cases', key: caseId, value: found }, ...writes, ...extra], audit })
      return found
    })
  }

  /** Changes a stored request; with `from`, the change is refused unless that peer is the one asked. */
  async #updateRequest (requestId: string, change: (r: SentRequest, queue: Queue) => AuditDraft | AuditDraft[] | Promise<AuditDraft | AuditDraft[]>, from?: string, extra: CollectionWrite[] = []): Promise<SentRequest> {
    return await this.#exclusive(async () => {
      const found = await this.#service.store.read<SentRequest>('requests', requestId)
      if (found === undefined || (from !== undefined && found.to !== from)) {
        throw new errors.InformationRequestNotFoundError(`no request \`${requestId}\` was sent from this node${from === undefined ? '' : ` to ${from}`}`)
      }
      const writes: CollectionWrite[] = [...extra]
      const audit = await change(found, this.#queueInto(writes))
      await this.#service.store.commit({ writes: [{ collection: 'requests', key: requestId, value: found }, ...writes], audit: Array.isArray(audit) ? audit : [audit] })
      return found
    })
  }

  /** Runs read-modify-write steps one at a time, so an incoming message and an operator's action cannot overwrite each other. */
  async #exclusive<T> (work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work)
    this.#queue = run.catch(() => {})
    return await run
  }
}

/** True while a request waits for its answer, so its deadline can pass. */
function isRunning (r: SentRequest): boolean {
  return r.status === 'sent' || r.status === 'received' || r.status === 'clarification-asked'
}

function caseIdOf (requester: string, requestId: string): string {
  return `${requester.toLowerCase()}-${requestId}`
}

/**
 * Sets an item's decision, the record version it decided and the status that follows: a deny
 * with a refusal ground refuses the item, and a require-approval or a deny without a ground
 * makes it await approval. An approval of an earlier version does not carry over.
 */
function setItemDecision (item: CaseItem, decision: Decision, record: AnySignedRecord['record']): void {
  item.decision = decision
  item.versionHash = record.versionHash
  item.status = 'permitted'
  delete item.refusal
  delete item.approvers
  delete item.approval
  if (decision.effect === 'deny') {
    const ground = decision.reasons.find(r => r.effect === 'deny' && r.refusalGround !== undefined)?.refusalGround
    // NOTE: a deny rule without a refusal ground (such as the H3 design rule) cannot become an Art. 6 refusal by itself, so the item waits for a legal officer to approve it or refuse it with a ground.
    if (ground === undefined) {
      item.status = 'awaiting-approval'
      item.approvers = ['legal-officer']
      return
    }
    item.status = 'refused'
    item.refusal = { recordId: record.id, ground, reasons: decision.explanation, rules: decision.reasons.map(r => r.ruleId) }
  } else if (decision.effect === 'require-approval') {
    item.status = 'awaiting-approval'
    item.approvers = decision.approvals.flatMap(a => [...a.approvers])
  }
}

/** The audit entry for an item's policy decision, naming the record version it decided. */
function decisionAudit (item: CaseItem, requester: string, requestId: string): AuditDraft {
  return { event: 'policy.decision', recordId: item.recordId, recordType: item.recordType, versionHash: item.versionHash, peer: requester, messageId: requestId, decision: item.decision.effect, rules: item.decision.reasons.map(r => r.ruleId), policyHash: item.decision.module.hash, detail: 'request section' }
}

function findItem (c: Case, itemId: string): CaseItem {
  const item = c.items.find(i => i.itemId === itemId)
  if (item === undefined) throw new errors.CaseNotFoundError(`case \`${c.caseId}\` has no item \`${itemId}\``)
  return item
}

/** Returns the alerts that are due and not yet raised, warning before expiry. */
function dueAlerts (clock: CaseClock, raised: DeadlineAlert[], now: Date): Array<DeadlineAlert['kind']> {
  const deadline = deadlineOf(clock)
  if (deadline === undefined) return []
  const kinds: Array<DeadlineAlert['kind']> = []
  const has = (kind: DeadlineAlert['kind']): boolean => raised.some(a => a.kind === kind && a.deadline === deadline.toISOString())
  if (now.getTime() >= deadline.getTime() - warningLeadMs(clock) && !has('deadline-warning')) kinds.push('deadline-warning')
  if (now.getTime() > deadline.getTime() && !has('deadline-expired')) kinds.push('deadline-expired')
  return kinds
}

export type { RequestContent }
