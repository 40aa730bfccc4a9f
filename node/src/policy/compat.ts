import { applyDecision } from './apply-decision.ts'
import { decide } from './decide.ts'
import type { DecisionInput } from './decide.ts'
import { memberJurisdictions } from './federation.ts'
import { generateCases } from './generate.ts'
import type { GeneratedCase } from './generate.ts'
import { loadPolicyModule } from './module.ts'
import type { Decision, PolicyModule } from './types.ts'

/** Outcome for the records of one type sent from one node to another. */
export interface FlowSummary {
  readonly from: string
  readonly to: string
  readonly recordType: string
  readonly cases: number
  /** Cases the sender permits and the receiver accepts without anyone's approval. */
  readonly flows: number
  /** Cases that go through once a person approves, on either side. */
  readonly needApproval: number
  /** Deny rules that stopped the other cases, with how often, as `SIDE RULE-ID`. */
  readonly blockedBy: ReadonlyMap<string, number>
  /** Fields the sender removes, and link fields it withholds links from as `field (links)`, with how many of the passing cases lose them. */
  readonly removedFields: ReadonlyMap<string, number>
}

export interface PolicyCompatibility {
  readonly a: string
  readonly b: string
  readonly flows: readonly FlowSummary[]
}

export interface CompatOptions {
  readonly now?: Date
}

/**
 * Works out which record types and fields can flow from node A to node B and back: each
 * generated record must pass the outbound rules of the sender's module and the inbound
 * rules of the receiver's module.
 *
 * @throws PolicyInvalidError when either module does not load.
 */
export function comparePolicyModules (directory: string, a: string, b: string, options: CompatOptions = {}): PolicyCompatibility {
  const moduleA = loadPolicyModule(directory, a)
  const moduleB = loadPolicyModule(directory, b)
  const members = memberJurisdictions(directory)
  return {
    a: moduleA.jurisdiction,
    b: moduleB.jurisdiction,
    flows: [...flowsBetween(moduleA, moduleB, members, options), ...flowsBetween(moduleB, moduleA, members, options)]
  }
}

function flowsBetween (sender: PolicyModule, receiver: PolicyModule, members: readonly string[], options: CompatOptions): FlowSummary[] {
  const from = sender.jurisdiction
  const to = receiver.jurisdiction
  const common = { jurisdictions: members, ...(options.now === undefined ? {} : { now: options.now }) }
  const cases = [
    ...generateCases([sender], { ...common, self: from, counterparts: [to], sections: ['outbound'] }),
    ...generateCases([receiver], { ...common, self: to, counterparts: [from], sections: ['inbound'] })
  ]

  const byType = new Map<string, { cases: number, flows: number, needApproval: number, blockedBy: Map<string, number>, removedFields: Map<string, number> }>()
  const seen = new Set<string>()
  for (const generated of cases) {
    const key = JSON.stringify([generated.record, [...generated.linked.keys()]])
    if (seen.has(key)) continue
    seen.add(key)

    // The receiver decides on the copy the sender lets go, not on the sender's own record.
    const outbound = decide(sender, inputOf(generated, generated.record, 'outbound', from, to))
    const sent = outbound.effect === 'deny' ? generated.record : applyDecision(generated.record, outbound)
    const inbound = decide(receiver, inputOf(generated, sent, 'inbound', to, from))
    const type = String(generated.record.type)
    const summary = byType.get(type) ?? { cases: 0, flows: 0, needApproval: 0, blockedBy: new Map(), removedFields: new Map() }
    byType.set(type, summary)
    summary.cases++

    if (outbound.effect === 'deny' || inbound.effect === 'deny') {
      for (const [side, decision] of [[from, outbound], [to, inbound]] as Array<[string, Decision]>) {
        if (decision.effect !== 'deny') continue
        for (const reason of decision.reasons) summary.blockedBy.set(`${side} ${reason.ruleId}`, (summary.blockedBy.get(`${side} ${reason.ruleId}`) ?? 0) + 1)
      }
      continue
    }
    if (outbound.effect === 'require-approval' || inbound.effect === 'require-approval') summary.needApproval++
    else summary.flows++
    const removed = [...outbound.removedFields, ...new Set(outbound.withheldLinks.map(link => `${link.field} (links)`))]
    for (const field of removed) summary.removedFields.set(field, (summary.removedFields.get(field) ?? 0) + 1)
  }

  return [...byType].sort(([x], [y]) => x.localeCompare(y)).map(([recordType, summary]) => ({ from, to, recordType, ...summary }))
}

/** Builds the input of the sender's outbound or the receiver's inbound decision on a record. */
function inputOf (generated: GeneratedCase, record: unknown, section: 'outbound' | 'inbound', self: string, counterpart: string): DecisionInput {
  return { section, record, self: { jurisdiction: self }, counterpart: { jurisdiction: counterpart }, now: generated.now, linked: generated.linked }
}
