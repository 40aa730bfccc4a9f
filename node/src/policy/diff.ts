import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { decide } from './decide.ts'
import type { DecisionInput } from './decide.ts'
import { memberJurisdictions } from './federation.ts'
import { generateCases } from './generate.ts'
import { loadPolicyModule } from './module.ts'
import { readPolicyCases } from './test-cases.ts'
import type { Decision, DecisionEffect, PolicyModule, Section } from './types.ts'

/** One kind of change in access, with how many cases show it. */
export interface AccessChange {
  readonly section: Section
  readonly recordType: string
  /** The recipient (outbound), the sender (inbound) or the requester (request). */
  readonly counterpart: string
  /** A field, `persons (links)` for withheld links, `(conditions)` for attached conditions, or `(record)` for the whole record. */
  readonly field: string
  /** For example `gains access (deny -> permit)`, `loses access`, `condition added: handlingCode H2`. */
  readonly change: string
  readonly cases: number
  /** Values of one case that shows the change. */
  readonly example: string
  /** Rules that decide the example case under the new module. */
  readonly rules: readonly string[]
}

export interface PolicyDiff {
  readonly jurisdiction: string
  /** Version of the old module, with the versions of the modules it extends, such as `2026-12-04.1 (EU 2026-12-01.1)`. */
  readonly oldVersion: string
  readonly newVersion: string
  readonly casesCompared: number
  readonly changes: readonly AccessChange[]
}

export interface DiffOptions {
  readonly now?: Date
}

const ACCESS: Readonly<Record<DecisionEffect, number>> = { deny: 0, 'require-approval': 1, permit: 2 }

/**
 * Compares two versions of a module. Both versions decide the test cases of both folders and
 * cases generated from the rules of both. The result lists which record types, fields and
 * counterparts gain or lose access, and which attached conditions change.
 *
 * @throws PolicyInvalidError when either version does not load.
 */
export function diffPolicyModules (oldDirectory: string, newDirectory: string, jurisdiction: string, options: DiffOptions = {}): PolicyDiff {
  const before = loadPolicyModule(oldDirectory, jurisdiction)
  const after = loadPolicyModule(newDirectory, jurisdiction)
  const members = [...new Set([...memberJurisdictions(oldDirectory), ...memberJurisdictions(newDirectory)])].sort()
  const self = members.includes(after.jurisdiction) ? after.jurisdiction : members[0] as string

  const inputs = [
    ...testInputs(oldDirectory, jurisdiction),
    ...testInputs(newDirectory, jurisdiction),
    ...generateCases([before, after], { self, counterparts: members.filter(code => code !== self), ...(options.now === undefined ? {} : { now: options.now }) })
      .map(generated => ({ input: inputOf(generated), label: generated.label }))
  ]

  const changes = new Map<string, { change: AccessChange, count: number }>()
  for (const { input, label } of inputs) {
    const old = decide(before, input)
    const next = decide(after, input)
    for (const change of changesBetween(input, old, next, label)) {
      const key = [change.section, change.recordType, change.counterpart, change.field, change.change].join('\n')
      const entry = changes.get(key)
      if (entry === undefined) changes.set(key, { change, count: 1 })
      else entry.count++
    }
  }

  const rows = [...changes.values()].map(({ change, count }) => ({ ...change, cases: count }))
  rows.sort((a, b) => [a.section, a.recordType, a.counterpart, a.field, a.change].join('\n').localeCompare([b.section, b.recordType, b.counterpart, b.field, b.change].join('\n')))
  return { jurisdiction: after.jurisdiction, oldVersion: versionChain(before), newVersion: versionChain(after), casesCompared: inputs.length, changes: rows }
}

function versionChain (module: PolicyModule): string {
  const bases: string[] = []
  for (let base = module.base; base !== undefined; base = base.base) bases.push(`${base.jurisdiction} ${base.version}`)
  return bases.length === 0 ? module.version : `${module.version} (${bases.join(', ')})`
}

function inputOf (source: { section: Section, record: unknown, self: string, counterpart: string, request?: DecisionInput['request'], now: Date, linked: ReadonlyMap<string, unknown> }): DecisionInput {
  return {
    section: source.section,
    record: source.record,
    self: { jurisdiction: source.self },
    counterpart: { jurisdiction: source.counterpart },
    ...(source.request === undefined ? {} : { request: source.request }),
    now: source.now,
    linked: source.linked
  }
}

/** Reads the cases of a folder's tests.json; a folder without the file has none. */
function testInputs (directory: string, jurisdiction: string): Array<{ input: DecisionInput, label: string }> {
  const file = join(directory, jurisdiction.toLowerCase(), 'tests.json')
  if (!existsSync(file)) return []
  return readPolicyCases(file).map(policyCase => ({ input: inputOf(policyCase), label: `test case "${policyCase.name}"` }))
}

function changesBetween (input: DecisionInput, old: Decision, next: Decision, label: string): AccessChange[] {
  const record = input.record as Record<string, unknown>
  const base = {
    section: input.section,
    recordType: String(record.type),
    counterpart: input.counterpart.jurisdiction,
    example: label,
    rules: next.reasons.map(reason => reason.ruleId),
    cases: 1
  }
  if (old.effect !== next.effect) {
    const verb = ACCESS[next.effect] > ACCESS[old.effect] ? 'gains access' : 'loses access'
    return [{ ...base, field: '(record)', change: `${verb} (${old.effect} -> ${next.effect})` }]
  }
  if (next.effect === 'deny') return []

  const changes: AccessChange[] = []
  for (const field of next.removedFields.filter(field => !old.removedFields.includes(field))) changes.push({ ...base, field, change: 'loses access (now removed)' })
  for (const field of old.removedFields.filter(field => !next.removedFields.includes(field))) changes.push({ ...base, field, change: 'gains access (no longer removed)' })

  const linkKey = (link: { field: string, id: string }): string => `${link.field}\n${link.id}`
  const oldLinks = new Set(old.withheldLinks.map(linkKey))
  const newLinks = new Set(next.withheldLinks.map(linkKey))
  for (const link of next.withheldLinks.filter(link => !oldLinks.has(linkKey(link)))) changes.push({ ...base, field: `${link.field} (links)`, change: 'loses access (link now withheld)' })
  for (const link of old.withheldLinks.filter(link => !newLinks.has(linkKey(link)))) changes.push({ ...base, field: `${link.field} (links)`, change: 'gains access (link no longer withheld)' })

  const oldConditions = conditionsOf(old)
  const newConditions = conditionsOf(next)
  for (const condition of newConditions.filter(item => !oldConditions.includes(item))) changes.push({ ...base, field: '(conditions)', change: `condition added: ${condition}` })
  for (const condition of oldConditions.filter(item => !newConditions.includes(item))) changes.push({ ...base, field: '(conditions)', change: `condition removed: ${condition}` })
  return changes
}

function conditionsOf (decision: Decision): string[] {
  const { rules: _rules, ...conditions } = decision.attached
  return Object.entries(conditions).map(([name, value]) => value === true ? name : `${name} ${String(value)}`)
}
