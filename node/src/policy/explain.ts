import { DEFAULT_DENY, ENGINE_ERROR, INVALID_INPUT } from './pseudo-rules.ts'
import type { ApproverRole, AttachedConditions, Decision, DecisionReason, Section } from './types.ts'

const PSEUDO_RULES: ReadonlySet<string> = new Set([DEFAULT_DENY, INVALID_INPUT, ENGINE_ERROR])

/** Record and counterpart that the explanation names. */
export interface ExplanationSubject {
  readonly type?: string
  readonly id?: string
  /** The recipient (outbound), sender (inbound) or requester (request). */
  readonly counterpart?: string
}

/**
 * Writes the plain-language paragraph of a decision for a legal officer: what was decided,
 * each rule that decided with its title and citation, and the module that applied them.
 */
export function explainDecision (decision: Omit<Decision, 'explanation'>, subject: ExplanationSubject): string {
  const sentences = [`${describeRecord(subject)} ${verdict(decision, subject.counterpart ?? 'the other party')}.`]

  for (const reason of decision.reasons) sentences.push(describeReason(reason, decision.attached))
  if (decision.reasons.some(reason => !reason.checked && reason.citation.includes('(not checked)'))) {
    sentences.push('A citation marked "not checked" has not yet been compared with the text in the Official Journal.')
  }

  const bases = decision.module.extends.map(base => `${base.jurisdiction} ${base.version}`)
  const module = `Policy module ${decision.module.jurisdiction} ${decision.module.version}`
  sentences.push(bases.length === 0 ? `${module} made this decision.` : `${module}, which extends ${bases.join(', which extends ')}, made this decision.`)
  return sentences.join(' ')
}

function describeRecord (subject: ExplanationSubject): string {
  if (subject.type === undefined) return 'The record'
  return subject.id === undefined ? `The ${subject.type} record` : `The ${subject.type} record ${subject.id}`
}

const VERBS: Readonly<Record<Section, { yes: string, no: string, after: string }>> = {
  outbound: { yes: 'may be sent to', no: 'may not be sent to', after: 'may be sent to' },
  inbound: { yes: 'is accepted from', no: 'is not accepted from', after: 'is accepted from' },
  request: { yes: 'may be given in answer to the request of', no: 'may not be given in answer to the request of', after: 'may be given in answer to the request of' },
  initiative: { yes: 'is relevant and may be proposed for provision to', no: 'is not proposed for provision to', after: 'is relevant and may be proposed for provision to' },
  index: { yes: 'enters the hit index of', no: 'stays out of the hit index of', after: 'enters the hit index of' }
}

function verdict (decision: Omit<Decision, 'explanation'>, counterpart: string): string {
  const verbs = VERBS[decision.section]
  if (decision.effect === 'deny') return `${verbs.no} ${counterpart}`
  const changes: string[] = []
  if (decision.removedFields.length > 0) changes.push(`without the ${plural('field', decision.removedFields.length)} ${listing(decision.removedFields)}`)
  if (decision.withheldLinks.length > 0) changes.push(`without the ${plural('link', decision.withheldLinks.length)} to ${listing(decision.withheldLinks.map(link => link.id))}`)
  if (decision.attached.rules.length > 0) changes.push('with conditions attached')
  const how = changes.length === 0 ? '' : ` ${listing(changes)}`
  if (decision.effect === 'permit') return `${verbs.yes} ${counterpart}${how}`
  const approvers = [...new Set(decision.approvals.flatMap(approval => approval.approvers))].map(role => ROLE_NAMES[role])
  return `${verbs.after} ${counterpart}${how} only after approval by ${listing(approvers)}`
}

function describeReason (reason: DecisionReason, attached: AttachedConditions): string {
  const title = reason.title.trim().replace(/\.$/, '')
  const source = `(${reason.citation})`
  if (PSEUDO_RULES.has(reason.ruleId)) return reason.error === undefined ? `${title}.` : `${title}: ${reason.error}.`
  if (reason.error !== undefined) {
    return `Rule ${reason.ruleId} could not be evaluated (${reason.error}), so it counts as a refusal: ${title} ${source}.`
  }
  switch (reason.effect) {
    case 'deny': {
      const ground = reason.refusalGround === undefined ? '' : ` on refusal ground ${reason.refusalGround}`
      return `Rule ${reason.ruleId} refuses it${ground}: ${title} ${source}.`
    }
    case 'permit':
      return `Rule ${reason.ruleId} permits it: ${title} ${source}.`
    case 'redact': {
      const fields = reason.fields ?? []
      const links = reason.withheldLinks ?? []
      const parts = fields.length === 0 ? [] : [`the ${plural('field', fields.length)} ${listing(fields)}`]
      if (links.length > 0) parts.push(`the ${plural('link', links.length)} to ${listing(links)}`)
      return `Rule ${reason.ruleId} removes ${listing(parts)}: ${title} ${source}.`
    }
    case 'require-approval': {
      const approvers = listing((reason.approval?.approvers ?? []).map(role => ROLE_NAMES[role]), 'or')
      return `Rule ${reason.ruleId} requires approval by ${approvers}, because ${lowerFirst(reason.approval?.reason ?? '').replace(/\.$/, '')}: ${title} ${source}.`
    }
    case 'attach':
      return `Rule ${reason.ruleId} attaches ${describeAttached(reason, attached)}: ${title} ${source}.`
  }
}

const ROLE_NAMES: Readonly<Record<ApproverRole, string>> = {
  'legal-officer': 'a legal officer',
  prosecutor: 'the public prosecutor',
  'investigating-court': 'the investigating court',
  'judicial-authority': 'a judicial authority'
}

/** Joins items as `a`, `a and b` or `a, b and c`. */
function listing (items: readonly string[], conjunction = 'and'): string {
  if (items.length <= 1) return items[0] ?? ''
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1] as string}`
}

function plural (noun: string, count: number): string {
  return count === 1 ? noun : `${noun}s`
}

function lowerFirst (text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1)
}

function describeAttached (reason: DecisionReason, attached: AttachedConditions): string {
  const parts: string[] = []
  if (reason.attach?.reviewWithinDays !== undefined) {
    parts.push(`a review-or-delete date within ${reason.attach.reviewWithinDays} days${attached.reviewBy === undefined ? '' : ` (by ${attached.reviewBy})`}`)
  }
  if (reason.attach?.noOnwardSharingWithoutConsent === true) parts.push('a ban on passing it on without the originator\'s consent')
  if (reason.attach?.minimumHandlingCode !== undefined) parts.push(`handling code ${reason.attach.minimumHandlingCode} or stricter`)
  return listing(parts)
}
