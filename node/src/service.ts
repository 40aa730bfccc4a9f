import { randomUUID } from 'node:crypto'
import {
  NfpError, SHARE_PROTOCOL, canonicalize, checkRecordJsonLd, commitRecord, createHopVerifier, errors, importSigningKey, memberKeyAt, signHopBatch, signRecordBatch, validateRecord
} from '@ceasefire/protocol'
import type { AnySignedRecord, Hop, HopVerifier, Member, Membership, NfpRecord, RecordItem, RecordVerifier, ShareRequest, ShareResponse, SignedMembership, SigningKey } from '@ceasefire/protocol'
import type { Logger } from 'pino'
import type { NodeConfig } from './config.ts'
import { Delivery } from './delivery/worker.ts'
import { Outbox } from './delivery/outbox.ts'
import type { OutboxItem } from './delivery/outbox.ts'
import { Revocations } from './delivery/revocations.ts'
import type { NodeIdentity } from './identity.ts'
import { receiveShare } from './inbound.ts'
import type { HeldRecord } from './inbound.ts'
import type { Network } from './net/network.ts'
import { linkedIdsToResolve } from './policy/index.ts'
import { resolveComponents } from './components.ts'
import type { NodeComponents } from './components.ts'
import type { ApproverRole, Decision, PolicyModule } from './policy/index.ts'
import { isVersion2, outgoingCopy, relayCopy } from './outgoing.ts'
import { SigningQueue } from './signing-queue.ts'
import type { AuditDraft, NodeStore, StoredRecord } from './store/store.ts'

/**
 * Maximum number of records under one hop batch statement. With 128 leaves every proof has at
 * most 7 hashes, and the one signature costs under 1 µs per record. Batches of 1,000 would add 3 hashes (about
 * 140 bytes) to each record's hop, and measured no lower CPU cost per record here.
 */
export const HOP_BATCH_RECORDS = 128

/** Shortest time one delivery attempt waits for the peer's response. */
const DELIVERY_ATTEMPT_MIN_MS = 5000

export interface IngestResult {
  /** `kept`: the record existed and `keepExisting` was set, so the stored version stays. */
  status: 'created' | 'updated' | 'unchanged' | 'kept'
  stored: StoredRecord
}

/** The outcome of an operator's request to share one record with one peer. */
export interface ShareOutcome {
  recordId: string
  recipient: string
  decision: Decision
  /** Version hash of the copy that was queued (differs from the stored one when fields were removed). */
  sentVersionHash: string
  /**
   * `queued`: not acknowledged within the wait; the outbox keeps retrying. Otherwise the
   * receiver's result from its signed receipt.
   */
  delivery: { status: 'stored' | 'unchanged' | 'queued', seq: number, messageId?: string }
}

/** The outcome for one record of `shareMany`. */
export type BatchShareOutcome =
  | { recordId: string, status: 'queued', seq: number, sentVersionHash: string, decision: Decision['effect'] }
  | { recordId: string, status: 'rejected', code: string, message: string }

/**
 * A record that may go to a recipient: the copy to send, the units this node removed from it,
 * its path so far and the audit entries of its decision. Its hop is signed afterwards, in one
 * hop batch with the other records that go to the same recipient together.
 */
interface PreparedShare {
  decision: Decision
  audit: AuditDraft[]
  signed: AnySignedRecord
  removed: string[]
  hops: Hop[]
  versionHash: string
}

export interface NodeServiceInit {
  config: NodeConfig
  identity: NodeIdentity
  membership: Membership
  /** The authority-signed form of `membership`; absent for an unsigned version 1 file. */
  signedMembership?: SignedMembership
  store: NodeStore
  policy: PolicyModule
  network: Network
  log: Logger
  now?: () => Date
  /** Replacements for the deciding parts. Only the conformance suite's tests of broken nodes set them. */
  components?: Partial<NodeComponents>
}

/**
 * The node's operations: ingest records of its own jurisdiction, share a record with a peer
 * under the outbound policy through the durable outbox, revoke what was shared, and accept
 * what peers send. Every decision and every send, receipt and rejection is written to the
 * audit log in the same batch as its effect.
 */
export class NodeService {
  readonly config: NodeConfig
  readonly identity: NodeIdentity
  readonly store: NodeStore
  readonly network: Network
  readonly outbox: Outbox
  readonly delivery: Delivery
  readonly revocations: Revocations
  #policy: PolicyModule
  readonly #log: Logger
  readonly #now: () => Date
  #membership: Membership
  #signedMembership: SignedMembership | undefined
  #keys = new Map<string, SigningKey>()
  readonly #ingestListeners: Array<(stored: StoredRecord) => void> = []
  readonly components: NodeComponents
  /** Verifies received records; it keeps the batch roots it verified, so it lives as long as the node. */
  readonly verifyRecord: RecordVerifier
  /** Verifies the hops of received records and caches the hop batch statements it verified. */
  readonly verifyHop: HopVerifier
  readonly #signingQueue: SigningQueue

  constructor (init: NodeServiceInit) {
    this.components = resolveComponents(init.components)
    this.config = init.config
    this.identity = init.identity
    this.store = init.store
    this.network = init.network
    this.#policy = init.policy
    this.#log = init.log
    this.#now = init.now ?? (() => new Date())
    this.#membership = init.membership
    this.#signedMembership = init.signedMembership
    this.verifyRecord = this.components.createRecordVerifier(async (jurisdiction, kid, at) => await this.resolveKey(jurisdiction, kid, at), {
      acceptVersion1: init.config.acceptVersion1Signatures ?? true
    })
    this.verifyHop = createHopVerifier(async (jurisdiction, kid) => await this.resolveKey(jurisdiction, kid))
    this.#signingQueue = new SigningQueue(init.config.jurisdiction, () => this.#signingKey(), this.#now)
    this.outbox = new Outbox(init.store)
    this.delivery = new Delivery({
      jurisdiction: init.config.jurisdiction,
      outbox: this.outbox,
      network: init.network,
      members: () => this.#membership.members,
      resolveKey: async (jurisdiction, kid, at) => await this.resolveKey(jurisdiction, kid, at),
      // The share request's wait may be 0; an attempt to deliver always gets a real timeout.
      timeoutMs: Math.max(init.config.shareTimeoutMs, DELIVERY_ATTEMPT_MIN_MS),
      log: init.log.child({ component: 'delivery' })
    })
    this.revocations = new Revocations({
      jurisdiction: init.config.jurisdiction,
      store: init.store,
      outbox: this.outbox,
      delivery: this.delivery,
      signingKey: { privateKey: init.identity.signing.privateKey, kid: init.identity.signing.kid },
      isMember: (jurisdiction) => this.member(jurisdiction) !== undefined,
      log: init.log.child({ component: 'revocations' }),
      now: this.#now
    })
  }

  /** Starts delivery of the items left in the outbox, the review-date sweep and interrupted update propagations. */
  start (): void {
    this.delivery.start()
    this.revocations.start()
    this.#resumePropagations().catch((err: unknown) => { this.#log.error({ err: (err as Error).message }, 'resuming update propagation failed') })
  }

  stop (): void {
    this.delivery.stop()
    this.revocations.stop()
  }

  get jurisdiction (): string {
    return this.config.jurisdiction
  }

  get membership (): Membership {
    return this.#membership
  }

  get signedMembership (): SignedMembership | undefined {
    return this.#signedMembership
  }

  /**
   * Switches to a verified newer membership version. Keys are looked up again from now on, so
   * a key the new version revokes or limits is checked under its new validity at once.
   */
  setMembership (membership: Membership, signed?: SignedMembership): void {
    this.#membership = membership
    this.#signedMembership = signed
    this.#keys.clear()
  }

  get policy (): PolicyModule {
    return this.#policy
  }

  /** Switches to a newly loaded module; decisions from now on name its hash. */
  setPolicy (module: PolicyModule): void {
    this.#policy = module
  }

  /**
   * Verifies and applies a newer signed membership version; set by the runtime when node.json
   * names a federation authority.
   */
  acceptMembership: (signed: unknown, source: string) => Promise<Membership> = async () => {
    throw new errors.MembershipUntrustedError('this node has no `membershipAuthority` in its configuration, so it cannot verify membership versions; it uses its unsigned federation file')
  }

  /**
   * Called after a record was stored by ingest, from a peer or out of quarantine; set by the
   * runtime to index, link and triage it. It must not throw.
   */
  onRecordStored: (record: NfpRecord) => Promise<void> = async () => {}

  /** Reloads the policy module from disk now; set by the runtime, which owns loading and auditing. */
  reloadPolicy: () => Promise<void> = async () => {}

  /** Returns the federation member that speaks for a jurisdiction, or undefined. */
  member (jurisdiction: string): Member | undefined {
    return this.#membership.members.find(m => m.jurisdiction === jurisdiction)
  }

  /** Returns true when the peer id belongs to a member other than this node; the connection gater calls it. */
  isMemberPeer (peerId: string): boolean {
    return this.#membership.members.some(m => m.peerId === peerId && m.peerId !== this.identity.peerId)
  }

  /**
   * Ingests a record of this node's own jurisdiction: fills in provenance, computes the
   * version hash, checks schema and JSON-LD, signs and stores. Re-ingesting the same content
   * leaves the stored version unchanged, so imports can be repeated.
   */
  async ingest (draft: unknown, options: { keepExisting?: boolean } = {}): Promise<IngestResult> {
    if (draft === null || typeof draft !== 'object' || Array.isArray(draft)) {
      throw new errors.RecordInvalidError('record must be a JSON object')
    }
    const input = { ...(draft as Record<string, unknown>) }
    delete input.versionHash
    if (input.id === undefined && typeof input.type === 'string' && /^[A-Za-z]+$/.test(input.type)) {
      input.id = `urn:nfp:${this.jurisdiction.toLowerCase()}:${input.type.toLowerCase()}:${randomUUID()}`
    }

    const given = input.provenance as Record<string, unknown> | undefined
    if (given?.jurisdiction !== undefined && given.jurisdiction !== this.jurisdiction) {
      throw new errors.RecordNotOwnedError(`this node ingests records of ${this.jurisdiction} only; \`provenance.jurisdiction\` is ${JSON.stringify(given.jurisdiction)}. Records of other jurisdictions arrive signed from their originating node.`, { field: 'provenance.jurisdiction' })
    }
    const id = input.id
    if (typeof id === 'string' && !id.startsWith(`urn:nfp:${this.jurisdiction.toLowerCase()}:`)) {
      throw new errors.RecordNotOwnedError(`record id \`${id}\` must start with \`urn:nfp:${this.jurisdiction.toLowerCase()}:\` on this node`, { field: 'id' })
    }

    const existing = typeof id === 'string' ? await this.store.getRecord(id) : undefined
    const now = this.#now().toISOString()
    const provenance = {
      agency: this.config.agency,
      ...(given ?? {}),
      jurisdiction: this.jurisdiction,
      created: existing?.signed.record.provenance.created ?? (typeof given?.created === 'string' ? given.created : now),
      modified: now
    }
    let record = { ...input, provenance } as Record<string, unknown>

    if (existing !== undefined && sameContent(existing.signed.record, record)) {
      return { status: 'unchanged', stored: existing }
    }
    if (existing !== undefined && options.keepExisting === true) {
      return { status: 'kept', stored: existing }
    }

    const committed = commitRecord(record)
    const valid = validateRecord(committed.record)
    await checkRecordJsonLd(valid)

    // Concurrent ingests share one batch signature; a lone one is signed in a batch of one.
    const signed = await this.#signingQueue.sign(committed)
    const stored: StoredRecord = { signed, origin: 'local', hops: [], storedAt: now }
    await this.store.commit({
      record: stored,
      // An update must reach earlier recipients even if the node dies right after this commit,
      // so the pending propagation is written with it and redone at start until it is done.
      ...(existing === undefined ? {} : { writes: [{ collection: 'delivery' as const, key: `propagate!${valid.id}`, value: { recordId: valid.id, at: now } }] }),
      audit: [{ event: existing === undefined ? 'record.created' : 'record.updated', recordId: valid.id, recordType: valid.type, versionHash: valid.versionHash }]
    })
    this.#log.info({ recordId: valid.id, versionHash: valid.versionHash }, 'record ingested')
    await this.onRecordStored(valid)
    if (existing !== undefined) {
      // Peers that hold an earlier version get this one, each after its own policy decision.
      void this.#propagateUpdate(valid.id)
    }
    for (const listener of this.#ingestListeners) listener(stored)
    return { status: existing === undefined ? 'created' : 'updated', stored }
  }

  /** Calls `listener` after each own record is created or changed, such as for own-initiative proposals. */
  onIngested (listener: (stored: StoredRecord) => void): void {
    this.#ingestListeners.push(listener)
  }

  async getRecord (id: string): Promise<StoredRecord> {
    const stored = await this.store.getRecord(id)
    if (stored === undefined) throw new errors.RecordNotFoundError(`record \`${id}\` is not stored on this node`)
    return stored
  }

  /**
   * Shares one stored record with one member. The outbound policy decides first; a denied
   * record never leaves. Fields the policy removes are taken out of the copy that is sent,
   * which this node then signs as a new version. The copy goes into the durable outbox with
   * this node's signed hop; the call waits up to `waitMs` for the receiver's receipt.
   *
   * @throws PolicyDeniedError carrying the decision, PeerUnknownError, or PeerRejectedError
   *   when the receiver rejected the record.
   */
  async share (recordId: string, recipient: string, options: { waitMs?: number, approvals?: Approval[], actor?: string } = {}): Promise<ShareOutcome> {
    const prepared = await this.#prepareShare(recordId, recipient, options)
    if ('error' in prepared) {
      await this.store.commit({ audit: prepared.audit })
      throw prepared.error
    }
    const [item] = await this.#signHops(recipient, [prepared])
    const seq = await this.outbox.enqueue(recipient, { item: item as RecordItem, recordId, versionHash: prepared.versionHash, disclose: true }, prepared.audit)
    this.delivery.kick(recipient)

    const done = await this.delivery.waitFor(recipient, seq, options.waitMs ?? this.config.shareTimeoutMs)
    return this.#outcome(recordId, recipient, prepared.decision, prepared.versionHash, seq, done)
  }

  /**
   * Shares many stored records with one member, each after its own outbound policy decision,
   * and queues the permitted ones in one synced outbox batch. Records the policy denies or
   * that need approvals are not queued; their decisions are audited all the same. Returns
   * without waiting for delivery.
   *
   * @throws PeerUnknownError when `recipient` is not another member.
   */
  async shareMany (recordIds: string[], recipient: string, options: { actor?: string } = {}): Promise<BatchShareOutcome[]> {
    // Decisions and signatures of the batch run concurrently, so their WebCrypto signing jobs can overlap.
    const prepared = await Promise.all(recordIds.map(async (recordId) => await this.#prepareShare(recordId, recipient, options).catch((err: unknown) => {
      if (err instanceof errors.PeerUnknownError) throw err
      return { error: err instanceof NfpError ? err : new errors.InternalError('record could not be prepared for sharing', { cause: err }), audit: [] as AuditDraft[] }
    })))

    const rejectedAudit = prepared.flatMap(p => 'error' in p ? p.audit : [])
    if (rejectedAudit.length > 0) await this.store.commit({ audit: rejectedAudit })
    const queued = prepared.flatMap((p, i) => 'error' in p ? [] : [{ index: i, prepared: p }])
    // One hop signature covers up to HOP_BATCH_RECORDS queued records of the call.
    const items = await this.#signHops(recipient, queued.map(q => q.prepared))
    const seqs = queued.length === 0
      ? []
      : await this.outbox.enqueueMany(recipient, queued.map(({ index, prepared: p }, i) => ({ item: items[i] as RecordItem, recordId: recordIds[index] as string, versionHash: p.versionHash, disclose: true, audit: p.audit })))
    if (queued.length > 0) this.delivery.kick(recipient)

    const seqByIndex = new Map(queued.map(({ index }, i) => [index, seqs[i] as number]))
    return prepared.map((p, i) => {
      const recordId = recordIds[i] as string
      if ('error' in p) return { recordId, status: 'rejected', code: p.error.code, message: p.error.message }
      return { recordId, status: 'queued', seq: seqByIndex.get(i) as number, sentVersionHash: p.versionHash, decision: p.decision.effect }
    })
  }

  /**
   * Decides on one record for one recipient and, when it may go, builds the outgoing copy. A
   * rejection is returned with the audit entries to write for it.
   */
  async #prepareShare (recordId: string, recipient: string, options: { approvals?: Approval[], actor?: string }): Promise<PreparedShare | { error: NfpError, audit: AuditDraft[] }> {
    const member = this.member(recipient)
    if (member === undefined || recipient === this.jurisdiction) {
      throw new errors.PeerUnknownError(`\`${recipient}\` is not another member of federation \`${this.#membership.federation}\`; members are ${this.#membership.members.map(m => m.jurisdiction).join(', ')}`)
    }
    const stored = await this.#upgradeSignature(await this.getRecord(recordId))
    const record = stored.signed.record

    const decision = await this.decide(record, recipient, stored.hops)
    const decisionAudit: AuditDraft = {
      event: 'policy.decision',
      recordId,
      recordType: record.type,
      versionHash: record.versionHash,
      peer: recipient,
      decision: decision.effect,
      rules: decision.reasons.map(r => r.ruleId),
      policyHash: decision.module.hash,
      // Directive 2016/680 Art. 25 requires disclosure logs to show who disclosed, to whom, when and on which basis.
      actor: options.actor ?? 'node',
      legalBasis: record.legalBasis,
      ...(decision.removedFields.length > 0 ? { removedFields: [...decision.removedFields] } : {})
    }
    const audit: AuditDraft[] = [decisionAudit]
    if (decision.effect === 'deny') {
      this.#log.info({ recordId, peer: recipient, rules: decisionAudit.rules }, 'share denied by policy')
      return { audit, error: Object.assign(new errors.PolicyDeniedError(`sharing \`${recordId}\` with ${recipient} is denied by ${decisionAudit.rules?.join(', ')}`), { decision }) }
    }
    if (decision.effect === 'require-approval') {
      const given = options.approvals ?? []
      const missing = decision.approvals.filter(a => !given.some(g => a.approvers.includes(g.role)))
      if (missing.length > 0) {
        return { audit, error: Object.assign(new errors.PolicyApprovalRequiredError(`sharing \`${recordId}\` with ${recipient} needs the approval of ${missing.map(a => `${a.approvers.join(' or ')} (${a.ruleId}: ${a.reason})`).join('; ')}; send it again with approvals`), { decision }) }
      }
      audit.push({ event: 'policy.approval', recordId, peer: recipient, rules: decision.approvals.map(a => a.ruleId), detail: `outbound; ${describeApprovals(given)}` })
    }

    if (stored.hops.some(hop => typeof hop.batch !== 'string')) {
      // Records received from nodes of an earlier draft carry per-record hop statements. A receiver
      // rejects the whole frame that contains one, so such a record would block the peer's outbox.
      return { audit, error: new errors.RecordPathInvalidError(`record \`${recordId}\` was received with hop entries of an earlier draft of ${SHARE_PROTOCOL}, which receivers no longer accept; ask ${record.provenance.jurisdiction} to share it with this node again`) }
    }
    const { signed, removed } = await outgoingCopy(stored.signed, decision, { jurisdiction: this.jurisdiction, key: this.#signingKey() })
    return { decision, audit, signed, removed, hops: stored.hops, versionHash: signed.record.versionHash }
  }

  /**
   * Signs this node's hop to `recipient` for prepared records, one hop batch statement per
   * HOP_BATCH_RECORDS records, and returns their items in order. Each hop leaf names the units
   * this node removed, so the receiver can tell who removed what.
   */
  async #signHops (recipient: string, prepared: PreparedShare[]): Promise<RecordItem[]> {
    const items: RecordItem[] = []
    const key = this.#signingKey()
    for (let i = 0; i < prepared.length; i += HOP_BATCH_RECORDS) {
      const chunk = prepared.slice(i, i + HOP_BATCH_RECORDS)
      const leaves = chunk.map(p => ({ recordId: p.signed.record.id, versionHash: p.versionHash, removed: p.removed }))
      const hops = await signHopBatch(leaves, key, { by: this.jurisdiction, to: recipient, at: this.#now().toISOString() })
      chunk.forEach((p, j) => items.push({ kind: 'record', signed: p.signed, hops: [...p.hops, hops[j] as Hop] }))
    }
    return items
  }

  #outcome (recordId: string, recipient: string, decision: Decision, versionHash: string, seq: number, done: OutboxItem | undefined): ShareOutcome {
    if (done === undefined) {
      return { recordId, recipient, decision, sentVersionHash: versionHash, delivery: { status: 'queued', seq } }
    }
    const result = done.result
    if (result === undefined || result.status === 'rejected') {
      throw new errors.PeerRejectedError(`${recipient} rejected \`${recordId}\`: ${result?.code ?? 'no result'}: ${result?.message ?? ''}`)
    }
    const status = result.status === 'unchanged' ? 'unchanged' : 'stored'
    return { recordId, recipient, decision, sentVersionHash: versionHash, delivery: { status, seq, ...(done.messageId === undefined ? {} : { messageId: done.messageId }) } }
  }

  /**
   * Evaluates the outbound policy for one record and recipient, then the rules this node
   * enforces whatever the module says: a record from elsewhere goes on only to recipients its
   * originator consented to, never back along its own path, and only with changes that keep the
   * originator's signature valid (removing disclosure units of a version 2 record).
   */
  async decide (record: NfpRecord, recipient: string, hops: Hop[] = []): Promise<Decision> {
    const linked = new Map<string, unknown>()
    for (const id of linkedIdsToResolve(this.#policy, 'outbound', record)) {
      const found = await this.store.getRecord(id)
      if (found !== undefined) linked.set(id, found.signed.record)
    }
    const decision = this.components.evaluateOutbound(this.#policy, record, { self: { jurisdiction: this.jurisdiction }, recipient: { jurisdiction: recipient }, now: this.#now(), linked })

    const relayed = record.provenance.jurisdiction !== this.jurisdiction
    const denials: Array<Decision['reasons'][number]> = []
    if (relayed && !(record.onwardSharingConsent ?? []).includes(recipient)) {
      denials.push(nodeRule('NODE-ONWARD-CONSENT', `A record that came from ${record.provenance.jurisdiction} is passed on only to jurisdictions its originator listed in onwardSharingConsent; ${recipient} is not listed.`, 'Directive (EU) 2023/977 Art. 6(1)(h) and the data-ownership principle of Art. 3, enforced by the node'))
    }
    if (hops.some(h => h.jurisdiction === recipient)) {
      denials.push(nodeRule('NODE-NO-RETURN', `The record already passed through ${recipient}; a node never sends a record back along its own path.`, 'Ceasefire protocol v1, relays (design rule)'))
    }
    if (decision.effect !== 'deny' && relayed) {
      const obstacle = await this.#relayObstacle(record, decision)
      if (obstacle !== undefined) {
        denials.push(nodeRule('NODE-RELAY-NO-REWRITE', `A relaying node may remove whole disclosure units of a version 2 record, but cannot change a value or remove anything else without breaking the originator's signature, so it does not pass the record on: ${obstacle}`, 'Ceasefire protocol, record signatures version 2 (design rule)'))
      }
    }
    if (record.type === 'RecordLink') denials.push(...await this.#linkedRecordDenials(record, recipient))
    if (denials.length === 0) return decision
    return {
      ...decision,
      effect: 'deny',
      removedFields: [],
      withheldLinks: [],
      approvals: [],
      attached: { rules: [] },
      reasons: [...denials, ...decision.reasons],
      explanation: `The ${record.type} record ${record.id} may not be sent to ${recipient}. ${denials.map(d => `${d.ruleId}: ${d.title}`).join(' ')} This node enforces these rules whatever its policy module says.`
    }
  }

  /** Returns why this relay cannot apply the decision to its stored copy, or undefined when it can. */
  async #relayObstacle (record: NfpRecord, decision: Decision): Promise<string | undefined> {
    const stored = await this.store.getRecord(record.id)
    const signed = stored?.signed.record.versionHash === record.versionHash ? stored.signed : { record, signature: { protected: '', signature: '' } }
    try {
      relayCopy(signed, decision)
      return undefined
    } catch (err) {
      if (err instanceof errors.SignatureRedactionForbiddenError) return err.message
      throw err
    }
  }

  /**
   * Returns a local record with a version 2 signature: one stored with a version 1 signature
   * (before this node spoke version 2) is signed again and stored, so its seed stays the same
   * for every later share.
   */
  async #upgradeSignature (stored: StoredRecord): Promise<StoredRecord> {
    if (stored.origin !== 'local' || isVersion2(stored.signed)) return stored
    const { versionHash: _v1, ...content } = stored.signed.record
    const committed = commitRecord(content)
    const [signed] = await signRecordBatch([validateCommitted(committed)], this.#signingKey(), this.jurisdiction, this.#now())
    const upgraded: StoredRecord = { ...stored, signed: signed! }
    await this.store.commit({
      record: upgraded,
      audit: [{ event: 'record.resigned', recordId: committed.record.id, recordType: committed.record.type, versionHash: committed.record.versionHash, detail: `signature version 2 replaces version 1 (was ${stored.signed.record.versionHash})` }]
    })
    return upgraded
  }

  #signingKey (): { privateKey: SigningKey, kid: string } {
    return { privateKey: this.identity.signing.privateKey, kid: this.identity.signing.kid }
  }

  /**
   * A RecordLink tells the recipient that two records describe the same thing, so it says
   * something about both. It goes only where each named record may go too: the recipient
   * originated the record, already received it from this node, or the outbound policy would
   * permit sending it now.
   */
  async #linkedRecordDenials (link: NfpRecord, recipient: string): Promise<Array<Decision['reasons'][number]>> {
    const denials: Array<Decision['reasons'][number]> = []
    const citation = 'Ceasefire protocol v1, RecordLink (design rule)'
    for (const id of Array.isArray(link.records) ? link.records as string[] : []) {
      const stored = await this.store.getRecord(id)
      if (stored === undefined) {
        denials.push(nodeRule('NODE-LINK-NAMED-RECORDS', `The link names ${id}, which this node does not hold, so it cannot decide whether ${recipient} may learn about it.`, citation))
        continue
      }
      const named = stored.signed.record
      if (named.provenance.jurisdiction === recipient) continue
      const disclosed = (await this.revocations.disclosuresOf(id)).some(d => d.peer === recipient && d.status !== 'revoked')
      if (disclosed) continue
      const decision = await this.decide(named, recipient, stored.hops)
      if (decision.effect !== 'permit') {
        denials.push(nodeRule('NODE-LINK-NAMED-RECORDS', `The link names ${id}, which ${recipient} neither originated nor received from this node, and whose own decision is ${decision.effect} (${decision.reasons.filter(r => r.effect === decision.effect).map(r => r.ruleId).join(', ') || 'no rule'}). Share the record first.`, citation))
      }
    }
    return denials
  }

  /** Revokes a record this node originated at every peer it was disclosed to. */
  async revoke (recordId: string, reason: string): Promise<{ recordId: string, peers: string[] }> {
    const stored = await this.getRecord(recordId)
    if (stored.origin !== 'local') {
      throw new errors.RecordNotOwnedError(`record \`${recordId}\` originated at ${stored.signed.record.provenance.jurisdiction}; only the originator can revoke it`)
    }
    return await this.revocations.revoke(recordId, reason)
  }

  /** Lists received records held for approval by the inbound policy. */
  async listHeld (): Promise<HeldRecord[]> {
    return (await this.store.range<HeldRecord>('quarantine', {})).map(([, held]) => held)
  }

  /**
   * Releases a held record into the store after a person approved it. The record is stored as
   * it arrived, unless a newer version arrived since.
   */
  async approveHeld (recordId: string, approvals: Approval[]): Promise<StoredRecord> {
    const held = await this.store.read<HeldRecord>('quarantine', recordId)
    if (held === undefined) throw new errors.RecordNotFoundError(`no record \`${recordId}\` is held for approval`)
    const missing = held.decision.approvals.filter(a => !approvals.some(g => a.approvers.includes(g.role)))
    if (missing.length > 0) {
      throw Object.assign(new errors.PolicyApprovalRequiredError(`\`${recordId}\` still needs the approval of ${missing.map(a => `${a.approvers.join(' or ')} (${a.ruleId})`).join('; ')}`), { decision: held.decision })
    }
    const record = held.stored.signed.record
    await this.store.commit({
      record: held.stored,
      precondition: (existing) => {
        if (existing !== undefined && Date.parse(existing.signed.record.provenance.modified) >= Date.parse(record.provenance.modified)) {
          throw new errors.RecordStaleError(`a version of \`${recordId}\` at least as new is already stored`)
        }
      },
      writes: [{ collection: 'quarantine', key: recordId }],
      audit: [{ event: 'policy.approval', recordId, recordType: record.type, versionHash: record.versionHash, peer: held.stored.receivedFrom, rules: held.decision.approvals.map(a => a.ruleId), detail: `inbound; ${describeApprovals(approvals)}` }]
    })
    await this.onRecordStored(record)
    return held.stored
  }

  /** Discards a held record. */
  async rejectHeld (recordId: string, rejectedBy: string, reason: string): Promise<void> {
    const held = await this.store.read<HeldRecord>('quarantine', recordId)
    if (held === undefined) throw new errors.RecordNotFoundError(`no record \`${recordId}\` is held for approval`)
    await this.store.commit({
      writes: [{ collection: 'quarantine', key: recordId }],
      audit: [{ event: 'record.discarded', recordId, versionHash: held.stored.signed.record.versionHash, peer: held.stored.receivedFrom, detail: `held record rejected by ${rejectedBy}: ${reason}` }]
    })
  }

  /** Handles a share request that arrived over libp2p from an authenticated peer. */
  async receive (request: ShareRequest, remotePeerId: string): Promise<ShareResponse> {
    const response = await receiveShare({
      jurisdiction: this.jurisdiction,
      membership: this.#membership,
      store: this.store,
      policy: this.#policy,
      resolveKey: async (jurisdiction, kid, at) => await this.resolveKey(jurisdiction, kid, at),
      verifyRecord: this.verifyRecord,
      verifyHop: this.verifyHop,
      signingKey: this.#signingKey(),
      log: this.#log,
      now: this.#now,
      onDeleted: async (recordId, revocation, reason) => { await this.revocations.afterDeletion(recordId, revocation, reason) },
      onDeletionReceipt: async (statement, jws) => { await this.revocations.keepDeletionReceipt(statement, jws) },
      onStored: async (records) => { for (const record of records) await this.onRecordStored(record) },
      components: this.components
    }, request, remotePeerId)
    return response
  }

  /** Shares the new version of a record with every peer that received an earlier one. */
  async #propagateUpdate (recordId: string): Promise<void> {
    const current = (await this.store.getRecord(recordId))?.signed.record.versionHash
    for (const disclosure of await this.revocations.disclosuresOf(recordId)) {
      if (disclosure.status === 'revoked' || disclosure.versionHash === current) continue
      await this.share(recordId, disclosure.peer, { waitMs: 0 }).catch((err: unknown) => {
        this.#log.info({ recordId, peer: disclosure.peer, code: (err as NfpError).code }, 'update not passed on')
      })
    }
    await this.store.commit({ writes: [{ collection: 'delivery', key: `propagate!${recordId}` }], audit: [] })
  }

  /** Redoes propagations of updates that a stop or crash interrupted. */
  async #resumePropagations (): Promise<void> {
    for (const [, pending] of await this.store.range<{ recordId: string }>('delivery', { gt: 'propagate!', lt: 'propagate!~' })) {
      await this.#propagateUpdate(pending.recordId)
    }
  }

  /**
   * Returns the public key a member signs with under `kid`, checked against its validity
   * period at `at` (a record's `provenance.modified`). Statements carry no signing time the
   * resolver sees, so they are checked at the current time.
   *
   * @throws SignatureKeyRevokedError or SignatureKeyNotValidError; an unknown key returns undefined.
   */
  async resolveKey (jurisdiction: string, kid: string, at?: string): Promise<SigningKey | undefined> {
    const member = this.member(jurisdiction)
    if (member?.signingKeys.some(k => k.kid === kid) !== true) return undefined
    const entry = memberKeyAt(member, jurisdiction, kid, at ?? this.#now().toISOString())
    const cacheKey = `${jurisdiction}/${kid}`
    const cached = this.#keys.get(cacheKey)
    if (cached !== undefined) return cached
    const key = await importSigningKey(entry.jwk)
    this.#keys.set(cacheKey, key)
    return key
  }
}

function validateCommitted<T extends { record: NfpRecord }> (committed: T): T {
  validateRecord(committed.record)
  return committed
}

function nodeRule (ruleId: string, title: string, citation: string): Decision['reasons'][number] {
  return { ruleId, title, effect: 'deny', citation, checked: false }
}

function describeApprovals (approvals: Approval[]): string {
  return approvals.map(a => `approved by ${a.approvedBy} as ${a.role}${a.reference === undefined ? '' : `, reference ${a.reference}`}`).join('; ')
}

/** A person's approval of a share that the policy makes subject to approval. */
export interface Approval {
  approvedBy: string
  role: ApproverRole
  reference?: string
  note?: string
}

/** Compares two records ignoring the fields ingest sets itself, so an unchanged re-import is detected. */
function sameContent (a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const strip = (r: Record<string, unknown>): unknown => {
    const { versionHash: _v, provenance, ...rest } = r
    const { modified: _m, ...prov } = (provenance ?? {}) as Record<string, unknown>
    return { ...rest, provenance: prov }
  }
  return canonicalize(strip(a)) === canonicalize(strip(b))
}
