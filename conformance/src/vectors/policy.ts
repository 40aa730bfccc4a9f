import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { evaluateInbound, evaluateOutbound, evaluateRequest, loadPolicyModule } from '../../../node/src/policy/index.ts'
import type { Decision } from '../../../node/src/policy/index.ts'

/** A policy vector file in `vectors/policy/cases/`. */
export interface PolicyVector {
  id: string
  description: string
  /** Module to load, by folder name in `vectors/policy/modules/` (its `extends` are loaded from there too). */
  module: string
  section: 'outbound' | 'inbound' | 'request'
  record: Record<string, unknown>
  /** `self`, and `recipient` (outbound), `sender` (inbound) or `request` (request section). */
  context: Record<string, unknown>
  /** Time of the decision (RFC 3339). */
  now: string
  expect: PolicyOutcome
}

/** The parts of a decision another policy engine must reproduce. */
export interface PolicyOutcome {
  effect: 'permit' | 'deny' | 'require-approval'
  /** Ids of the rules that made the decision, in the order the decision lists them. */
  rules: string[]
  removedFields: string[]
  attached: { reviewBy?: string, handlingCode?: string, noOnwardSharingWithoutConsent?: true }
  approvers: string[]
}

/** Evaluates a vector with this repository's policy engine, loading the modules from `modules`. */
export function evaluatePolicyVector (vector: Omit<PolicyVector, 'expect'>, modules: Record<string, unknown>): PolicyOutcome {
  const dir = mkdtempSync(join(tmpdir(), 'nfp-policy-vectors-'))
  try {
    for (const [name, content] of Object.entries(modules)) {
      mkdirSync(join(dir, name))
      writeFileSync(join(dir, name, 'module.json'), JSON.stringify(content, null, 2))
    }
    const module = loadPolicyModule(dir, vector.module)
    const now = new Date(vector.now)
    const c = vector.context as any
    let decision: Decision
    if (vector.section === 'outbound') decision = evaluateOutbound(module, vector.record, { self: c.self, recipient: c.recipient, now })
    else if (vector.section === 'inbound') decision = evaluateInbound(module, vector.record, { self: c.self, sender: c.sender, now })
    else decision = evaluateRequest(module, vector.record, { self: c.self, request: c.request, now })
    return outcomeOf(decision)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function outcomeOf (decision: Decision): PolicyOutcome {
  const attached: PolicyOutcome['attached'] = {}
  if (decision.attached.reviewBy !== undefined) attached.reviewBy = decision.attached.reviewBy
  if (decision.attached.handlingCode !== undefined) attached.handlingCode = decision.attached.handlingCode
  if (decision.attached.noOnwardSharingWithoutConsent === true) attached.noOnwardSharingWithoutConsent = true
  return {
    effect: decision.effect,
    rules: decision.reasons.map(r => r.ruleId),
    removedFields: [...decision.removedFields],
    attached,
    approvers: [...new Set(decision.approvals.flatMap(a => [...a.approvers]))]
  }
}
