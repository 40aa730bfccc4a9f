import { RECORD_TYPES } from '../../../protocol/src/index.ts'
import type { RecordType } from '../../../protocol/src/index.ts'
import { compiledModuleOf } from './compiled.ts'
import type { CompiledRule } from './compiled.ts'
import { explainDecision } from './explain.ts'
import type { ExplanationSubject } from './explain.ts'
import { policyEnvironment } from './module.ts'
import { DEFAULT_DENY_REASON, engineErrorReason, invalidInputReason } from './pseudo-rules.ts'
import { createRuntimeConverter } from './runtime-values.ts'
import type { RuntimeConverter } from './runtime-values.ts'
import { HANDLING_CODE_ORDER } from './types.ts'
import type {
  ApprovalRequirement, AttachedConditions, Decision, DecisionEffect, DecisionModule, DecisionReason, HandlingCode,
  InformationRequest, LinkedRecords, Party, PolicyModule, RuleError, Section, WithheldLink
} from './types.ts'

/** Everything one decision reads, whatever its section. */
export interface DecisionInput {
  readonly section: Section
  readonly record: unknown
  readonly self: Party
  /** The recipient (outbound), the sender (inbound) or the requester (request). */
  readonly counterpart: Party
  readonly request?: InformationRequest
  readonly now: Date
  readonly linked?: LinkedRecords
  /** Error from reading the caller's context; it makes the decision a deny. */
  readonly readError?: string
}

/** Outcome of each rule's condition in one decision, for coverage reports. */
export interface RuleTrace {
  readonly fired: Set<string>
  readonly notFired: Set<string>
  readonly failed: Set<string>
}

const COUNTRY_CODE = /^[A-Z]{2}$/
const DAY_MS = 86_400_000
const NO_ATTACHED: AttachedConditions = Object.freeze({ rules: Object.freeze([]) as readonly string[] })

let convertRecord: RuntimeConverter | undefined

/**
 * Decides one record under one section of a module. A matching deny beats everything,
 * require-approval beats permit, and without a matching permit the record is denied
 * (`DEFAULT-DENY`). Redact and attach rules add to a permit but never permit by themselves.
 * A rule whose condition fails to evaluate is listed in `errors` and counts as a matching
 * deny. Invalid input gives a deny with the reason `INVALID-INPUT`. Every failure inside is
 * caught and becomes a deny (`ENGINE-ERROR`), so this function never throws.
 */
export function decide (module: PolicyModule, input: DecisionInput, trace?: RuleTrace): Decision {
  let moduleInfo: DecisionModule = { jurisdiction: '?', version: '?', hash: '?', extends: [] }
  try {
    moduleInfo = describeModule(module)
    const problem = findInputProblem(module, input)
    if (problem !== undefined) return denyFor(input, moduleInfo, invalidInputReason(problem))
    return evaluateRules(input, moduleInfo, module, trace)
  } catch (error) {
    return denyFor(input, moduleInfo, engineErrorReason(error instanceof Error ? error.message : String(error)))
  }
}

function evaluateRules (input: DecisionInput, moduleInfo: DecisionModule, module: PolicyModule, trace: RuleTrace | undefined): Decision {
  const record = input.record as Record<string, unknown>
  const type = record.type as RecordType
  const compiledSection = compiledModuleOf(module)?.get(input.section)?.get(type)
  const rules = compiledSection?.rules ?? []
  convertRecord ??= createRuntimeConverter(policyEnvironment().catalogue)
  const variables = variablesOf(input, compiledSection?.convertIntegers === true ? convertRecord(record, type) : record)

  const denies: DecisionReason[] = []
  const allowing: CompiledRule[] = []
  const errors: RuleError[] = []
  const withheld = new Map<string, WithheldLink>()
  const withheldBy = new Map<string, string[]>()

  for (const compiled of rules) {
    const { rule } = compiled
    try {
      const matched = compiled.condition.alwaysTrue || compiled.condition.evaluate(variables) === true
      if (matched) trace?.fired.add(rule.id)
      else trace?.notFired.add(rule.id)
      if (!matched) continue
      if (rule.effect === 'deny') denies.push(compiled.reason)
      else allowing.push(compiled)
      if (compiled.links.length > 0) withholdLinks(compiled, record, variables, input.linked, withheld, withheldBy)
    } catch (error) {
      trace?.failed.add(rule.id)
      const message = error instanceof Error ? (error.message.split('\n')[0] as string) : String(error)
      errors.push({ ruleId: rule.id, message })
      denies.push({ ...compiled.reason, effect: 'deny', error: message })
    }
  }

  if (denies.length > 0) return finish(input, moduleInfo, { effect: 'deny', reasons: denies, errors })
  if (!allowing.some(({ rule }) => rule.effect === 'permit')) return finish(input, moduleInfo, { effect: 'deny', reasons: [DEFAULT_DENY_REASON], errors })

  // A redact rule that found nothing to remove in this record did not shape the decision, so it is not a reason.
  const removedFields = new Set<string>()
  const reasons = allowing.flatMap(compiled => {
    if (compiled.rule.effect !== 'redact') return [compiled.reason]
    const fields = (compiled.rule.fields ?? []).filter(path => readField(record, path) !== undefined)
    for (const field of fields) removedFields.add(field)
    const links = withheldBy.get(compiled.rule.id)
    if (fields.length === 0 && links === undefined) return []
    const reason: { -readonly [K in keyof DecisionReason]: DecisionReason[K] } = { ...compiled.reason }
    if (compiled.rule.fields !== undefined) reason.fields = fields
    if (links !== undefined) reason.withheldLinks = links
    return [reason]
  })
  const approvals: ApprovalRequirement[] = allowing.flatMap(({ rule }) => rule.approval === undefined
    ? []
    : [{ ruleId: rule.id, reason: rule.approval.reason, approvers: rule.approval.approvers }])

  return finish(input, moduleInfo, {
    effect: approvals.length > 0 ? 'require-approval' : 'permit',
    reasons,
    errors,
    removedFields: [...removedFields],
    withheldLinks: [...withheld.values()],
    attached: attachConditions(allowing, record, input.now),
    approvals
  })
}

function variablesOf (input: DecisionInput, record: Record<string, unknown>): Record<string, unknown> {
  const self = { jurisdiction: input.self.jurisdiction }
  const counterpart = { jurisdiction: input.counterpart.jurisdiction }
  switch (input.section) {
    case 'outbound':
      return { record, self, recipient: counterpart, now: input.now }
    case 'inbound':
      return { record, self, sender: counterpart, now: input.now }
    case 'initiative':
      return { record, self, peer: counterpart, now: input.now }
    case 'request': {
      const request = input.request as InformationRequest
      return { record, self, request: { purpose: request.purpose, urgent: request.urgent, offence: request.offence, requester: counterpart }, now: input.now }
    }
    case 'index':
      return { record, self, now: input.now }
  }
}

/**
 * Evaluates a redact rule's link conditions against each linked record. A link to a record of
 * a type the rule does not name is kept; record ids name their type, so this needs no lookup.
 * A link whose record is missing from `linked`, or is not an object, is withheld, because it
 * cannot be checked.
 */
function withholdLinks (
  compiled: CompiledRule, record: Record<string, unknown>, variables: Record<string, unknown>,
  linked: LinkedRecords | undefined, withheld: Map<string, WithheldLink>, withheldBy: Map<string, string[]>
): void {
  for (const { spec, condition, idTypes } of compiled.links) {
    for (const id of linkIdsIn(readField(record, spec.field))) {
      if (typeof id !== 'string' || !idTypes.has(id.split(':')[3] ?? '') || withheld.has(`${spec.field}\n${id}`)) continue
      const target = linked?.get(id)
      let reason: WithheldLink['reason'] | undefined
      if (target === null || typeof target !== 'object' || Array.isArray(target)) {
        reason = 'unresolved'
      } else {
        const linkedType = (target as Record<string, unknown>).type as RecordType
        if (!spec.linkedTypes.includes(linkedType)) continue
        const linkedValue = convertRecord?.(target as Record<string, unknown>, linkedType) ?? target
        if (condition.evaluate({ ...variables, linked: linkedValue }) === true) reason = 'matched'
      }
      if (reason === undefined) continue
      withheld.set(`${spec.field}\n${id}`, { field: spec.field, id, ruleId: compiled.rule.id, reason })
      withheldBy.set(compiled.rule.id, [...withheldBy.get(compiled.rule.id) ?? [], id])
    }
  }
}

/**
 * Combines the matching attach rules. Each can only tighten: the earliest review date wins
 * and is never later than the record's own `reviewBy`, and the handling code never drops
 * below the record's own.
 */
function attachConditions (allowing: readonly CompiledRule[], record: Record<string, unknown>, now: Date): AttachedConditions {
  const specs = allowing.filter(({ rule }) => rule.attach !== undefined)
  if (specs.length === 0) return NO_ATTACHED

  const result: { -readonly [K in keyof AttachedConditions]: AttachedConditions[K] } = { rules: specs.map(({ rule }) => rule.id) }
  for (const { rule } of specs) {
    const attach = rule.attach ?? {}
    if (attach.reviewWithinDays !== undefined) {
      const due = new Date(now.getTime() + attach.reviewWithinDays * DAY_MS).toISOString().slice(0, 10)
      const own = typeof record.reviewBy === 'string' ? record.reviewBy : due
      result.reviewBy = [due, own, result.reviewBy ?? due].sort()[0] as string
    }
    if (attach.noOnwardSharingWithoutConsent === true) result.noOnwardSharingWithoutConsent = true
    if (attach.minimumHandlingCode !== undefined) {
      const own = (HANDLING_CODE_ORDER as readonly unknown[]).includes(record.handlingCode) ? record.handlingCode as HandlingCode : 'H0'
      result.handlingCode = [own, attach.minimumHandlingCode, result.handlingCode ?? 'H0']
        .reduce((strictest, code) => HANDLING_CODE_ORDER.indexOf(code) > HANDLING_CODE_ORDER.indexOf(strictest) ? code : strictest)
    }
  }
  return result
}

interface Outcome {
  effect: DecisionEffect
  reasons: readonly DecisionReason[]
  errors: readonly RuleError[]
  removedFields?: readonly string[]
  withheldLinks?: readonly WithheldLink[]
  attached?: AttachedConditions
  approvals?: readonly ApprovalRequirement[]
}

function finish (input: DecisionInput, module: DecisionModule, outcome: Outcome): Decision {
  const decision: Omit<Decision, 'explanation'> = {
    section: input.section,
    effect: outcome.effect,
    reasons: outcome.reasons,
    removedFields: outcome.removedFields ?? [],
    withheldLinks: outcome.withheldLinks ?? [],
    attached: outcome.attached ?? NO_ATTACHED,
    approvals: outcome.approvals ?? [],
    errors: outcome.errors,
    module
  }
  return { ...decision, explanation: explainDecision(decision, subjectOf(input)) }
}

/** Reads what the explanation names, guarded because a deny for unreadable input must not throw either. */
function subjectOf (input: DecisionInput): ExplanationSubject {
  try {
    const record = (input.record !== null && typeof input.record === 'object' ? input.record : {}) as Record<string, unknown>
    return {
      ...(typeof record.type === 'string' ? { type: record.type } : {}),
      ...(typeof record.id === 'string' ? { id: record.id } : {}),
      ...(typeof input.counterpart?.jurisdiction === 'string' && input.counterpart.jurisdiction !== '' ? { counterpart: input.counterpart.jurisdiction } : {})
    }
  } catch {
    return {}
  }
}

function denyFor (input: DecisionInput, module: DecisionModule, reason: DecisionReason): Decision {
  return finish(input, module, { effect: 'deny', reasons: [reason], errors: [{ ruleId: reason.ruleId, message: reason.error ?? reason.title }] })
}

function findInputProblem (module: PolicyModule, input: DecisionInput): string | undefined {
  if (input.readError !== undefined) return `the decision context could not be read: ${input.readError}`
  if (compiledModuleOf(module) === undefined) return 'the policy module was not loaded with loadPolicyModule, so its conditions are not compiled'
  const record = input.record
  if (record === null || typeof record !== 'object' || Array.isArray(record)) return 'record must be a JSON object'
  const type = (record as Record<string, unknown>).type
  if (!(RECORD_TYPES as readonly unknown[]).includes(type)) return `record type ${JSON.stringify(type ?? null)} is not one of ${RECORD_TYPES.join(', ')}`

  const roles = { outbound: 'recipient', inbound: 'sender', request: 'requester', initiative: 'peer', index: 'self' }
  for (const [role, party] of [['self', input.self], [roles[input.section], input.counterpart]] as const) {
    const code = party?.jurisdiction
    if (typeof code !== 'string' || !COUNTRY_CODE.test(code)) return `${role} jurisdiction must be an upper-case country code, got ${JSON.stringify(code ?? null)}`
  }
  if (!(input.now instanceof Date) || Number.isNaN(input.now.getTime())) return 'now must be a valid Date'
  if (input.section === 'request') {
    const request = input.request
    if (typeof request?.purpose !== 'string' || typeof request.offence !== 'string' || typeof request.urgent !== 'boolean') {
      return 'request must have purpose and offence as text and urgent as true or false'
    }
  }
  if (input.linked !== undefined && !(input.linked instanceof Map)) return 'linked must be a Map from record id to record'
  return undefined
}

/** Returns the ids of a link field, which contains one id or a list of them. */
function linkIdsIn (value: unknown): unknown[] {
  if (Array.isArray(value)) return value
  return typeof value === 'string' ? [value] : []
}

/** Reads a dotted path, or returns undefined when a step is missing or not an object. */
function readField (record: Record<string, unknown>, path: string): unknown {
  let current: unknown = record
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined
    current = Object.hasOwn(current, part) ? (current as Record<string, unknown>)[part] : undefined
  }
  return current
}

const moduleInfos = new WeakMap<PolicyModule, DecisionModule>()

function describeModule (module: PolicyModule): DecisionModule {
  let info = moduleInfos.get(module)
  if (info === undefined) {
    const bases: Array<{ jurisdiction: string, version: string }> = []
    for (let base = module.base; base !== undefined; base = base.base) bases.push({ jurisdiction: base.jurisdiction, version: base.version })
    info = Object.freeze({ jurisdiction: module.jurisdiction, version: module.version, hash: module.hash, extends: Object.freeze(bases) })
    moduleInfos.set(module, info)
  }
  return info
}
