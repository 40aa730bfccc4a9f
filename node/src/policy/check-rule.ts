import { RECORD_TYPES } from '../../../protocol/src/index.ts'
import type { RecordType } from '../../../protocol/src/index.ts'
import type { CelEnvironments } from './cel-environment.ts'
import { formatCitation } from './citation.ts'
import { compileCondition } from './compile-condition.ts'
import type { CompiledLink, CompiledRule } from './compiled.ts'
import type { JsonDocument } from './json-text.ts'
import { jsonPointer } from './json-text.ts'
import { fail, isObject } from './problem.ts'
import type { ProblemSite } from './problem.ts'
import type { FieldCatalogue, FieldInfo } from './schema-fields.ts'
import { APPROVER_ROLES, REFUSAL_GROUNDS, RULE_EFFECTS } from './types.ts'
import type {
  ApprovalSpec, AttachSpec, DecisionReason, PolicyRule, RefusalGround, RuleEffect, RuleSource, Section
} from './types.ts'

/** Inputs of a rule check besides the rule itself. */
export interface RuleContext {
  readonly document: JsonDocument
  readonly jurisdiction: string
  readonly catalogue: FieldCatalogue
  readonly environments: CelEnvironments
  /** Accept rules without a legal source, so that `nfp policy lint` can report them. */
  readonly allowMissingSources: boolean
}

const RULE_KEYS = ['id', 'title', 'sources', 'appliesTo', 'when', 'effect', 'refusalGround', 'fields', 'withholdLinks', 'approval', 'attach']
const SOURCE_KEYS = ['act', 'article', 'paragraph', 'ruleRef', 'checked']
const LINK_KEYS = ['field', 'linkedTypes', 'when']
const APPROVAL_KEYS = ['reason', 'approvers']
const ATTACH_KEYS = ['reviewWithinDays', 'noOnwardSharingWithoutConsent', 'minimumHandlingCode']
const RULE_ID = /^[A-Z0-9]+(-[A-Z0-9]+)+$/
// A hundred years; a longer review period is a typo.
const MAX_REVIEW_DAYS = 36500

/** Keys that only some effects take. */
const EFFECT_PARAMETERS: Readonly<Record<string, readonly RuleEffect[]>> = {
  refusalGround: ['deny'],
  fields: ['redact'],
  withholdLinks: ['redact'],
  approval: ['require-approval'],
  attach: ['attach']
}

/**
 * Checks one rule of a section and compiles its conditions.
 *
 * @throws PolicyInvalidError naming file, line, column, rule and the problem.
 */
export function checkRule (value: unknown, section: Section, index: number, context: RuleContext): CompiledRule {
  const pointer = jsonPointer(section, index)
  const site = (path: ReadonlyArray<string | number>, rule?: string): ProblemSite => ({
    document: context.document,
    pointer: pointer + jsonPointer(...path),
    ...(rule === undefined ? {} : { rule })
  })
  if (!isObject(value)) fail(site([]), 'a rule must be a JSON object')

  const id = value.id
  const label = typeof id === 'string' && id !== '' ? id : `#${index + 1}`
  if (typeof id !== 'string' || !RULE_ID.test(id)) {
    fail(site(['id'], label), `rule id must be upper-case words and digits joined by "-", such as "${context.jurisdiction}-ONW-01", got ${JSON.stringify(id)}`)
  }
  const at = (...path: Array<string | number>): ProblemSite => site(path, id)
  rejectUnknownKeys(value, RULE_KEYS, at)

  const appliesTo = checkRecordTypes(value.appliesTo, at('appliesTo'), false)
  const types = appliesTo ?? RECORD_TYPES
  const title = value.title
  if (typeof title !== 'string' || title.trim() === '') fail(at('title'), 'must be a non-empty plain-language sentence')
  const sources = checkSources(value.sources, at, context.allowMissingSources)

  const effect = value.effect
  if (!(RULE_EFFECTS as readonly unknown[]).includes(effect)) fail(at('effect'), `must be one of ${RULE_EFFECTS.join(', ')}, got ${JSON.stringify(effect)}`)
  if ((section === 'index' || section === 'initiative') && effect !== 'permit' && effect !== 'deny') {
    fail(at('effect'), section === 'index'
      ? 'an index rule can only permit or deny, because the hit index holds no record content to remove or condition'
      : 'an initiative rule only says whether a record is relevant to a peer (permit) or must not be proposed (deny); what may leave, and how, is for the outbound section')
  }
  if (section === 'inbound' && effect === 'redact') {
    fail(at('effect'), 'an inbound rule cannot redact, because a received record keeps its originator\'s signature and the node stores it whole; deny it or require approval instead')
  }
  for (const [key, effects] of Object.entries(EFFECT_PARAMETERS)) {
    if (value[key] !== undefined && !effects.includes(effect as RuleEffect)) fail({ ...at(key), key: true }, `only a ${effects.join(' or ')} rule takes "${key}"`)
  }

  if (!('when' in value)) fail(at(), 'missing "when"; write "true" to match every record the rule applies to')
  const whenSite = at('when')
  const condition = compileCondition(value.when, { section, types, environments: context.environments }, whenSite)

  const rule: { -readonly [K in keyof PolicyRule]: PolicyRule[K] } = {
    id,
    section,
    title,
    sources,
    when: condition.source,
    effect: effect as RuleEffect,
    file: context.document.file,
    position: context.document.locateInString(whenSite.pointer, 0)
  }
  if (appliesTo !== undefined) rule.appliesTo = appliesTo

  let links: CompiledLink[] = []
  if (effect === 'deny' && value.refusalGround !== undefined) rule.refusalGround = checkRefusalGround(value.refusalGround, at('refusalGround'))
  if (effect === 'redact') {
    if (value.fields === undefined && value.withholdLinks === undefined) fail(at(), 'a redact rule needs "fields" to remove, "withholdLinks", or both')
    if (value.fields !== undefined) rule.fields = checkRedactFields(value.fields, types, context.catalogue, at)
    if (value.withholdLinks !== undefined) {
      links = checkLinkRedactions(value.withholdLinks, section, types, context, at)
      rule.withholdLinks = links.map(link => link.spec)
    }
  }
  if (effect === 'require-approval') rule.approval = checkApproval(value.approval, at)
  if (effect === 'attach') rule.attach = checkAttach(value.attach, at)

  return { rule, condition, links, reason: reasonOf(rule) }
}

function reasonOf (rule: PolicyRule): DecisionReason {
  const reason: { -readonly [K in keyof DecisionReason]: DecisionReason[K] } = {
    ruleId: rule.id,
    title: rule.title,
    effect: rule.effect,
    citation: formatCitation(rule.sources),
    checked: rule.sources.length > 0 && rule.sources.every(source => source.checked)
  }
  if (rule.refusalGround !== undefined) reason.refusalGround = rule.refusalGround
  if (rule.approval !== undefined) reason.approval = rule.approval
  if (rule.attach !== undefined) reason.attach = rule.attach
  return Object.freeze(reason)
}

function rejectUnknownKeys (value: Record<string, unknown>, allowed: readonly string[], at: (...path: Array<string | number>) => ProblemSite, prefix: Array<string | number> = []): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) fail({ ...at(...prefix, key), key: true }, `unknown key "${key}"; allowed keys: ${allowed.join(', ')}`)
  }
}

function checkRecordTypes (value: unknown, site: ProblemSite, required: boolean): RecordType[] | undefined {
  if (value === undefined && !required) return undefined
  if (!Array.isArray(value) || value.length === 0) {
    fail(site, required ? 'must be a non-empty list of record types' : 'must be a non-empty list of record types; leave it out to apply to every type')
  }
  value.forEach((type, index) => {
    const itemSite = { ...site, pointer: `${site.pointer}/${index}` }
    if (!(RECORD_TYPES as readonly unknown[]).includes(type)) fail(itemSite, `unknown record type ${JSON.stringify(type)}; use one of ${RECORD_TYPES.join(', ')}`)
    if (value.indexOf(type) !== index) fail(itemSite, `record type ${String(type)} is listed twice`)
  })
  return [...value] as RecordType[]
}

/** Checks the `sources` list of a rule; hit query rules use it too. */
export function checkSources (value: unknown, at: (...path: Array<string | number>) => ProblemSite, allowMissing: boolean): RuleSource[] {
  if (value === undefined && allowMissing) return []
  if (!Array.isArray(value) || (value.length === 0 && !allowMissing)) {
    fail(at('sources'), 'must be a non-empty list of legal sources, each with act, article and checked')
  }

  return value.map((source, index) => {
    if (!isObject(source)) fail(at('sources', index), 'a source must be an object with act, article, paragraph, ruleRef and checked')
    rejectUnknownKeys(source, SOURCE_KEYS, at, ['sources', index])
    for (const key of ['act', 'article']) {
      const text = source[key]
      if (typeof text !== 'string' || text.trim() === '') fail(at('sources', index, key), 'must be a non-empty string')
    }
    for (const key of ['paragraph', 'ruleRef']) {
      const text = source[key]
      if (text !== undefined && (typeof text !== 'string' || text.trim() === '')) fail(at('sources', index, key), 'must be a non-empty string when present')
    }
    if (typeof source.checked !== 'boolean') {
      fail(at('sources', index, 'checked'), 'must be true when the wording was seen in the official text or a faithful copy, otherwise false')
    }

    const checked: { -readonly [K in keyof RuleSource]: RuleSource[K] } = { act: source.act as string, article: source.article as string, checked: source.checked }
    if (typeof source.paragraph === 'string') checked.paragraph = source.paragraph
    if (typeof source.ruleRef === 'string') checked.ruleRef = source.ruleRef
    return checked
  })
}

function checkRefusalGround (value: unknown, site: ProblemSite): RefusalGround {
  if (!(REFUSAL_GROUNDS as readonly unknown[]).includes(value)) {
    fail(site, `${JSON.stringify(value)} is not a refusal ground of Directive (EU) 2023/977 Art. 6(1); use one of ${REFUSAL_GROUNDS.join(', ')}`)
  }
  return value as RefusalGround
}

/** Fields of a redact rule must exist in some type in scope, and no type in scope may require them. */
function checkRedactFields (value: unknown, types: readonly RecordType[], catalogue: FieldCatalogue, at: (...path: Array<string | number>) => ProblemSite): string[] {
  if (!Array.isArray(value) || value.length === 0) fail(at('fields'), 'must be a non-empty list of dotted field paths to remove')

  value.forEach((path, index) => {
    const site = at('fields', index)
    if (typeof path !== 'string') fail(site, `must be a dotted field path, got ${JSON.stringify(path)}`)
    if (value.indexOf(path) !== index) fail(site, `field "${path}" is listed twice`)
    for (const [type, field] of fieldInTypes(path, types, catalogue, site)) {
      if (field.required) fail(site, `field "${path}" is required by the ${type} schema, so removing it would make the record invalid; narrow appliesTo or remove a different field`)
    }
  })
  return [...value] as string[]
}

/** Returns the field as each type in scope defines it; fails when no type in scope defines it. */
function fieldInTypes (path: string, types: readonly RecordType[], catalogue: FieldCatalogue, site: ProblemSite): Array<[RecordType, FieldInfo]> {
  const found = types.flatMap(type => {
    const field = catalogue.fields.get(type)?.get(path)
    return field === undefined ? [] : [[type, field] as [RecordType, FieldInfo]]
  })
  if (found.length > 0) return found
  const where = types.length === 1 ? `the ${types[0]} schema` : `the schemas of ${types.join(', ')}`
  fail(site, `field "${path}" is not defined by ${where}; check its spelling and the rule's appliesTo`)
}

function checkLinkRedactions (
  value: unknown, section: Section, types: readonly RecordType[], context: RuleContext, at: (...path: Array<string | number>) => ProblemSite
): CompiledLink[] {
  if (!Array.isArray(value) || value.length === 0) fail(at('withholdLinks'), 'must be a non-empty list of { field, linkedTypes, when }')

  return value.map((entry, index) => {
    const site = (...path: Array<string | number>): ProblemSite => at('withholdLinks', index, ...path)
    if (!isObject(entry)) fail(site(), 'must be an object with field, linkedTypes and when')
    rejectUnknownKeys(entry, LINK_KEYS, at, ['withholdLinks', index])

    const field = entry.field
    if (typeof field !== 'string') fail(site('field'), `must name a field that holds links to records, got ${JSON.stringify(field)}`)
    for (const [type, info] of fieldInTypes(field, types, context.catalogue, site('field'))) {
      const linkShape = info.types.has('array') ? info.items : info
      if (!isRecordIdPattern(linkShape?.pattern)) fail(site('field'), `field "${field}" of the ${type} schema does not hold record ids, so it has no links to withhold`)
      if (info.required) fail(site('field'), `field "${field}" is required by the ${type} schema, so its links cannot be withheld`)
    }

    const linkedTypes = checkRecordTypes(entry.linkedTypes, site('linkedTypes'), true) as RecordType[]
    if (!('when' in entry)) fail(site(), 'missing "when", the condition on the linked record (`linked`) under which its link is withheld')
    const condition = compileCondition(entry.when, { section, types, linkedTypes, environments: context.environments }, site('when'))
    return { spec: { field, linkedTypes, when: condition.source }, condition, idTypes: new Set(linkedTypes.map(type => type.toLowerCase())) }
  })
}

function isRecordIdPattern (pattern: string | undefined): boolean {
  return pattern !== undefined && pattern.startsWith('^urn:nfp:')
}

function checkApproval (value: unknown, at: (...path: Array<string | number>) => ProblemSite): ApprovalSpec {
  if (!isObject(value)) fail(at('approval'), 'a require-approval rule needs "approval": { "reason": "…", "approvers": ["prosecutor"] }')
  rejectUnknownKeys(value, APPROVAL_KEYS, at, ['approval'])
  if (typeof value.reason !== 'string' || value.reason.trim() === '') fail(at('approval', 'reason'), 'must say in plain language why a person must approve')
  const approvers = value.approvers
  if (!Array.isArray(approvers) || approvers.length === 0) fail(at('approval', 'approvers'), `must be a non-empty list of ${APPROVER_ROLES.join(', ')}`)
  approvers.forEach((role, index) => {
    if (!(APPROVER_ROLES as readonly unknown[]).includes(role)) fail(at('approval', 'approvers', index), `unknown approver ${JSON.stringify(role)}; use one of ${APPROVER_ROLES.join(', ')}`)
    if (approvers.indexOf(role) !== index) fail(at('approval', 'approvers', index), `approver ${String(role)} is listed twice`)
  })
  return { reason: value.reason, approvers: [...approvers] as ApprovalSpec['approvers'] }
}

function checkAttach (value: unknown, at: (...path: Array<string | number>) => ProblemSite): AttachSpec {
  if (!isObject(value) || Object.keys(value).length === 0) {
    fail(at('attach'), `an attach rule needs "attach" with at least one of ${ATTACH_KEYS.join(', ')}`)
  }
  rejectUnknownKeys(value, ATTACH_KEYS, at, ['attach'])
  const spec: { -readonly [K in keyof AttachSpec]: AttachSpec[K] } = {}

  const days = value.reviewWithinDays
  if (days !== undefined) {
    if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > MAX_REVIEW_DAYS) {
      fail(at('attach', 'reviewWithinDays'), `must be a whole number of days from 1 to ${MAX_REVIEW_DAYS}, got ${JSON.stringify(days)}`)
    }
    spec.reviewWithinDays = days
  }
  const noOnward = value.noOnwardSharingWithoutConsent
  if (noOnward !== undefined) {
    // false would read as permission to share on, which an attach rule can never give.
    if (noOnward !== true) fail(at('attach', 'noOnwardSharingWithoutConsent'), 'must be true; an attach rule only adds restrictions, so leave the key out instead of writing false')
    spec.noOnwardSharingWithoutConsent = true
  }
  const code = value.minimumHandlingCode
  if (code !== undefined) {
    if (code !== 'H1' && code !== 'H2') {
      fail(at('attach', 'minimumHandlingCode'), `must be "H1" or "H2", got ${JSON.stringify(code)}; H3 needs free-text conditions that a person writes`)
    }
    spec.minimumHandlingCode = code
  }
  return spec
}
