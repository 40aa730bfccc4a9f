import { RECORD_TYPES } from '../../../protocol/src/index.ts'
import { NfpError } from '../../../protocol/src/errors.ts'
import { formatCitation } from './citation.ts'
import { decide } from './decide.ts'
import type { RuleTrace } from './decide.ts'
import { memberJurisdictions } from './federation.ts'
import { generateCases } from './generate.ts'
import type { GeneratedCase } from './generate.ts'
import { loadPolicyModule, policyEnvironment } from './module.ts'
import type { PolicyModule, PolicyRule } from './types.ts'

/** One thing lint found. Errors make `nfp policy lint` fail; warnings do not. */
export interface LintFinding {
  readonly severity: 'error' | 'warning'
  readonly ruleId?: string
  /** `file:line:column` of the rule's condition, or of the problem for a module that does not load. */
  readonly location: string
  readonly message: string
}

export interface LintReport {
  readonly jurisdiction: string
  readonly findings: readonly LintFinding[]
  /** Number of generated cases the rules were run on. */
  readonly generatedCases: number
}

export interface LintOptions {
  /** Time the generated cases are decided at; defaults to now. */
  readonly now?: Date
}

/**
 * Checks the own rules of a module. Errors are a module that does not load and rules without
 * a legal source. Warnings are sources not yet checked against the official text, and record
 * types that have none of the fields a redact rule names. Over generated cases, rules that
 * never fire, always fire or fail to evaluate, and permits that a deny always overrides, are
 * warnings too.
 */
export function lintPolicyModule (directory: string, jurisdiction: string, options: LintOptions = {}): LintReport {
  let module: PolicyModule
  try {
    module = loadPolicyModule(directory, jurisdiction, { allowMissingSources: true })
  } catch (error) {
    if (!(error instanceof NfpError)) throw error
    const location = /^(.*?:\d+:\d+):/.exec(error.message)?.[1] ?? ''
    return { jurisdiction: jurisdiction.toUpperCase(), findings: [{ severity: 'error', location, message: error.message }], generatedCases: 0 }
  }

  const own = module.rules.filter(rule => rule.file === module.file)
  const findings: LintFinding[] = own.flatMap(rule => [...citationFindings(rule), ...schemaFindings(rule)])

  const members = memberJurisdictions(directory)
  const self = members.includes(module.jurisdiction) ? module.jurisdiction : members[0] as string
  const cases = generateCases([module], { self, counterparts: members.filter(code => code !== self), ...(options.now === undefined ? {} : { now: options.now }) })
  findings.push(...behaviourFindings(module, own, cases))

  return { jurisdiction: module.jurisdiction, findings, generatedCases: cases.length }
}

function locationOf (rule: PolicyRule): string {
  return `${rule.position.file}:${rule.position.line}:${rule.position.column}`
}

function citationFindings (rule: PolicyRule): LintFinding[] {
  if (rule.sources.length === 0) {
    return [{ severity: 'error', ruleId: rule.id, location: locationOf(rule), message: `${rule.id} has no legal source; add act, article and checked under "sources"` }]
  }
  const unchecked = rule.sources.filter(source => !source.checked)
  if (unchecked.length === 0) return []
  return [{
    severity: 'warning',
    ruleId: rule.id,
    location: locationOf(rule),
    message: `${rule.id} cites ${unchecked.length === 1 ? 'a source' : 'sources'} not yet compared with the Official Journal: ${formatCitation(unchecked)}`
  }]
}

/** Warns about record types in appliesTo that have none of the fields a redact rule names, because the rule removes nothing from them. */
function schemaFindings (rule: PolicyRule): LintFinding[] {
  const fields = [...rule.fields ?? [], ...(rule.withholdLinks ?? []).map(link => link.field)]
  if (fields.length === 0) return []
  const { catalogue } = policyEnvironment()
  const untouched = (rule.appliesTo ?? RECORD_TYPES).filter(type => fields.every(field => catalogue.fields.get(type)?.get(field) === undefined))
  if (untouched.length === 0) return []
  return [{
    severity: 'warning',
    ruleId: rule.id,
    location: locationOf(rule),
    message: `${rule.id} applies to ${untouched.join(', ')}, whose schema defines none of the fields ${fields.join(', ')}; narrow appliesTo`
  }]
}

interface RuleStats {
  fired: number
  notFired: number
  failed: number
  firstError?: string
  /** Cases in which the rule fired and no deny rule fired or failed. */
  firedWithoutDeny: number
  /** Deny rules that fired together with this rule, with how often. */
  deniedBy: Map<string, number>
}

function behaviourFindings (module: PolicyModule, own: readonly PolicyRule[], cases: readonly GeneratedCase[]): LintFinding[] {
  const stats = new Map(own.map(rule => [rule.id, { fired: 0, notFired: 0, failed: 0, firedWithoutDeny: 0, deniedBy: new Map() } as RuleStats]))
  const denyIds = new Set(module.rules.filter(rule => rule.effect === 'deny').map(rule => rule.id))

  for (const generated of cases) {
    const trace: RuleTrace = { fired: new Set(), notFired: new Set(), failed: new Set() }
    decide(module, {
      section: generated.section,
      record: generated.record,
      self: { jurisdiction: generated.self },
      counterpart: { jurisdiction: generated.counterpart },
      ...(generated.request === undefined ? {} : { request: generated.request }),
      now: generated.now,
      linked: generated.linked
    }, trace)
    const denies = [...trace.fired].filter(id => denyIds.has(id))
    const blocked = denies.length > 0 || trace.failed.size > 0
    for (const [id, entry] of stats) {
      if (trace.fired.has(id)) {
        entry.fired++
        if (!blocked) entry.firedWithoutDeny++
        for (const deny of denies) entry.deniedBy.set(deny, (entry.deniedBy.get(deny) ?? 0) + 1)
      } else if (trace.notFired.has(id)) {
        entry.notFired++
      } else if (trace.failed.has(id)) {
        entry.failed++
        entry.firstError ??= generated.label
      }
    }
  }

  return own.flatMap(rule => {
    const entry = stats.get(rule.id) as RuleStats
    const finding = (message: string): LintFinding => ({ severity: 'warning', ruleId: rule.id, location: locationOf(rule), message })
    const found: LintFinding[] = []
    const applicable = entry.fired + entry.notFired + entry.failed
    if (entry.fired === 0 && entry.failed === 0) found.push(finding(`${rule.id} never fires in ${applicable} generated cases of its section and record types; check its condition`))
    if (entry.notFired === 0 && entry.fired > 0 && rule.when.trim() !== 'true') {
      found.push(finding(`${rule.id} fires in every one of ${applicable} generated cases of its section and record types; its condition may always hold`))
    }
    if (entry.failed > 0) {
      found.push(finding(`${rule.id} fails to evaluate in ${entry.failed} of ${applicable} generated cases, for example with ${entry.firstError ?? 'a generated record'}; a failed rule denies the record, so guard optional fields with has()`))
    }
    if (rule.effect !== 'deny' && entry.fired > 0 && entry.firedWithoutDeny === 0) {
      const by = [...entry.deniedBy].sort((a, b) => b[1] - a[1]).map(([id]) => id)
      found.push(finding(`${rule.id} is shadowed: in every generated case where it fires, a deny rule also fires${by.length === 0 ? '' : ` (${by.join(', ')})`}`))
    }
    return found
  })
}
