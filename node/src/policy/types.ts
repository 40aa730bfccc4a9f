import type { RecordType } from '../../../protocol/src/index.ts'
import type { CopyRule } from './copies.ts'
import type { HitQueryRule } from './hit-queries.ts'

/**
 * Sections of a module. `outbound` decides whether a record may go to a recipient, `inbound`
 * whether a record from a sender is accepted, `request` whether a record may be given in
 * answer to a request for information, `initiative` whether a newly stored record is
 * relevant to a peer, so that the node proposes to provide it on its own initiative
 * (Directive (EU) 2023/977 Art. 7), and `index` whether the identifiers of a record enter the
 * node's hit index, where the hit/no-hit queries of other members can find them. An initiative
 * permit only proposes: the record leaves after an operator confirms, and then only if the
 * outbound section permits it.
 */
export const SECTIONS = ['outbound', 'inbound', 'request', 'initiative', 'index'] as const

export type Section = typeof SECTIONS[number]

/** Effect of a rule. Only permit, deny and require-approval decide; redact and attach add to a permit. */
export const RULE_EFFECTS = ['permit', 'deny', 'redact', 'require-approval', 'attach'] as const

export type RuleEffect = typeof RULE_EFFECTS[number]

/** Effect of a whole decision. */
export type DecisionEffect = 'permit' | 'deny' | 'require-approval'

/** Refusal grounds of Directive (EU) 2023/977 Art. 6(1), which is a closed list. */
export const REFUSAL_GROUNDS = [
  'NOT_AVAILABLE',
  'REQUEST_INVALID',
  'JUDICIAL_AUTH_REFUSED',
  'PD_CATEGORY_NOT_ALLOWED',
  'DATA_QUALITY',
  'NATIONAL_SECURITY',
  'JEOPARDISE_INVESTIGATION_OR_SAFETY',
  'LEGAL_PERSON_INTERESTS',
  'MINOR_OFFENCE',
  'NOT_AN_OFFENCE',
  'NO_ORIGINATOR_CONSENT'
] as const

export type RefusalGround = typeof REFUSAL_GROUNDS[number]

/** People who can be asked to approve a record before it leaves or is accepted. */
export const APPROVER_ROLES = ['legal-officer', 'prosecutor', 'investigating-court', 'judicial-authority'] as const

export type ApproverRole = typeof APPROVER_ROLES[number]

/**
 * Handling codes an attach rule may set as a minimum, from least to most restrictive.
 * NOTE: Europol's codes are not formally ordered. The node ranks H2 (no dissemination without
 * the provider's permission) above H1 (no use in judicial proceedings), and it never replaces
 * H3, whose free-text restrictions only a person can read.
 */
export const HANDLING_CODE_ORDER = ['H0', 'H1', 'H2', 'H3'] as const

export type HandlingCode = typeof HANDLING_CODE_ORDER[number]

/** Legal source of a rule, with whether its wording was seen in a source (`checked`). */
export interface RuleSource {
  readonly act: string
  /** Article, such as `Art. 6`. */
  readonly article: string
  /** Paragraph and points, such as `(1)(f)(ii)`, printed straight after the article. */
  readonly paragraph?: string
  /** Cross-reference id used in the project's legal review, for example `IED-42`. */
  readonly ruleRef?: string
  readonly checked: boolean
}

/** Links a redact rule withholds: ids in `field` whose linked record matches `when`. */
export interface LinkRedaction {
  /** Field of the record that holds the ids of linked records, such as `persons`. */
  readonly field: string
  /** Types of linked record the condition reads; links to records of other types are kept. */
  readonly linkedTypes: readonly RecordType[]
  /** CEL condition over `linked` (the linked record) and the section's variables. */
  readonly when: string
}

/** Who must approve, and why, before a record matched by a require-approval rule goes on. */
export interface ApprovalSpec {
  readonly reason: string
  readonly approvers: readonly ApproverRole[]
}

/** Conditions an attach rule adds to the record; each can only make the record's conditions stricter. */
export interface AttachSpec {
  /** The recipient must review or delete the record within this many days. */
  readonly reviewWithinDays?: number
  /** The recipient must not pass the record on without the originator's consent. */
  readonly noOnwardSharingWithoutConsent?: boolean
  /** The record travels with at least this handling code. */
  readonly minimumHandlingCode?: 'H1' | 'H2'
}

/** Where a rule or one of its parts sits in its module file; line and column count from 1. */
export interface SourcePosition {
  readonly file: string
  readonly line: number
  readonly column: number
}

/** One checked rule of a policy module. */
export interface PolicyRule {
  readonly id: string
  readonly section: Section
  readonly title: string
  readonly sources: readonly RuleSource[]
  /** Record types the rule applies to. Absent means every type. */
  readonly appliesTo?: readonly RecordType[]
  /** CEL condition; the rule matches when it evaluates to true. */
  readonly when: string
  readonly effect: RuleEffect
  readonly refusalGround?: RefusalGround
  /** Dotted field paths a redact rule removes. */
  readonly fields?: readonly string[]
  readonly withholdLinks?: readonly LinkRedaction[]
  readonly approval?: ApprovalSpec
  readonly attach?: AttachSpec
  /** Path of the module file that defines the rule. */
  readonly file: string
  /** Position of the rule's `when` string in that file. */
  readonly position: SourcePosition
}

/** A loaded and checked policy module, with the rules of the modules it extends. */
export interface PolicyModule {
  readonly jurisdiction: string
  readonly name: string
  readonly version: string
  /** Path of the module file. */
  readonly file: string
  /** `sha256:` and the hex SHA-256 of the canonical JSON of this module file and of every base file. */
  readonly hash: string
  /** The module named in `extends`, already loaded. */
  readonly base?: PolicyModule
  /** Rules of the base modules first, then this module's own, in file order within each section. */
  readonly rules: readonly PolicyRule[]
  /** Copy rules of the base modules first, then this module's own (see copies.ts); absent means none. */
  readonly copyRules?: readonly CopyRule[]
  /** Rules on which identifier types each member may query in the hit index, base modules first. */
  readonly hitQueries?: readonly HitQueryRule[]
}

/** A jurisdiction taking part in a decision: the node itself, a recipient or a sender. */
export interface Party {
  readonly jurisdiction: string
}

/** A request for information as the request section sees it. */
export interface InformationRequest {
  readonly requester: Party
  /** Purpose the requester states, in its words. */
  readonly purpose: string
  readonly urgent: boolean
  /** Offence the request concerns, in the requester's words. */
  readonly offence: string
}

/** Linked records by id, so that link conditions can read them. */
export type LinkedRecords = ReadonlyMap<string, unknown>

/** Jurisdictions and time of an outbound decision. */
export interface OutboundContext {
  /** The jurisdiction of the node that sends the record. */
  readonly self: Party
  readonly recipient: Party
  readonly now: Date
  /** Records the record links to. A link a withhold rule needs but cannot find here is withheld. */
  readonly linked?: LinkedRecords
}

/** Jurisdictions and time of an initiative decision: is the record relevant to `peer`? */
export interface InitiativeContext {
  readonly self: Party
  readonly peer: Party
  readonly now: Date
}

/** Jurisdictions and time of an inbound decision. */
export interface InboundContext {
  /** The jurisdiction of the node that receives the record. */
  readonly self: Party
  readonly sender: Party
  readonly now: Date
}

/** The request, the node and the time of a decision on answering a request. */
export interface RequestContext {
  readonly self: Party
  readonly request: InformationRequest
  readonly now: Date
  readonly linked?: LinkedRecords
}

/** The node and the time of a decision on entering a record in the hit index. */
export interface IndexContext {
  readonly self: Party
  readonly now: Date
}

/** A rule that decided, or one of the pseudo-rules `DEFAULT-DENY` and `INVALID-INPUT`. */
export interface DecisionReason {
  readonly ruleId: string
  readonly title: string
  /** The rule's effect; `deny` for a rule that failed to evaluate. */
  readonly effect: RuleEffect
  /** Human-readable legal citation, for example `Directive (EU) 2023/977 Art. 6(1)(h) [IED-42] (checked)`. */
  readonly citation: string
  /** True only when every source of the rule is checked. */
  readonly checked: boolean
  readonly refusalGround?: RefusalGround
  /** Fields the rule removed from this record (redact rules only). */
  readonly fields?: readonly string[]
  /** Ids of linked records the rule withheld (redact rules only). */
  readonly withheldLinks?: readonly string[]
  readonly approval?: ApprovalSpec
  readonly attach?: AttachSpec
  /** Reason the rule could not be evaluated. Such a rule counts as a matching deny. */
  readonly error?: string
}

/** Rule that could not be evaluated against the record. */
export interface RuleError {
  readonly ruleId: string
  readonly message: string
}

/** A link id removed from a link field, and why. */
export interface WithheldLink {
  readonly field: string
  readonly id: string
  readonly ruleId: string
  /** `matched`: the linked record matched the rule; `unresolved`: the linked record was not available to check. */
  readonly reason: 'matched' | 'unresolved'
}

/** Conditions that travel with the record, as the attach rules that matched set them. */
export interface AttachedConditions {
  /** Latest review-or-delete date (YYYY-MM-DD), never later than the record's own `reviewBy`. */
  readonly reviewBy?: string
  readonly noOnwardSharingWithoutConsent?: true
  /** Handling code of the copy, never less restrictive than the record's own code. */
  readonly handlingCode?: HandlingCode
  /** Ids of the attach rules that set these conditions. */
  readonly rules: readonly string[]
}

/** Approval a person must give before the record goes on. */
export interface ApprovalRequirement {
  readonly ruleId: string
  readonly reason: string
  readonly approvers: readonly ApproverRole[]
}

/** The module that made a decision. */
export interface DecisionModule {
  readonly jurisdiction: string
  readonly version: string
  readonly hash: string
  /** The modules it extends, nearest first. */
  readonly extends: ReadonlyArray<{ readonly jurisdiction: string, readonly version: string }>
}

/**
 * Outcome of evaluating one section of a module for one record.
 *
 * On deny, `removedFields`, `withheldLinks`, `approvals` and `attached.rules` are empty. On
 * require-approval they describe what goes on once every approval is given.
 */
export interface Decision {
  readonly section: Section
  readonly effect: DecisionEffect
  readonly reasons: readonly DecisionReason[]
  /** Plain-language paragraph: what was decided and why, naming the rules and citations. */
  readonly explanation: string
  readonly removedFields: readonly string[]
  readonly withheldLinks: readonly WithheldLink[]
  readonly attached: AttachedConditions
  readonly approvals: readonly ApprovalRequirement[]
  readonly errors: readonly RuleError[]
  readonly module: DecisionModule
}

/** Decision of the outbound section; the name the node's service uses. */
export type OutboundDecision = Decision
