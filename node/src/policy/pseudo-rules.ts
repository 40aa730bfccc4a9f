import type { DecisionReason } from './types.ts'

/** Pseudo-rule id of a deny because no permit rule matched. */
export const DEFAULT_DENY = 'DEFAULT-DENY'

/** Pseudo-rule id of a deny caused by an invalid record, context or module. */
export const INVALID_INPUT = 'INVALID-INPUT'

/** Pseudo-rule id of a deny caused by an unexpected failure inside the engine. */
export const ENGINE_ERROR = 'ENGINE-ERROR'

export const DEFAULT_DENY_REASON: DecisionReason = Object.freeze({
  ruleId: DEFAULT_DENY,
  title: 'No permit rule matched, and a record is refused unless a permit rule matches.',
  effect: 'deny',
  citation: 'design rule: deny by default',
  checked: false
})

export function invalidInputReason (problem: string): DecisionReason {
  return {
    ruleId: INVALID_INPUT,
    title: 'The record or the decision context is invalid, so no rule could be evaluated.',
    effect: 'deny',
    citation: 'design rule: deny what cannot be evaluated',
    checked: false,
    error: problem
  }
}

export function engineErrorReason (problem: string): DecisionReason {
  return {
    ruleId: ENGINE_ERROR,
    title: 'The policy engine failed unexpectedly, so the record is refused.',
    effect: 'deny',
    citation: 'design rule: deny what cannot be evaluated',
    checked: false,
    error: problem
  }
}
