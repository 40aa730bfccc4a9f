import type { DecisionReason, OutboundDecision } from './types.ts'

/**
 * Formats a decision as one line for operators, for example
 * `denied by EU-PD-02 (Directive (EU) 2023/977 Art. 6(1)(f)(ii) (checked)): informant records are not shared`.
 */
export function describeDecision (decision: OutboundDecision): string {
  if (decision.effect === 'deny') return `denied by ${decision.reasons.map(formatReason).join('; and by ')}`

  const permits = decision.reasons.filter(reason => reason.effect === 'permit')
  const redactions = decision.reasons.filter(reason => reason.effect === 'redact' && (reason.fields ?? []).length > 0)
  let line = `permitted by ${permits.map(formatReason).join('; and by ')}`
  if (decision.removedFields.length > 0) {
    line += `; removed ${decision.removedFields.join(', ')} under ${redactions.map(formatReason).join('; and under ')}`
  }
  if (decision.errors.length > 0) {
    // evaluateOutbound turns every failed rule into a deny, so a permit carries no errors today.
    // This branch keeps an error visible should that ever change.
    line += `; rule errors: ${decision.errors.map(error => `${error.ruleId}: ${error.message}`).join('; ')}`
  }
  return line
}

function formatReason (reason: DecisionReason): string {
  const title = reason.title.replace(/\.$/, '')
  const text = `${reason.ruleId} (${reason.citation}): ${title}`
  return reason.error === undefined ? text : `${text} [rule failed: ${reason.error}]`
}
