import type { AnySignedRecord } from '@ceasefire/protocol'
import type { ApproverRole, Decision, RefusalGround } from '../policy/index.ts'

/** The four grounds on which Directive (EU) 2023/977 Art. 4(4) lets a request be urgent. */
export const URGENCY_GROUNDS = [
  'PUBLIC_SECURITY_THREAT',
  'LIFE_OR_PHYSICAL_INTEGRITY',
  'DETENTION_DECISION',
  'LOSS_OF_RELEVANCE'
] as const

export type UrgencyGround = typeof URGENCY_GROUNDS[number]

/** What the requester wants, as specific as it can be (Art. 4(5)(a)), and the criteria the responder matches records by. */
export interface InformationSought {
  description: string
  /** Record ids the requester already knows. */
  ids?: string[]
  /** Record types, such as `Firearm`. With no other criterion, every record of these types matches. */
  types?: string[]
  /** Top-level record fields and the value each must have, such as `{ "serialNumber": "ABC123" }`. */
  fields?: Record<string, string>
}

/** The content of a request for information under Directive (EU) 2023/977 Art. 4(5) and 4(6). */
export interface RequestContent {
  informationSought: InformationSought
  purpose: { description: string, facts: string, offence: string }
  /** Objective reasons to believe the requested member holds the information (Art. 4(3)(b), 4(5)(c)). */
  availabilityReasons: string
  /** Persons or entities the request names; when present, `personLink` is required (Art. 4(5)(d)). */
  persons?: string[]
  personLink?: string
  urgency: { urgent: boolean, ground?: UrgencyGround, reasons?: string }
  /** Restrictions on the use of the request's own content for other purposes (Art. 4(5)(f)). */
  useRestrictions: string
  /** One of the languages the requested member notified (Art. 4(6), Art. 11). */
  language: string
  /** The requester's case-by-case decision on a copy to Europol (Art. 12); the node only records it. */
  europolCopy: { copy: boolean, reason: string }
  /**
   * An exemption from the copy to the requester's own Single Point of Contact, decided case by
   * case (Art. 4(2)): SENSITIVE_INVESTIGATION, TERRORISM_NON_CRISIS or PERSON_SAFETY.
   */
  spocCopyExemption?: string
}

/**
 * How long a case may take and for how long its clock stood still. The deadline is
 * `receivedAt + limitHours + pausedMs`, all in UTC milliseconds, so a change of local time
 * (such as the EU switch from summer time) cannot move it.
 */
export interface CaseClock {
  receivedAt: string
  urgent: boolean
  /** `direct`: the node found matching records in its own store at receipt. */
  access: 'direct' | 'indirect'
  limitHours: number
  pausedMs: number
  /** Set while the clock is paused: for a clarification or a judicial authorisation. */
  pausedSince?: string
  pauseReason?: 'clarification' | 'approval'
}

/** A deadline alert, kept in the case or request it concerns. */
export interface DeadlineAlert {
  kind: 'deadline-warning' | 'deadline-expired'
  at: string
  deadline: string
}

export type ItemStatus = 'permitted' | 'refused' | 'awaiting-approval'

/** One matching record in a case and what was decided about providing it. */
export interface CaseItem {
  itemId: string
  recordId: string
  recordType: string
  status: ItemStatus
  decision: Decision
  /** Version of the record that `decision` decided; an answer re-decides any other version. */
  versionHash?: string
  refusal?: Refusal
  approvers?: ApproverRole[]
  approval?: { approvedBy: string, role: ApproverRole, reference?: string, note?: string, at: string }
}

/** A reasoned refusal of one record or of the whole request, with a ground from the closed list of Art. 6(1). */
export interface Refusal {
  recordId?: string
  ground: RefusalGround
  reasons: string
  rules?: string[]
}

export type CaseStatus = 'open' | 'clarification-asked' | 'answered'

/** A request received from a peer, as the responding node tracks it. */
export interface Case {
  caseId: string
  requestId: string
  requester: string
  content: RequestContent
  status: CaseStatus
  clock: CaseClock
  items: CaseItem[]
  /** Outcome sent with the answer. */
  outcome?: 'answered' | 'partly-refused' | 'refused'
  clarifications: Array<{ question: string, askedAt: string, answer?: string, answeredAt?: string }>
  delayNotices: Array<{ at: string, expectedDelayHours: number, reasons: string }>
  alerts: DeadlineAlert[]
  answeredAt?: string
  /** A message the requester rejected with an error frame; the node does not resend it. */
  rejected?: Array<{ type: RequestMessage['type'], messageId: string, code: string, message: string, at: string }>
}

export type RequestStatus = 'sent' | 'received' | 'clarification-asked' | 'answered' | 'partly-refused' | 'refused'

/** A request this node sent, as the requesting node tracks it. */
export interface SentRequest {
  requestId: string
  to: string
  content: RequestContent
  status: RequestStatus
  sentAt: string
  /** The responder's clock as it last reported it; the deadline is computed from it as at the responder. */
  clock?: CaseClock
  clarifications: Array<{ question: string, askedAt: string, answer?: string, answeredAt?: string }>
  delayNotices: Array<{ at: string, expectedDelayHours: number, reasons: string }>
  alerts: DeadlineAlert[]
  records: AnySignedRecord[]
  refusals: Refusal[]
  answeredAt?: string
  /** The answer message as received, with the responder's signature, kept as evidence. */
  answerMessage?: RequestMessage
  /** A message the peer rejected with an error frame; the node does not resend it. */
  rejected?: Array<{ type: RequestMessage['type'], messageId: string, code: string, message: string, at: string }>
}

/** Fields every message of `/nfp/request/2.0.0` carries. */
interface MessageBase {
  messageId: string
  requestId: string
  sender: string
  receiver: string
  sentAt: string
}

/** A message of `/nfp/request/1.0.0` before its sender signs it. */
export type UnsignedRequestMessage =
  | MessageBase & { type: 'request', content: RequestContent }
  | MessageBase & { type: 'clarification-request', question: string, clock: CaseClock }
  | MessageBase & { type: 'clarification-answer', answer: string }
  | MessageBase & { type: 'delay-notice', expectedDelayHours: number, reasons: string, clock: CaseClock }
  | MessageBase & { type: 'answer', outcome: 'answered' | 'partly-refused' | 'refused', records: AnySignedRecord[], refusals: Refusal[], clock: CaseClock }

/** A message as it travels: signed by the sending node (see signed-message.ts). */
export type RequestMessage = UnsignedRequestMessage & { signature: string }

/**
 * A signed message waiting in the `request-outbox` collection until the receiver acknowledges
 * it. It survives a restart of the sending node and is resent with a growing pause.
 */
export interface OutboxEntry {
  message: RequestMessage
  queuedAt: string
  attempts: number
  nextAttemptAt: string
  lastError?: string
}

/** A message the peer did not acknowledge yet, as the API shows it beside a case or request. */
export interface UndeliveredMessage {
  type: RequestMessage['type']
  messageId: string
  queuedAt: string
  attempts: number
  lastError?: string
}

/** Reply to every message: an acknowledgement, with the responder's clock when a request opened a case. */
export type RequestReply =
  | { type: 'ack', messageId: string, receiver: string, receivedAt: string, clock?: CaseClock }
  | { type: 'error', messageId?: string, code: string, message: string, field?: string }
