import { randomUUID } from 'node:crypto'
import {
  NfpError, canonicalize, computeVersionHash, errors, expandRecord, importSigningKey, signRecord, validateRecord
} from '@ceasefire/protocol'
import type { Member, Membership, NfpRecord, ShareRequest, ShareResponse, SigningKey } from '@ceasefire/protocol'
import type { Logger } from 'pino'
import { receiveShare } from './inbound.ts'
import { redactedCopy } from './redact.ts'
import type { NodeConfig } from './config.ts'
import type { NodeIdentity } from './identity.ts'
import type { Network } from './net/network.ts'
import { sendShare } from './net/share.ts'
import { evaluateOutbound } from './policy/index.ts'
import type { OutboundDecision as Decision, PolicyModule } from './policy/index.ts'
import type { AuditDraft, NodeStore, StoredRecord } from './store/store.ts'

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
  /** Version hash of the copy that was sent (differs from the stored one when fields were removed). */
  sentVersionHash?: string
  delivery: { status: 'stored' | 'unchanged', messageId: string }
}

export interface NodeServiceInit {
  config: NodeConfig
  identity: NodeIdentity
  membership: Membership
  store: NodeStore
  policy: PolicyModule
  network: Network
  log: Logger
  now?: () => Date
}

/**
 * The node's operations: ingest records of its own jurisdiction, share a record with a peer
 * under the outbound policy, and accept records that peers send. Every decision and every
 * send, receipt and rejection is written to the audit log in the same batch as its effect.
 */
export class NodeService {
  readonly config: NodeConfig
  readonly identity: NodeIdentity
  readonly store: NodeStore
  readonly network: Network
  readonly #policy: PolicyModule
  readonly #log: Logger
  readonly #now: () => Date
  #membership: Membership
  #keys = new Map<string, SigningKey>()

  constructor (init: NodeServiceInit) {
    this.config = init.config
    this.identity = init.identity
    this.store = init.store
    this.network = init.network
    this.#policy = init.policy
    this.#log = init.log
    this.#now = init.now ?? (() => new Date())
    this.#membership = init.membership
  }

  get jurisdiction (): string {
    return this.config.jurisdiction
  }

  get membership (): Membership {
    return this.#membership
  }

  get policy (): PolicyModule {
    return this.#policy
  }

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

    record = { ...record, versionHash: computeVersionHash(record) }
    const valid = validateRecord(record)
    await expandRecord(valid)

    const signed = await signRecord(valid, { privateKey: this.identity.signing.privateKey, kid: this.identity.signing.kid })
    const stored: StoredRecord = { signed, origin: 'local', hops: [], storedAt: now }
    await this.store.commit({
      record: stored,
      audit: [{ event: existing === undefined ? 'record.created' : 'record.updated', recordId: valid.id, recordType: valid.type, versionHash: valid.versionHash }]
    })
    this.#log.info({ recordId: valid.id, versionHash: valid.versionHash }, 'record ingested')
    return { status: existing === undefined ? 'created' : 'updated', stored }
  }

  async getRecord (id: string): Promise<StoredRecord> {
    const stored = await this.store.getRecord(id)
    if (stored === undefined) throw new errors.RecordNotFoundError(`record \`${id}\` is not stored on this node`)
    return stored
  }

  /**
   * Shares one stored record with one member. The outbound policy decides first; a denied
   * record never leaves. Fields the policy removes are taken out of the copy that is sent,
   * which this node then signs as a new version.
   *
   * @throws PolicyDeniedError carrying the decision, PeerUnknownError, or a delivery error.
   */
  async share (recordId: string, recipient: string): Promise<ShareOutcome> {
    const member = this.member(recipient)
    if (member === undefined || recipient === this.jurisdiction) {
      throw new errors.PeerUnknownError(`\`${recipient}\` is not another member of federation \`${this.#membership.federation}\`; members are ${this.#membership.members.map(m => m.jurisdiction).join(', ')}`)
    }
    const stored = await this.getRecord(recordId)
    const record = stored.signed.record

    const decision = this.decide(record, recipient)
    const decisionAudit: AuditDraft = {
      event: 'policy.decision',
      recordId,
      recordType: record.type,
      versionHash: record.versionHash,
      peer: recipient,
      decision: decision.effect,
      rules: decision.reasons.map(r => r.ruleId),
      ...(decision.removedFields.length > 0 ? { removedFields: [...decision.removedFields] } : {})
    }
    if (decision.effect === 'deny') {
      await this.store.commit({ audit: [decisionAudit] })
      this.#log.info({ recordId, peer: recipient, rules: decisionAudit.rules }, 'share denied by policy')
      throw Object.assign(new errors.PolicyDeniedError(`sharing \`${recordId}\` with ${recipient} is denied by ${decisionAudit.rules?.join(', ')}`), { decision })
    }

    const signed = decision.removedFields.length > 0 ? await redactedCopy(record, [...decision.removedFields], { privateKey: this.identity.signing.privateKey, kid: this.identity.signing.kid }) : stored.signed
    const hops = stored.origin === 'local' ? [] : stored.hops
    const request: ShareRequest = {
      type: 'share',
      messageId: randomUUID(),
      sender: this.jurisdiction,
      sentAt: this.#now().toISOString(),
      items: [{ signed, hops }]
    }

    const createdAt = this.#now().toISOString()
    const outboxBase = { messageId: request.messageId, recipient, recordId, versionHash: signed.record.versionHash, createdAt }
    const { outboxSeq } = await this.store.commit({
      outbox: { ...outboxBase, status: 'pending', updatedAt: createdAt },
      audit: [decisionAudit]
    })

    let response: ShareResponse
    try {
      response = await sendShare(this.network, member, request, this.config.shareTimeoutMs)
    } catch (err) {
      const error = err instanceof NfpError ? err : new errors.InternalError((err as Error).message, { cause: err })
      await this.#settle(outboxSeq, outboxBase, 'failed', error.code, error.message, { event: 'share.failed', recordId, peer: recipient, messageId: request.messageId, code: error.code })
      throw error
    }

    if (response.type === 'error') {
      await this.#settle(outboxSeq, outboxBase, 'rejected', response.code, response.message, { event: 'share.rejected', recordId, peer: recipient, messageId: request.messageId, code: response.code, detail: response.message })
      throw new errors.PeerRejectedError(`${recipient} rejected the share message: ${response.code}: ${response.message}`)
    }
    const result = response.results.find(r => r.index === 0)
    if (result === undefined || result.status === 'rejected') {
      const code = result?.code ?? errors.FrameMalformedError.code
      await this.#settle(outboxSeq, outboxBase, 'rejected', code, result?.message, { event: 'share.rejected', recordId, peer: recipient, messageId: request.messageId, code, detail: result?.message })
      throw new errors.PeerRejectedError(`${recipient} rejected \`${recordId}\`: ${code}: ${result?.message ?? 'no result for the record'}`)
    }

    await this.#settle(outboxSeq, outboxBase, 'delivered', undefined, undefined, { event: 'share.sent', recordId, recordType: record.type, versionHash: signed.record.versionHash, peer: recipient, messageId: request.messageId, detail: result.status })
    this.#log.info({ recordId, peer: recipient, messageId: request.messageId, status: result.status }, 'record shared')
    return { recordId, recipient, decision, sentVersionHash: signed.record.versionHash, delivery: { status: result.status, messageId: request.messageId } }
  }

  /**
   * Evaluates the outbound policy for one record and recipient. A node that did not originate
   * the record cannot remove fields without breaking the originator's signature, so such a
   * relay is denied instead.
   */
  decide (record: NfpRecord, recipient: string): Decision {
    const decision = evaluateOutbound(this.#policy, record, { self: { jurisdiction: this.jurisdiction }, recipient: { jurisdiction: recipient }, now: this.#now() })
    if (decision.effect === 'permit' && decision.removedFields.length > 0 && record.provenance.jurisdiction !== this.jurisdiction) {
      return {
        ...decision,
        effect: 'deny',
        removedFields: [],
        reasons: [{
          ruleId: 'NODE-RELAY-NO-REDACTION',
          title: 'A relaying node cannot remove fields from a record signed by another jurisdiction without breaking that signature, so it does not pass the record on.',
          effect: 'deny',
          citation: 'Ceasefire protocol v1, signature over the whole record (design rule)',
          checked: false
        }, ...decision.reasons]
      }
    }
    return decision
  }

  /** Handles a share request that arrived over libp2p from an authenticated peer. */
  async receive (request: ShareRequest, remotePeerId: string): Promise<ShareResponse> {
    return await receiveShare({
      jurisdiction: this.jurisdiction,
      membership: this.#membership,
      store: this.store,
      resolveKey: async (jurisdiction, kid) => await this.#resolveKey(jurisdiction, kid),
      log: this.#log,
      now: this.#now
    }, request, remotePeerId)
  }

  async #resolveKey (jurisdiction: string, kid: string): Promise<SigningKey | undefined> {
    const cacheKey = `${jurisdiction}/${kid}`
    const cached = this.#keys.get(cacheKey)
    if (cached !== undefined) return cached
    const entry = this.member(jurisdiction)?.signingKeys.find(k => k.kid === kid)
    if (entry === undefined) return undefined
    const key = await importSigningKey(entry.jwk)
    this.#keys.set(cacheKey, key)
    return key
  }

  async #settle (
    seq: number | undefined,
    base: { messageId: string, recipient: string, recordId: string, versionHash: string, createdAt: string },
    status: 'delivered' | 'rejected' | 'failed',
    code: string | undefined,
    detail: string | undefined,
    audit: AuditDraft
  ): Promise<void> {
    await this.store.commit({
      outbox: { ...base, ...(seq === undefined ? {} : { seq }), status, updatedAt: this.#now().toISOString(), ...(code === undefined ? {} : { code }), ...(detail === undefined ? {} : { detail }) },
      audit: [audit]
    })
  }
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
