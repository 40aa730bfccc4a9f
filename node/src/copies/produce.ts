import { randomUUID } from 'node:crypto'
import { decideCopies } from '../policy/copies.ts'
import type { CopyDecision, CopyExchange, CopyRecipient, ExchangeFacts } from '../policy/copies.ts'
import type { NodeService } from '../service.ts'
import type { AuditDraft, CollectionWrite } from '../store/store.ts'

/**
 * A copy of an exchange that the policy module calls for, kept in the `copies` collection.
 * NOTE: the node has no connection to SIENA or to a Single Point of Contact's case system. A
 * copy stays `awaiting-channel` until a person forwards it, and nothing is sent from here.
 */
export interface CopyItem {
  copyId: string
  to: CopyRecipient
  exchange: CopyExchange
  peer: string
  /** The request the exchange belongs to, or the proposal for an own-initiative provision. */
  requestId?: string
  proposalId?: string
  recordIds: string[]
  rule: CopyDecision
  createdAt: string
  status: 'awaiting-channel'
  /** Content of the copy: the signed message of the exchange, or the record as it was sent. */
  content: unknown
}

/** The exchange a transition makes, from which produceCopies decides the copies for the same commit. */
export interface CopySubject {
  exchange: Omit<ExchangeFacts, 'kind'> & { kind: CopyExchange }
  peer: string
  requestId?: string
  proposalId?: string
  recordIds: string[]
  content: unknown
}

/**
 * Decides with the policy module's `copies` rules which copies an exchange needs and returns
 * the collection writes and audit entries that record them. The caller commits them with the
 * transition, so a copy exists exactly when the exchange does.
 */
export function produceCopies (service: NodeService, subject: CopySubject, now: Date, messageId: string): { writes: CollectionWrite[], audit: AuditDraft[], copies: CopyItem[] } {
  const roles = (jurisdiction: string): string[] => [...new Set((service.member(jurisdiction)?.agencies ?? []).flatMap(a => a.roles))]
  const decided = decideCopies(service.policy.copyRules ?? [], subject.exchange, { jurisdiction: service.jurisdiction, roles: roles(service.jurisdiction) }, { jurisdiction: subject.peer, roles: roles(subject.peer) })
  const copies: CopyItem[] = decided.copies.map(rule => ({
    copyId: randomUUID(),
    to: rule.to,
    exchange: subject.exchange.kind,
    peer: subject.peer,
    ...(subject.requestId === undefined ? {} : { requestId: subject.requestId }),
    ...(subject.proposalId === undefined ? {} : { proposalId: subject.proposalId }),
    recordIds: subject.recordIds,
    rule,
    createdAt: now.toISOString(),
    status: 'awaiting-channel',
    content: subject.content
  }))
  const audit: AuditDraft[] = [
    ...copies.map((c): AuditDraft => ({ event: 'copy.produced', peer: subject.peer, messageId, rules: [c.rule.ruleId], policyHash: service.policy.hash, detail: `${c.exchange} copy to ${c.to} (${c.copyId}); awaiting a channel: this node has no SIENA connection` })),
    ...decided.errors.map((e): AuditDraft => ({ event: 'copy.rule-failed', peer: subject.peer, messageId, rules: [e.ruleId], policyHash: service.policy.hash, detail: `${subject.exchange.kind}: ${e.error}; no copy made, a person must decide` }))
  ]
  if (decided.copies.length === 0 && decided.errors.length === 0) {
    audit.push({ event: 'copy.none', peer: subject.peer, messageId, policyHash: service.policy.hash, detail: `${subject.exchange.kind}: no copy rule applies` })
  }
  return { writes: copies.map(c => ({ collection: 'copies' as const, key: `${c.createdAt}/${c.copyId}`, value: c })), audit, copies }
}
