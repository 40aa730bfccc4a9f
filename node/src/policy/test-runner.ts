import { join } from 'node:path'
import { validateRecord } from '../../../protocol/src/index.ts'
import { decide } from './decide.ts'
import type { RuleTrace } from './decide.ts'
import { loadPolicyModule } from './module.ts'
import { readPolicyCases } from './test-cases.ts'
import type { PolicyCase } from './test-cases.ts'
import type { Decision, PolicyModule, PolicyRule, Section, SourcePosition } from './types.ts'

/** Result of one case. */
export interface CaseOutcome {
  readonly name: string
  readonly section: Section
  readonly position: SourcePosition
  readonly passed: boolean
  /** Differences from the expectation, one line each. */
  readonly failures: readonly string[]
  readonly decision: Decision
}

/** How often a rule's condition held and did not hold over the cases of its section. */
export interface RuleCoverage {
  readonly ruleId: string
  readonly section: Section
  /** The rule belongs to the tested module, not to a module it extends. */
  readonly own: boolean
  readonly fired: number
  /** Cases where the condition was false or the record type was outside appliesTo. */
  readonly notFired: number
  readonly failed: number
  /** Reason the rule counts as untested, if it does. Only own rules can be untested. */
  readonly problem?: string
}

export interface PolicyTestReport {
  readonly jurisdiction: string
  readonly moduleFile: string
  readonly testsFile: string
  readonly cases: readonly CaseOutcome[]
  readonly coverage: readonly RuleCoverage[]
  /** Every case passed and every own rule both fired and did not fire in some case. */
  readonly passed: boolean
}

/**
 * Runs the cases of `<directory>/<jurisdiction>/tests.json` against the module of the same
 * folder and reports rule coverage: each of the module's own rules must fire in at least one
 * case and not fire in another. A rule whose condition is the literal `true` and that applies
 * to every record type fires in every case of its section, so it needs only a firing case.
 *
 * @throws PolicyInvalidError when the module or the tests file cannot be loaded.
 */
export function runPolicyTests (directory: string, jurisdiction: string): PolicyTestReport {
  const module = loadPolicyModule(directory, jurisdiction)
  const testsFile = join(directory, jurisdiction.toLowerCase(), 'tests.json')
  const cases = readPolicyCases(testsFile)

  const counts = new Map(module.rules.map(rule => [rule.id, { fired: 0, notFired: 0, failed: 0 }]))
  const outcomes = cases.map(policyCase => {
    const trace: RuleTrace = { fired: new Set(), notFired: new Set(), failed: new Set() }
    const outcome = runCase(module, policyCase, trace)
    for (const rule of module.rules.filter(rule => rule.section === policyCase.section)) {
      const count = counts.get(rule.id) as { fired: number, notFired: number, failed: number }
      if (trace.fired.has(rule.id)) count.fired++
      else if (trace.failed.has(rule.id)) count.failed++
      else count.notFired++
    }
    return outcome
  })

  const coverage = module.rules.map(rule => coverageOf(rule, module, counts.get(rule.id) as { fired: number, notFired: number, failed: number }))
  const passed = outcomes.every(outcome => outcome.passed) && coverage.every(entry => entry.problem === undefined)
  return { jurisdiction: module.jurisdiction, moduleFile: module.file, testsFile, cases: outcomes, coverage, passed }
}

function coverageOf (rule: PolicyRule, module: PolicyModule, count: { fired: number, notFired: number, failed: number }): RuleCoverage {
  const own = rule.file === module.file
  const entry = { ruleId: rule.id, section: rule.section, own, ...count }
  if (!own) return entry
  const alwaysFires = rule.appliesTo === undefined && rule.when.trim() === 'true'
  if (count.fired === 0) return { ...entry, problem: `no case of the ${rule.section} section makes ${rule.id} fire` }
  if (count.notFired === 0 && !alwaysFires) return { ...entry, problem: `every case of the ${rule.section} section makes ${rule.id} fire; add one where it does not` }
  return entry
}

function runCase (module: PolicyModule, policyCase: PolicyCase, trace: RuleTrace): CaseOutcome {
  const failures: string[] = []
  failures.push(...recordProblems(policyCase))

  const decision = decide(module, {
    section: policyCase.section,
    record: policyCase.record,
    self: { jurisdiction: policyCase.self },
    counterpart: { jurisdiction: policyCase.counterpart },
    ...(policyCase.request === undefined ? {} : { request: policyCase.request }),
    now: policyCase.now,
    linked: policyCase.linked
  }, trace)

  const expect = policyCase.expect
  if (decision.effect !== expect.effect) failures.push(`effect: expected ${expect.effect}, got ${decision.effect}`)
  compareSets(failures, 'deciding rules', expect.rules, decision.reasons.map(reason => reason.ruleId))
  compareSets(failures, 'removed fields', expect.removedFields, decision.removedFields)
  compareSets(failures, 'withheld links', expect.withheldLinks, decision.withheldLinks.map(link => link.id))
  compareSets(failures, 'approvers', expect.approvers, decision.approvals.flatMap(approval => approval.approvers))
  compareSets(failures, 'failed rules', expect.errors, decision.errors.map(error => error.ruleId))
  const { rules: _attachRules, ...attached } = decision.attached
  const expectedAttached = JSON.stringify(sortKeys(expect.attached))
  const actualAttached = JSON.stringify(sortKeys(attached))
  if (expectedAttached !== actualAttached) failures.push(`attached conditions: expected ${expectedAttached}, got ${actualAttached}`)
  for (const error of decision.errors) {
    if (!expect.errors.includes(error.ruleId)) failures.push(`rule ${error.ruleId} failed: ${error.message}`)
  }

  return { name: policyCase.name, section: policyCase.section, position: policyCase.position, passed: failures.length === 0, failures, decision }
}

/** Checks that a case's record matches its schema, unless the case marks it `"recordValid": false`. */
function recordProblems (policyCase: PolicyCase): string[] {
  const problems: string[] = []
  const schemaProblem = problemOf(() => validateRecord(policyCase.record))
  if (policyCase.recordValid && schemaProblem !== undefined) problems.push(`record does not match its schema: ${schemaProblem}`)
  if (!policyCase.recordValid && schemaProblem === undefined) problems.push('record is marked "recordValid": false but matches its schema')
  for (const [id, linked] of policyCase.linked) {
    const linkedProblem = problemOf(() => validateRecord(linked))
    if (linkedProblem !== undefined) problems.push(`linked record ${id} does not match its schema: ${linkedProblem}`)
  }
  return problems
}

function problemOf (check: () => unknown): string | undefined {
  try {
    check()
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
}

function compareSets (failures: string[], label: string, expected: readonly string[], actual: readonly string[]): void {
  const wanted = [...new Set(expected)].sort()
  const got = [...new Set(actual)].sort()
  if (wanted.join('\n') !== got.join('\n')) failures.push(`${label}: expected [${wanted.join(', ')}], got [${got.join(', ')}]`)
}

function sortKeys (value: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)))
}
