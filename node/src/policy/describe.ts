import type { Decision, DecisionReason } from './types.ts'

/**
 * Formats a decision as one line for operators and logs, for example
 * `denied by EU-PD-02 (Directive (EU) 2023/977 Art. 6(1)(f)(ii) (checked)): Records of informants are not shared`.
 * The full paragraph for a legal officer is `decision.explanation`.
 */
export function describeDecision (decision: Decision): string {
  if (decision.effect === 'deny') return `denied by ${decision.reasons.map(formatReason).join('; and by ')}`

  const permits = decision.reasons.filter(reason => reason.effect === 'permit')
  let line = `permitted by ${permits.map(formatReason).join('; and by ')}`
  if (decision.effect === 'require-approval') {
    const approvals = decision.reasons.filter(reason => reason.effect === 'require-approval')
    line = `needs approval under ${approvals.map(formatReason).join('; and under ')}; then ${line}`
  }
  const redactions = decision.reasons.filter(reason => reason.effect === 'redact' && ((reason.fields ?? []).length > 0 || (reason.withheldLinks ?? []).length > 0))
  if (redactions.length > 0) {
    const removed = [...decision.removedFields, ...decision.withheldLinks.map(link => `${link.field} -> ${link.id}`)]
    line += `; removed ${removed.join(', ')} under ${redactions.map(formatReason).join('; and under ')}`
  }
  if (decision.attached.rules.length > 0) {
    const attachments = decision.reasons.filter(reason => reason.effect === 'attach')
    line += `; conditions attached under ${attachments.map(formatReason).join('; and under ')}`
  }
  if (decision.errors.length > 0) {
    // A failed rule turns the decision into a deny, so a permit carries no errors today.
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
