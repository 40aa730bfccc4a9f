import { randomUUID } from 'node:crypto'
import { errors } from '@ceasefire/protocol'
import type { Logger } from 'pino'
import { produceCopies } from '../copies/produce.ts'
import { evaluateInitiative } from '../policy/index.ts'
import type { Decision, RefusalGround } from '../policy/index.ts'
import type { Approval, NodeService, ShareOutcome } from '../service.ts'
import type { AuditDraft, StoredRecord } from '../store/store.ts'

/** Refusal grounds of Art. 6(1)(c) and (f), which Art. 7(2) keeps as reasons not to provide on own initiative. */
const ART_7_2_GROUNDS: ReadonlySet<RefusalGround> = new Set(['JUDICIAL_AUTH_REFUSED', 'NATIONAL_SECURITY', 'JEOPARDISE_INVESTIGATION_OR_SAFETY', 'LEGAL_PERSON_INTERESTS'])

/** A decision as a proposal keeps it: effect, rules, explanation and the module that made it. */
interface DecisionSummary {
  effect: Decision['effect']
  rules: string[]
  citations: string[]
  explanation: string
  policyHash: string
}

/** A record the policy module finds relevant to a peer, waiting for an operator to confirm or dismiss. */
export interface Proposal {
  proposalId: string
  recordId: string
  recordType: string
  versionHash: string
  peer: string
  status: 'proposed' | 'confirmed' | 'dismissed'
  createdAt: string
  /** Why the record is relevant to the peer: the initiative rules that permitted it. */
  relevance: DecisionSummary
  /** The outbound decision at the time of the proposal; confirming decides again. */
  outbound: DecisionSummary
  decidedAt?: string
  decidedBy?: string
  note?: string
  delivery?: ShareOutcome['delivery']
}

export interface ProposalServiceInit {
  service: NodeService
  log: Logger
  now?: () => Date
}

/**
 * Own-initiative provision under Directive (EU) 2023/977 Art. 7. When an own record is stored,
 * the node evaluates the policy module's initiative section for each peer. When the record is
 * relevant to a peer and the outbound section would let it go, the node stores a proposal in
 * the `proposals` collection. Nothing leaves until an operator confirms, and confirming shares
 * the record through the normal outbound path, which decides and audits again. A relevant
 * record that the outbound section denies on a ground of Art. 6(1)(c) or (f) is the exception
 * of Art. 7(2): no proposal is made, and the audit log records the ground.
 */
export class ProposalService {
  readonly #service: NodeService
  readonly #log: Logger
  #now: () => Date
  #queue: Promise<unknown> = Promise.resolve()

  constructor (init: ProposalServiceInit) {
    this.#service = init.service
    this.#log = init.log
    this.#now = init.now ?? (() => new Date())
  }

  /** Replaces the clock, as RequestService.setClock does. */
  setClock (now: () => Date): void {
    this.#now = now
  }

  /** Considers a newly stored own record for every other member; failures are logged, never thrown. */
  async consider (stored: StoredRecord): Promise<Proposal[]> {
    const run = this.#queue.then(async () => await this.#consider(stored)).catch((err: unknown): Proposal[] => {
      this.#log.error({ err, recordId: stored.signed.record.id }, 'own-initiative check failed')
      return []
    })
    this.#queue = run
    return await run
  }

  /** Resolves once every record stored so far has been considered. */
  async settled (): Promise<void> {
    await this.#queue
  }

  async list (status?: Proposal['status']): Promise<Proposal[]> {
    const all = (await this.#service.store.range<Proposal>('proposals', {})).map(([, p]) => p)
    return all.filter(p => status === undefined || p.status === status).sort((a, b) => a.createdAt.localeCompare(b.createdAt))
  }

  async get (proposalId: string): Promise<Proposal> {
    const found = await this.#service.store.read<Proposal>('proposals', proposalId)
    if (found === undefined) throw new errors.ProposalNotFoundError(`no own-initiative proposal \`${proposalId}\` on this node; list them with GET /proposals`)
    return found
  }

  /**
   * Shares the proposed record with the peer through the outbound path (policy decision,
   * approvals, audit, durable delivery) and marks the proposal confirmed.
   *
   * @throws ProposalNotFoundError, ProposalStateError, and whatever sharing throws, such as
   *   PolicyDeniedError or PolicyApprovalRequiredError; the proposal then stays open.
   */
  async confirm (proposalId: string, options: { actor?: string, approvals?: Approval[] } = {}): Promise<Proposal> {
    const proposal = await this.#open(proposalId)
    const actor = options.actor ?? 'node'
    const outcome = await this.#service.share(proposal.recordId, proposal.peer, { actor, ...(options.approvals === undefined ? {} : { approvals: options.approvals }), waitMs: 0 })
    const stored = await this.#service.store.getRecord(proposal.recordId)
    const copies = produceCopies(this.#service, {
      exchange: { kind: 'initiative', urgent: false, europolCopy: false, copyExemption: '', ownRecordsOnly: true },
      peer: proposal.peer,
      proposalId,
      recordIds: [proposal.recordId],
      content: { recordId: proposal.recordId, sentVersionHash: outcome.sentVersionHash, record: stored?.signed ?? null }
    }, this.#now(), proposalId)
    const confirmed: Proposal = { ...proposal, status: 'confirmed', decidedAt: this.#now().toISOString(), decidedBy: actor, delivery: outcome.delivery }
    await this.#service.store.commit({
      writes: [{ collection: 'proposals', key: proposalId, value: confirmed }, ...copies.writes],
      audit: [
        { event: 'initiative.confirmed', recordId: proposal.recordId, peer: proposal.peer, messageId: proposalId, actor, decision: outcome.decision.effect, detail: `shared as version ${outcome.sentVersionHash}; delivery ${outcome.delivery.status}` },
        ...copies.audit
      ]
    })
    return confirmed
  }

  /** Closes a proposal without sharing; `note` gives the reason for the audit log. */
  async dismiss (proposalId: string, options: { actor?: string, note?: string } = {}): Promise<Proposal> {
    const proposal = await this.#open(proposalId)
    const actor = options.actor ?? 'node'
    const dismissed: Proposal = { ...proposal, status: 'dismissed', decidedAt: this.#now().toISOString(), decidedBy: actor, ...(options.note === undefined ? {} : { note: options.note }) }
    await this.#service.store.commit({
      writes: [{ collection: 'proposals', key: proposalId, value: dismissed }],
      audit: [{ event: 'initiative.dismissed', recordId: proposal.recordId, peer: proposal.peer, messageId: proposalId, actor, ...(options.note === undefined ? {} : { detail: options.note.slice(0, 500) }) }]
    })
    return dismissed
  }

  async #open (proposalId: string): Promise<Proposal> {
    const proposal = await this.get(proposalId)
    if (proposal.status !== 'proposed') throw new errors.ProposalStateError(`proposal \`${proposalId}\` was already ${proposal.status}${proposal.decidedBy === undefined ? '' : ` by ${proposal.decidedBy}`}`)
    return proposal
  }

  async #consider (stored: StoredRecord): Promise<Proposal[]> {
    const record = stored.signed.record
    const self = this.#service.jurisdiction
    const now = this.#now()
    const open = (await this.list('proposed')).filter(p => p.recordId === record.id)
    const made: Proposal[] = []
    for (const member of this.#service.membership.members) {
      if (member.jurisdiction === self) continue
      const relevance = evaluateInitiative(this.#service.policy, record, { self: { jurisdiction: self }, peer: { jurisdiction: member.jurisdiction }, now })
      if (relevance.effect !== 'permit') continue
      const outbound = await this.#service.decide(record, member.jurisdiction, stored.hops)
      const audit: AuditDraft[] = [
        decisionAudit(relevance, record.id, record.type, record.versionHash, member.jurisdiction),
        decisionAudit(outbound, record.id, record.type, record.versionHash, member.jurisdiction)
      ]
      if (outbound.effect === 'deny') {
        const ground = outbound.reasons.find(r => r.effect === 'deny' && r.refusalGround !== undefined)?.refusalGround
        const exception = ground !== undefined && ART_7_2_GROUNDS.has(ground)
        audit.push({ event: 'initiative.not-proposed', recordId: record.id, peer: member.jurisdiction, rules: outbound.reasons.map(r => r.ruleId), ...(ground === undefined ? {} : { code: ground }), detail: exception ? `relevant, but ${ground as string} applies: exception of Directive (EU) 2023/977 Art. 7(2)` : 'relevant, but the outbound section denies it' })
        await this.#service.store.commit({ audit })
        continue
      }
      // A newer version replaces an open proposal for the same record and peer, so the operator sees one.
      const replaced = open.filter(p => p.peer === member.jurisdiction)
      const proposal: Proposal = {
        proposalId: randomUUID(),
        recordId: record.id,
        recordType: record.type,
        versionHash: record.versionHash,
        peer: member.jurisdiction,
        status: 'proposed',
        createdAt: now.toISOString(),
        relevance: summary(relevance),
        outbound: summary(outbound)
      }
      audit.push({ event: 'initiative.proposed', recordId: record.id, recordType: record.type, versionHash: record.versionHash, peer: member.jurisdiction, messageId: proposal.proposalId, rules: proposal.relevance.rules, policyHash: relevance.module.hash, detail: `outbound ${outbound.effect}${replaced.length > 0 ? `; replaces ${replaced.map(p => p.proposalId).join(', ')}` : ''}` })
      await this.#service.store.commit({
        writes: [
          { collection: 'proposals', key: proposal.proposalId, value: proposal },
          ...replaced.map(p => ({ collection: 'proposals' as const, key: p.proposalId, value: { ...p, status: 'dismissed', decidedAt: now.toISOString(), decidedBy: 'node', note: `replaced by ${proposal.proposalId} for version ${record.versionHash}` } }))
        ],
        audit
      })
      this.#log.info({ recordId: record.id, peer: member.jurisdiction, proposalId: proposal.proposalId }, 'own-initiative provision proposed')
      made.push(proposal)
    }
    return made
  }
}

function summary (decision: Decision): DecisionSummary {
  return {
    effect: decision.effect,
    rules: decision.reasons.map(r => r.ruleId),
    citations: decision.reasons.map(r => r.citation),
    explanation: decision.explanation,
    policyHash: decision.module.hash
  }
}

function decisionAudit (decision: Decision, recordId: string, recordType: string, versionHash: string, peer: string): AuditDraft {
  return { event: 'policy.decision', recordId, recordType, versionHash, peer, decision: decision.effect, rules: decision.reasons.map(r => r.ruleId), policyHash: decision.module.hash, detail: `${decision.section} section` }
}
