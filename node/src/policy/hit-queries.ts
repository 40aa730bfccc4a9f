import { IDENTIFIER_TYPES } from '../../../protocol/src/normalise.ts'
import type { IdentifierType } from '../../../protocol/src/normalise.ts'
import { checkSources } from './check-rule.ts'
import { formatCitation } from './citation.ts'
import { jsonPointer } from './json-text.ts'
import type { JsonDocument } from './json-text.ts'
import { fail, isObject } from './problem.ts'
import type { ProblemSite } from './problem.ts'
import type { PolicyModule, RuleSource } from './types.ts'

/**
 * A rule of a module's `hitQueries` list: whether the listed members may query the listed
 * identifier types in this node's hit index. `*` stands for every member or every type.
 */
export interface HitQueryRule {
  readonly id: string
  readonly title: string
  readonly sources: readonly RuleSource[]
  readonly requesters: readonly string[]
  readonly identifierTypes: readonly string[]
  readonly effect: 'permit' | 'deny'
  readonly file: string
}

/** Outcome of a hit query decision, with the rules that made it. */
export interface HitQueryDecision {
  readonly effect: 'permit' | 'deny'
  readonly rules: readonly string[]
  readonly explanation: string
  readonly policyHash: string
}

const RULE_KEYS = ['id', 'title', 'sources', 'requesters', 'identifierTypes', 'effect']
const RULE_ID = /^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$/

/**
 * Checks the `hitQueries` list of a module file.
 *
 * @throws PolicyInvalidError naming the file, line, column and rule of the first problem.
 */
export function checkHitQueryRules (value: unknown, document: JsonDocument, file: string, allowMissingSources: boolean): HitQueryRule[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) fail({ document, pointer: '/hitQueries' }, 'must be a list of hit query rules (it may be empty)')
  const seen = new Set<string>()
  return value.map((entry, index) => {
    const at = (...path: Array<string | number>): ProblemSite => ({ document, pointer: jsonPointer('hitQueries', index, ...path), ...(isObject(entry) && typeof entry.id === 'string' ? { rule: entry.id } : {}) })
    if (!isObject(entry)) fail(at(), 'a hit query rule must be an object with id, title, sources, requesters, identifierTypes and effect')
    for (const key of Object.keys(entry)) {
      if (!RULE_KEYS.includes(key)) fail({ ...at(key), key: true }, `unknown key "${key}"; allowed keys: ${RULE_KEYS.join(', ')}`)
    }
    const id = entry.id
    if (typeof id !== 'string' || !RULE_ID.test(id)) fail(at('id'), `must be an upper-case id such as "EU-HIT-01", got ${JSON.stringify(id)}`)
    if (seen.has(id)) fail(at('id'), 'duplicate hit query rule id')
    seen.add(id)
    if (typeof entry.title !== 'string' || entry.title.trim() === '') fail(at('title'), 'must be a non-empty plain-language sentence')
    const sources = checkSources(entry.sources, at, allowMissingSources)
    const requesters = checkList(entry.requesters, at('requesters'), item => item === '*' || /^[A-Z]{2}$/.test(item), 'an upper-case jurisdiction code such as "DE", or "*" for every member')
    const identifierTypes = checkList(entry.identifierTypes, at('identifierTypes'), item => item === '*' || (IDENTIFIER_TYPES as readonly string[]).includes(item), `one of ${IDENTIFIER_TYPES.join(', ')}, or "*" for every type`)
    if (entry.effect !== 'permit' && entry.effect !== 'deny') fail(at('effect'), `must be permit or deny, got ${JSON.stringify(entry.effect)}`)
    return { id, title: entry.title, sources, requesters, identifierTypes, effect: entry.effect, file }
  })
}

/**
 * Decides whether `requester` may query `identifierType` in this node's hit index. A matching
 * deny rule wins; without a matching permit rule the query is denied. Never throws.
 */
export function decideHitQuery (module: PolicyModule, requester: string, identifierType: IdentifierType): HitQueryDecision {
  const rules = module.hitQueries ?? []
  const matching = rules.filter(rule =>
    (rule.requesters.includes('*') || rule.requesters.includes(requester)) &&
    (rule.identifierTypes.includes('*') || rule.identifierTypes.includes(identifierType)))
  const denies = matching.filter(rule => rule.effect === 'deny')
  const permits = matching.filter(rule => rule.effect === 'permit')
  const deciding = denies.length > 0 ? denies : permits
  const effect = denies.length === 0 && permits.length > 0 ? 'permit' : 'deny'
  const subject = `A ${identifierType} hit query from ${requester}`
  const explanation = deciding.length === 0
    ? `${subject} is denied, because no rule of the hitQueries list permits it.`
    : `${subject} is ${effect === 'permit' ? 'permitted' : 'denied'} by ${deciding.map(rule => `${rule.id} (${formatCitation(rule.sources) || 'no source'}): ${rule.title.trim()}`).join(' ')}`
  return { effect, rules: deciding.map(rule => rule.id), explanation, policyHash: module.hash }
}

function checkList (value: unknown, site: ProblemSite, valid: (item: string) => boolean, expected: string): string[] {
  if (!Array.isArray(value) || value.length === 0) fail(site, `must be a non-empty list, each item ${expected}`)
  value.forEach((item, index) => {
    if (typeof item !== 'string' || !valid(item)) fail({ ...site, pointer: `${site.pointer}/${index}` }, `must be ${expected}, got ${JSON.stringify(item)}`)
  })
  return [...value] as string[]
}
