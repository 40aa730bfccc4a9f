import type { RecordType } from '../../../protocol/src/index.ts'

/** Effect of a policy rule. A redact rule removes fields but never permits by itself. */
export type RuleEffect = 'permit' | 'deny' | 'redact'

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

/** Variables a condition may use in place of a literal value. */
export const VARIABLES = ['$self.jurisdiction', '$recipient.jurisdiction', '$now.date', '$now.dateTime'] as const

export type Variable = typeof VARIABLES[number]

/** Literal or variable on the right-hand side of a field condition. */
export type Operand = string | number | boolean

/** Test of one record field with exactly one operator. */
export type FieldCondition =
  | { readonly field: string, readonly equals: Operand }
  | { readonly field: string, readonly notEquals: Operand }
  | { readonly field: string, readonly in: readonly Operand[] }
  | { readonly field: string, readonly contains: Operand }
  | { readonly field: string, readonly exists: boolean }
  | { readonly field: string, readonly before: string }

/** Condition of a rule: `true`, a field test, or `all`, `any` and `not` over conditions. */
export type Condition =
  | true
  | FieldCondition
  | { readonly all: readonly Condition[] }
  | { readonly any: readonly Condition[] }
  | { readonly not: Condition }

/** Legal source of a rule, with whether its wording was seen in a source (`checked`). */
export interface RuleSource {
  readonly act: string
  readonly article: string
  /** Cross-reference id used in the project's legal review, for example `IED-42`. */
  readonly ruleRef?: string
  readonly checked: boolean
}

/** One checked rule of a policy module. */
export interface PolicyRule {
  readonly id: string
  readonly title: string
  /** Written as one object or a list in the module file, and always a list here. */
  readonly sources: readonly RuleSource[]
  /** Record types the rule applies to. Absent means every type. */
  readonly appliesTo?: readonly RecordType[]
  readonly when: Condition
  readonly effect: RuleEffect
  readonly refusalGround?: RefusalGround
  /** Dotted field paths a redact rule removes. */
  readonly fields?: readonly string[]
  /** Path of the module file that defines the rule. */
  readonly file: string
}

/** A loaded and checked policy module, with the rules of the modules it extends. */
export interface PolicyModule {
  readonly jurisdiction: string
  readonly name: string
  readonly version: string
  /** Path of the module file. */
  readonly file: string
  /** The module named in `extends`, already loaded. */
  readonly base?: PolicyModule
  /** Rules of the base modules first, then this module's own, in file order. */
  readonly rules: readonly PolicyRule[]
}

/** Jurisdictions and time of one outbound decision. */
export interface OutboundContext {
  /** The jurisdiction of the node that sends the record. */
  readonly self: { readonly jurisdiction: string }
  readonly recipient: { readonly jurisdiction: string }
  readonly now: Date
}

/** A rule that decided, or one of the pseudo-rules `DEFAULT-DENY` and `INVALID-INPUT`. */
export interface DecisionReason {
  readonly ruleId: string
  readonly title: string
  readonly effect: RuleEffect
  /** Human-readable legal citation, for example `Directive (EU) 2023/977 Art. 6(1)(h) [IED-42] (checked)`. */
  readonly citation: string
  /** True only when every source of the rule is checked. */
  readonly checked: boolean
  readonly refusalGround?: RefusalGround
  /** Fields the rule removed from this record (redact rules only). */
  readonly fields?: readonly string[]
  /** Reason the rule could not be evaluated. Such a rule counts as a matching deny. */
  readonly error?: string
}

/** Rule that could not be evaluated against the record. */
export interface RuleError {
  readonly ruleId: string
  readonly message: string
}

/** Outcome of evaluating a module's outbound rules for one record and one recipient. */
export interface OutboundDecision {
  readonly effect: 'permit' | 'deny'
  /** Fields to remove before sending. Empty on deny. */
  readonly removedFields: readonly string[]
  readonly reasons: readonly DecisionReason[]
  readonly errors: readonly RuleError[]
  /** The module evaluated, and the modules it extends, nearest first. */
  readonly module: {
    readonly jurisdiction: string
    readonly version: string
    readonly extends: ReadonlyArray<{ readonly jurisdiction: string, readonly version: string }>
  }
}
