import { RECORD_TYPES } from '../../../protocol/src/index.ts'
import type { RecordType } from '../../../protocol/src/index.ts'
import { checkCondition, fail, isObject, lookUpField } from './check-condition.ts'
import type { CheckScope } from './check-condition.ts'
import type { FieldCatalogue } from './schema-fields.ts'
import { REFUSAL_GROUNDS } from './types.ts'
import type { PolicyRule, RefusalGround, RuleEffect, RuleSource } from './types.ts'

/** The content of one module file after checking, before its base module is resolved. */
export interface ModuleDocument {
  readonly jurisdiction: string
  readonly name: string
  readonly version: string
  readonly extends?: string
  readonly rules: readonly PolicyRule[]
}

const MODULE_KEYS = ['jurisdiction', 'name', 'version', 'extends', 'rules']
const RULE_KEYS = ['id', 'title', 'source', 'appliesTo', 'when', 'effect', 'refusalGround', 'fields']
const SOURCE_KEYS = ['act', 'article', 'ruleRef', 'checked']
const EFFECTS: readonly RuleEffect[] = ['permit', 'deny', 'redact']

/** Module folder names: lower-case jurisdiction codes such as `eu` or `se`. */
export const MODULE_NAME = /^[a-z]{2}$/
// A date and a sequence number, so that versions sort in the order they were issued.
const VERSION = /^\d{4}-\d{2}-\d{2}\.\d+$/
const RULE_ID = /^[A-Z0-9]+(-[A-Z0-9]+)+$/

/**
 * Checks the parsed content of `<name>/module.json` and returns its rules in a normalised form.
 *
 * @throws PolicyInvalidError naming the file, the rule and the problem. Rules from the
 *   module named in `extends` are not checked here.
 */
export function checkModuleDocument (document: unknown, file: string, name: string, catalogue: FieldCatalogue): ModuleDocument {
  const scope = { file }
  if (!isObject(document)) fail(scope, '(module)', 'a policy module must be a JSON object')
  rejectUnknownKeys(document, MODULE_KEYS, '', scope)

  const jurisdiction = document.jurisdiction
  if (typeof jurisdiction !== 'string' || jurisdiction !== name.toUpperCase()) {
    fail(scope, 'jurisdiction', `must be "${name.toUpperCase()}" to match the folder name "${name}", got ${JSON.stringify(jurisdiction)}`)
  }
  const title = document.name
  if (typeof title !== 'string' || title.trim() === '') fail(scope, 'name', 'must be a non-empty string')
  const version = document.version
  if (typeof version !== 'string' || !VERSION.test(version)) {
    fail(scope, 'version', `must be a date and a sequence number such as "2026-12-04.1", got ${JSON.stringify(version)}`)
  }
  const base = document.extends
  if (base !== undefined && (typeof base !== 'string' || !MODULE_NAME.test(base))) {
    fail(scope, 'extends', `must be the folder name of another module, such as "eu", got ${JSON.stringify(base)}`)
  }
  if (!Array.isArray(document.rules)) fail(scope, 'rules', 'must be a list of rules (it may be empty)')

  const rules = document.rules.map((rule, index) => checkRule(rule, index, jurisdiction, file, catalogue))
  rejectDuplicateIds(rules, file)

  const result = { jurisdiction, name: title, version, rules }
  return base === undefined ? result : { ...result, extends: base }
}

function checkRule (rule: unknown, index: number, jurisdiction: string, file: string, catalogue: FieldCatalogue): PolicyRule {
  const at = `rules[${index}]`
  if (!isObject(rule)) fail({ file }, at, 'a rule must be a JSON object')

  const id = rule.id
  const label = typeof id === 'string' && id !== '' ? id : `#${index + 1}`
  if (typeof id !== 'string' || !RULE_ID.test(id)) {
    fail({ file, rule: label }, `${at}.id`, `rule id must be upper-case words and digits joined by "-", such as "${jurisdiction}-ONW-01", got ${JSON.stringify(id)}`)
  }

  rejectUnknownKeys(rule, RULE_KEYS, `${at}.`, { file, rule: id })
  const appliesTo = checkAppliesTo(rule.appliesTo, `${at}.appliesTo`, { file, rule: id })
  const scope: CheckScope = { file, rule: id, types: appliesTo ?? RECORD_TYPES, catalogue }

  const title = rule.title
  if (typeof title !== 'string' || title.trim() === '') fail(scope, `${at}.title`, 'must be a non-empty plain-language sentence')
  const sources = checkSources(rule.source, `${at}.source`, scope)

  if (!('when' in rule)) fail(scope, `${at}.when`, 'missing condition; write true to match every record')
  const when = checkCondition(rule.when, `${at}.when`, scope)

  const effect = rule.effect
  if (!EFFECTS.includes(effect as RuleEffect)) fail(scope, `${at}.effect`, `must be one of ${EFFECTS.join(', ')}, got ${JSON.stringify(effect)}`)

  const checked: { -readonly [K in keyof PolicyRule]: PolicyRule[K] } = { id, title, sources, when, effect: effect as RuleEffect, file }
  if (appliesTo !== undefined) checked.appliesTo = appliesTo

  if (rule.refusalGround !== undefined) {
    if (effect !== 'deny') fail(scope, `${at}.refusalGround`, 'only a deny rule has a refusal ground')
    if (!(REFUSAL_GROUNDS as readonly unknown[]).includes(rule.refusalGround)) {
      fail(scope, `${at}.refusalGround`, `${JSON.stringify(rule.refusalGround)} is not a refusal ground of Directive (EU) 2023/977 Art. 6(1); use one of ${REFUSAL_GROUNDS.join(', ')}`)
    }
    checked.refusalGround = rule.refusalGround as RefusalGround
  }

  if (effect === 'redact') checked.fields = checkRedactFields(rule.fields, `${at}.fields`, scope)
  else if (rule.fields !== undefined) fail(scope, `${at}.fields`, 'only a redact rule names fields to remove')

  return checked
}

function rejectDuplicateIds (rules: readonly PolicyRule[], file: string): void {
  const seen = new Map<string, number>()
  rules.forEach((rule, index) => {
    const first = seen.get(rule.id)
    if (first !== undefined) fail({ file, rule: rule.id }, `rules[${index}].id`, `duplicate rule id; rules[${first}] already uses it`)
    seen.set(rule.id, index)
  })
}

function checkAppliesTo (value: unknown, at: string, scope: { file: string, rule: string }): RecordType[] | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value) || value.length === 0) fail(scope, at, 'must be a non-empty list of record types; leave it out to apply to every type')
  value.forEach((type, index) => {
    if (!(RECORD_TYPES as readonly unknown[]).includes(type)) {
      fail(scope, `${at}[${index}]`, `unknown record type ${JSON.stringify(type)}; use one of ${RECORD_TYPES.join(', ')}`)
    }
    if (value.indexOf(type) !== index) fail(scope, `${at}[${index}]`, `record type ${String(type)} is listed twice`)
  })
  return [...value] as RecordType[]
}

function checkSources (value: unknown, at: string, scope: CheckScope): RuleSource[] {
  const list = Array.isArray(value) ? value : [value]
  if (value === undefined || list.length === 0) fail(scope, at, 'missing legal source; give act, article and checked')

  return list.map((source, index) => {
    const sourceAt = Array.isArray(value) ? `${at}[${index}]` : at
    if (!isObject(source)) fail(scope, sourceAt, 'a source must be an object with act, article, ruleRef and checked')
    rejectUnknownKeys(source, SOURCE_KEYS, `${sourceAt}.`, scope)

    for (const key of ['act', 'article']) {
      const text = source[key]
      if (typeof text !== 'string' || text.trim() === '') fail(scope, `${sourceAt}.${key}`, 'must be a non-empty string')
    }
    if (source.ruleRef !== undefined && (typeof source.ruleRef !== 'string' || source.ruleRef.trim() === '')) {
      fail(scope, `${sourceAt}.ruleRef`, 'must be a non-empty string when present')
    }
    if (typeof source.checked !== 'boolean') {
      fail(scope, `${sourceAt}.checked`, 'must be true when the wording was seen in the official text or a faithful copy, otherwise false')
    }

    const checked: RuleSource = { act: source.act as string, article: source.article as string, checked: source.checked }
    return typeof source.ruleRef === 'string' ? { ...checked, ruleRef: source.ruleRef } : checked
  })
}

/** Fields of a redact rule must exist in scope, and no type in scope may require them. */
function checkRedactFields (value: unknown, at: string, scope: CheckScope): string[] {
  if (!Array.isArray(value) || value.length === 0) fail(scope, at, 'a redact rule must name a non-empty list of fields to remove')

  value.forEach((path, index) => {
    const pathAt = `${at}[${index}]`
    if (typeof path !== 'string') fail(scope, pathAt, `must be a dotted field path, got ${JSON.stringify(path)}`)
    if (value.indexOf(path) !== index) fail(scope, pathAt, `field "${path}" is listed twice`)

    for (const field of lookUpField(path, pathAt, scope)) {
      if (field.required) {
        const type = scope.types.find(name => scope.catalogue.get(name)?.get(path) === field)
        fail(scope, pathAt, `field "${path}" is required by the ${type} schema, so removing it would make the record invalid; narrow appliesTo or remove a different field`)
      }
    }
  })
  return [...value] as string[]
}

function rejectUnknownKeys (value: Record<string, unknown>, allowed: readonly string[], prefix: string, scope: { file: string, rule?: string }): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) fail(scope, `${prefix}${key}`, `unknown key "${key}"; allowed keys: ${allowed.join(', ')}`)
  }
}
