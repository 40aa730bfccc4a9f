import { Environment } from '@marcbachmann/cel-js'
import { formatCitation } from './citation.ts'
import { checkSources } from './check-rule.ts'
import type { JsonDocument } from './json-text.ts'
import { jsonPointer } from './json-text.ts'
import { fail, isObject } from './problem.ts'
import type { RuleSource } from './types.ts'

/** Exchanges a copy rule can apply to: a request sent, an answer sent, a record provided on the node's own initiative. */
export const COPY_EXCHANGES = ['request', 'answer', 'initiative'] as const
export type CopyExchange = typeof COPY_EXCHANGES[number]

/** Recipients of a copy: the node's own Single Point of Contact, the peer's, or Europol. */
export const COPY_RECIPIENTS = ['own-spoc', 'peer-spoc', 'europol'] as const
export type CopyRecipient = typeof COPY_RECIPIENTS[number]

/**
 * Exemptions from the copies to a Single Point of Contact, decided case by case by the sender
 * (Directive (EU) 2023/977 Art. 4(2), also applied by Art. 5(3), 7(3) and 8).
 */
export const COPY_EXEMPTIONS = ['SENSITIVE_INVESTIGATION', 'TERRORISM_NON_CRISIS', 'PERSON_SAFETY'] as const

/** One rule of a module's `copies` list: on which exchanges, to whom, and under which condition. */
export interface CopyRule {
  readonly id: string
  readonly title: string
  readonly sources: readonly RuleSource[]
  readonly on: readonly CopyExchange[]
  readonly to: CopyRecipient
  /** CEL condition over `exchange`, `self` and `peer`. */
  readonly when: string
  readonly file: string
}

/** Facts about one exchange that a copy rule's condition reads. */
export interface ExchangeFacts {
  readonly kind: CopyExchange
  readonly urgent: boolean
  /** The sending operator's case-by-case assessment under Art. 12 that a copy goes to Europol. */
  readonly europolCopy: boolean
  /** An exemption from Art. 4(2) the sender invoked, or the empty string. */
  readonly copyExemption: string
  /** True when every record in the exchange originates with this node (Art. 12: others need their originator's consent). */
  readonly ownRecordsOnly: boolean
}

/** A jurisdiction and the agency roles the membership file lists for it. */
export interface MemberFacts {
  readonly jurisdiction: string
  readonly roles: readonly string[]
}

/** A copy the module calls for, with the rule and its citation. */
export interface CopyDecision {
  readonly to: CopyRecipient
  readonly ruleId: string
  readonly title: string
  readonly citation: string
}

const COPY_RULE_KEYS = ['id', 'title', 'sources', 'on', 'to', 'when']
const RULE_ID = /^[A-Z0-9]+(-[A-Z0-9]+)+$/

let environment: Environment | undefined
const compiled = new Map<string, (variables: Record<string, unknown>) => unknown>()

function copyEnvironment (): Environment {
  if (environment !== undefined) return environment
  environment = new Environment({ unlistedVariablesAreDyn: false })
  environment.registerType('nfp.Exchange', { fields: { kind: 'string', urgent: 'bool', europolCopy: 'bool', copyExemption: 'string', ownRecordsOnly: 'bool' } })
  environment.registerType('nfp.Member', { fields: { jurisdiction: 'string', roles: 'list<string>' } })
  environment.registerVariable('exchange', 'nfp.Exchange')
  environment.registerVariable('self', 'nfp.Member')
  environment.registerVariable('peer', 'nfp.Member')
  return environment
}

/**
 * Checks the `copies` list of a module file and compiles each condition.
 *
 * @throws PolicyInvalidError naming the file, line, rule and problem.
 */
export function checkCopyRules (value: unknown, document: JsonDocument, allowMissingSources: boolean): CopyRule[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) fail({ document, pointer: '/copies' }, 'must be a list of copy rules (it may be empty)')
  return value.map((entry, index) => {
    const pointer = (...path: Array<string | number>): string => jsonPointer('copies', index, ...path)
    if (!isObject(entry)) fail({ document, pointer: pointer() }, 'a copy rule must be an object with id, title, sources, on, to and when')
    const id = entry.id
    const label = typeof id === 'string' && id !== '' ? id : `#${index + 1}`
    const at = (...path: Array<string | number>): { document: JsonDocument, pointer: string, rule: string } => ({ document, pointer: pointer(...path), rule: label })
    if (typeof id !== 'string' || !RULE_ID.test(id)) fail(at('id'), `rule id must be upper-case words and digits joined by "-", got ${JSON.stringify(id)}`)
    for (const key of Object.keys(entry)) {
      if (!COPY_RULE_KEYS.includes(key)) fail({ ...at(key), key: true }, `unknown key "${key}"; a copy rule has ${COPY_RULE_KEYS.join(', ')}`)
    }
    if (typeof entry.title !== 'string' || entry.title.trim() === '') fail(at('title'), 'must be a non-empty plain-language sentence')
    const sources = checkSources(entry.sources, at, allowMissingSources)
    const on = entry.on
    if (!Array.isArray(on) || on.length === 0 || on.some(kind => !(COPY_EXCHANGES as readonly unknown[]).includes(kind))) {
      fail(at('on'), `must be a non-empty list of ${COPY_EXCHANGES.join(', ')}`)
    }
    if (!(COPY_RECIPIENTS as readonly unknown[]).includes(entry.to)) fail(at('to'), `must be one of ${COPY_RECIPIENTS.join(', ')}, got ${JSON.stringify(entry.to)}`)
    if (typeof entry.when !== 'string' || entry.when.trim() === '') fail(at('when'), 'must be a CEL condition over exchange, self and peer; write "true" to copy every such exchange')
    compileWhen(entry.when, at('when'))
    return { id, title: entry.title, sources, on: on as CopyExchange[], to: entry.to as CopyRecipient, when: entry.when, file: document.file }
  })
}

function compileWhen (when: string, site: { document: JsonDocument, pointer: string, rule: string }): (variables: Record<string, unknown>) => unknown {
  const known = compiled.get(when)
  if (known !== undefined) return known
  let parsed: ReturnType<Environment['parse']>
  try {
    parsed = copyEnvironment().parse(when)
  } catch (err) {
    fail(site, `not a valid CEL condition: ${(err as Error).message.split('\n')[0] as string}`)
  }
  const checked = parsed.check()
  if (!checked.valid) fail(site, `${(checked.error?.message ?? 'type error').split('\n')[0] as string} (checked against exchange, self and peer)`)
  if (checked.type !== 'bool') fail(site, `must be true or false, but is of type ${checked.type}`)
  const evaluate = parsed as unknown as (variables: Record<string, unknown>) => unknown
  compiled.set(when, evaluate)
  return evaluate
}

/**
 * Returns the copies the module calls for on one exchange, at most one per recipient, and the
 * rules whose condition failed to evaluate. A failed rule makes no copy: a copy to Europol or
 * to a Single Point of Contact is a disclosure, so it needs a condition that held. The caller
 * records the failures so a person can decide. Never throws.
 */
export function decideCopies (rules: readonly CopyRule[], exchange: ExchangeFacts, self: MemberFacts, peer: MemberFacts): { copies: CopyDecision[], errors: Array<{ ruleId: string, error: string }> } {
  const decisions = new Map<CopyRecipient, CopyDecision>()
  const errors: Array<{ ruleId: string, error: string }> = []
  const variables = { exchange: { ...exchange }, self: { jurisdiction: self.jurisdiction, roles: [...self.roles] }, peer: { jurisdiction: peer.jurisdiction, roles: [...peer.roles] } }
  for (const rule of rules) {
    if (!rule.on.includes(exchange.kind) || decisions.has(rule.to)) continue
    let result: unknown
    try {
      const evaluate = compiled.get(rule.when) ?? (copyEnvironment().parse(rule.when) as unknown as (variables: Record<string, unknown>) => unknown)
      result = evaluate(variables)
    } catch (err) {
      errors.push({ ruleId: rule.id, error: (err as Error).message.split('\n')[0] as string })
      continue
    }
    if (result === true) decisions.set(rule.to, { to: rule.to, ruleId: rule.id, title: rule.title, citation: formatCitation(rule.sources) })
  }
  return { copies: [...decisions.values()], errors }
}
