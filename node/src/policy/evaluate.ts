import { RECORD_TYPES } from '../../../protocol/src/index.ts'
import { isValidDate, isValidDateTime } from './check-condition.ts'
import type {
  Condition,
  DecisionReason,
  FieldCondition,
  Operand,
  OutboundContext,
  OutboundDecision,
  PolicyModule,
  PolicyRule,
  RuleError,
  Variable
} from './types.ts'

const COUNTRY_CODE = /^[A-Z]{2}$/

/**
 * Decides whether `record` may be sent to `context.recipient`, under `module` (the sending
 * node's own module, with the modules it extends).
 *
 * A matching deny rule beats every permit rule. Without a matching permit rule the record is
 * denied by default (reason `DEFAULT-DENY`). Matching redact rules add the fields the record
 * has to `removedFields`, but never permit by themselves. A rule that cannot be evaluated,
 * for example because a field has a value of an unexpected type, is listed in `errors`
 * and counts as a matching deny. An invalid record type or context gives a deny with the
 * reason `INVALID-INPUT`. This function never throws.
 */
export function evaluateOutbound (module: PolicyModule, record: unknown, context: OutboundContext): OutboundDecision {
  const moduleInfo = describeModule(module)
  const inputProblem = findInputProblem(record, context)
  if (inputProblem !== undefined) {
    return {
      effect: 'deny',
      removedFields: [],
      reasons: [invalidInputReason()],
      errors: [{ ruleId: INVALID_INPUT, message: inputProblem }],
      module: moduleInfo
    }
  }

  const fields = record as Record<string, unknown>
  const variables = variablesOf(context)
  const denies: DecisionReason[] = []
  const allowing: DecisionReason[] = []
  const errors: RuleError[] = []

  for (const rule of module.rules) {
    if (rule.appliesTo !== undefined && !(rule.appliesTo as readonly unknown[]).includes(fields.type)) continue

    let outcome: { matched: boolean, present: string[] }
    try {
      outcome = applyRule(rule, fields, variables)
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      errors.push({ ruleId: rule.id, message })
      denies.push(reasonFor(rule, { effect: 'deny', error: message }))
      continue
    }

    if (!outcome.matched) continue
    if (rule.effect === 'deny') denies.push(reasonFor(rule, {}))
    else if (rule.effect === 'permit') allowing.push(reasonFor(rule, {}))
    else allowing.push(reasonFor(rule, { fields: outcome.present }))
  }

  if (denies.length > 0) return { effect: 'deny', removedFields: [], reasons: denies, errors, module: moduleInfo }
  if (!allowing.some(reason => reason.effect === 'permit')) {
    return { effect: 'deny', removedFields: [], reasons: [defaultDenyReason(module)], errors, module: moduleInfo }
  }

  const removedFields = [...new Set(allowing.flatMap(reason => reason.fields ?? []))]
  return { effect: 'permit', removedFields, reasons: allowing, errors, module: moduleInfo }
}

/** Pseudo-rule id of a deny caused by an invalid record type or context. */
const INVALID_INPUT = 'INVALID-INPUT'

/** Pseudo-rule id of a deny because no permit rule matched. */
const DEFAULT_DENY = 'DEFAULT-DENY'

function applyRule (rule: PolicyRule, record: Record<string, unknown>, variables: VariableValues): { matched: boolean, present: string[] } {
  const matched = matches(rule.when, record, variables)
  const present = matched && rule.effect === 'redact'
    ? (rule.fields ?? []).filter(path => readField(record, path) !== undefined)
    : []
  return { matched, present }
}

type VariableValues = Readonly<Record<Variable, string>>

// The date is taken in UTC, so a record due for review "today" in a time zone east of UTC
// counts as due only once that date has begun in UTC.
function variablesOf (context: OutboundContext): VariableValues {
  const dateTime = context.now.toISOString()
  return {
    '$self.jurisdiction': context.self.jurisdiction,
    '$recipient.jurisdiction': context.recipient.jurisdiction,
    '$now.date': dateTime.slice(0, 10),
    '$now.dateTime': dateTime
  }
}

function findInputProblem (record: unknown, context: OutboundContext): string | undefined {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) return 'record must be a JSON object'
  const type = (record as Record<string, unknown>).type
  if (!(RECORD_TYPES as readonly unknown[]).includes(type)) {
    return `record type ${JSON.stringify(type ?? null)} is not one of ${RECORD_TYPES.join(', ')}`
  }

  const self = context?.self?.jurisdiction
  if (typeof self !== 'string' || !COUNTRY_CODE.test(self)) return `self jurisdiction must be an upper-case country code, got ${JSON.stringify(self ?? null)}`
  const recipient = context.recipient?.jurisdiction
  if (typeof recipient !== 'string' || !COUNTRY_CODE.test(recipient)) {
    return `recipient jurisdiction must be an upper-case country code, got ${JSON.stringify(recipient ?? null)}`
  }
  if (!(context.now instanceof Date) || Number.isNaN(context.now.getTime())) return 'now must be a valid Date'
  return undefined
}

function matches (condition: Condition, record: Record<string, unknown>, variables: VariableValues): boolean {
  if (condition === true) return true
  if ('all' in condition) return condition.all.every(part => matches(part, record, variables))
  if ('any' in condition) return condition.any.some(part => matches(part, record, variables))
  if ('not' in condition) return !matches(condition.not, record, variables)
  return testField(condition, record, variables)
}

/**
 * Tests one field. A field the record lacks makes every operator except `exists` false, so
 * `notEquals` on a missing field is false as well.
 */
function testField (condition: FieldCondition, record: Record<string, unknown>, variables: VariableValues): boolean {
  const path = condition.field
  const value = readField(record, path)
  if ('exists' in condition) return (value !== undefined && value !== null) === condition.exists
  if (value === undefined || value === null) return false

  if ('equals' in condition) return equalsScalar(path, value, resolve(condition.equals, variables))
  if ('notEquals' in condition) return !equalsScalar(path, value, resolve(condition.notEquals, variables))
  if ('in' in condition) return isOneOf(path, value, condition.in.map(item => resolve(item, variables)))
  if ('contains' in condition) return listContains(path, value, resolve(condition.contains, variables))
  return isBefore(path, value, resolve(condition.before, variables) as string)
}

function resolve (operand: Operand, variables: VariableValues): Operand {
  return typeof operand === 'string' && operand.startsWith('$') ? variables[operand as Variable] : operand
}

function equalsScalar (path: string, value: unknown, operand: Operand): boolean {
  requireScalar(path, value)
  if (typeof value !== typeof operand) {
    throw new Error(`field "${path}" is the ${typeof value} ${JSON.stringify(value)}, but the rule compares it with the ${typeof operand} ${JSON.stringify(operand)}`)
  }
  return value === operand
}

function isOneOf (path: string, value: unknown, operands: Operand[]): boolean {
  requireScalar(path, value)
  if (!operands.some(operand => typeof operand === typeof value)) {
    throw new Error(`field "${path}" is the ${typeof value} ${JSON.stringify(value)}, but the rule compares it with values of another type`)
  }
  return operands.includes(value as Operand)
}

function listContains (path: string, value: unknown, operand: Operand): boolean {
  if (!Array.isArray(value)) throw new Error(`field "${path}" must be a list, got ${JSON.stringify(value)}`)
  const stranger = value.find(item => typeof item !== typeof operand)
  if (stranger !== undefined) {
    throw new Error(`list field "${path}" contains ${JSON.stringify(stranger)}, but the rule looks for the ${typeof operand} ${JSON.stringify(operand)}`)
  }
  return value.includes(operand)
}

/** Compares dates as YYYY-MM-DD text and date-times as instants, so time zones are respected. */
function isBefore (path: string, value: unknown, operand: string): boolean {
  if (isValidDate(operand)) {
    if (typeof value !== 'string' || !isValidDate(value)) throw new Error(`field "${path}" must be a date (YYYY-MM-DD), got ${JSON.stringify(value)}`)
    return value < operand
  }
  if (typeof value !== 'string' || !isValidDateTime(value)) {
    throw new Error(`field "${path}" must be a date-time with a time zone, got ${JSON.stringify(value)}`)
  }
  return Date.parse(value) < Date.parse(operand)
}

function requireScalar (path: string, value: unknown): void {
  if (typeof value === 'object') throw new Error(`field "${path}" must be a single value, got ${JSON.stringify(value)}`)
}

/**
 * Reads a dotted path. Returns undefined when a step is missing.
 *
 * @throws Error when a step other than the last is not an object.
 */
function readField (record: Record<string, unknown>, path: string): unknown {
  let current: unknown = record
  const parts = path.split('.')
  for (const [index, part] of parts.entries()) {
    if (current === undefined || current === null) return undefined
    if (typeof current !== 'object' || Array.isArray(current)) {
      throw new Error(`field "${parts.slice(0, index).join('.')}" must be an object to read "${path}", got ${JSON.stringify(current)}`)
    }
    current = Object.hasOwn(current, part) ? (current as Record<string, unknown>)[part] : undefined
  }
  return current
}

function reasonFor (rule: PolicyRule, extra: { effect?: 'deny', fields?: string[], error?: string }): DecisionReason {
  const reason: { -readonly [K in keyof DecisionReason]: DecisionReason[K] } = {
    ruleId: rule.id,
    title: rule.title,
    effect: extra.effect ?? rule.effect,
    citation: formatCitation(rule),
    checked: rule.sources.every(source => source.checked)
  }
  if (rule.refusalGround !== undefined) reason.refusalGround = rule.refusalGround
  if (extra.fields !== undefined) reason.fields = extra.fields
  if (extra.error !== undefined) reason.error = extra.error
  return reason
}

/** Formats sources as `Act Article [ruleRef] (checked)`, joined with "; ". */
function formatCitation (rule: PolicyRule): string {
  return rule.sources.map(source => {
    const ruleRef = source.ruleRef === undefined ? '' : ` [${source.ruleRef}]`
    return `${source.act} ${source.article}${ruleRef} (${source.checked ? 'checked' : 'not checked'})`
  }).join('; ')
}

function defaultDenyReason (module: PolicyModule): DecisionReason {
  return {
    ruleId: DEFAULT_DENY,
    title: `no permit rule of policy module ${module.jurisdiction} ${module.version} matched, and a record is denied unless one does`,
    effect: 'deny',
    citation: 'design rule: deny by default',
    checked: false
  }
}

function invalidInputReason (): DecisionReason {
  return {
    ruleId: INVALID_INPUT,
    title: 'the record or the decision context is invalid, so no rule could be evaluated',
    effect: 'deny',
    citation: 'design rule: deny what cannot be evaluated',
    checked: false
  }
}

function describeModule (module: PolicyModule): OutboundDecision['module'] {
  const bases: Array<{ jurisdiction: string, version: string }> = []
  for (let base = module.base; base !== undefined; base = base.base) bases.push({ jurisdiction: base.jurisdiction, version: base.version })
  return { jurisdiction: module.jurisdiction, version: module.version, extends: bases }
}
