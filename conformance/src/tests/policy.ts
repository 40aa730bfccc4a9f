import type { ConformanceTest, SuiteContext } from '../suite.ts'
import { check, show } from '../suite.ts'
import { requirement } from '../requirements.ts'
import { SHARE, expectNotStored, memberFirearm, shareRecord, signAsMember, targetFirearm } from './helpers.ts'

// These tests need to know what the node's policy decides, so they rely on three rules of the
// EU base module in policies/eu, which every national module extends. EU-HC-03: an H3 record
// does not leave. EU-IN-RET-01: a record past its review date is not accepted. EU-IN-HC-03: a
// received H3 record is held for approval. A node whose module lacks them fails these tests,
// and the report names the decision it made instead.

export function policyTests (): ConformanceTest[] {
  return [
    {
      id: 'POL-7-1',
      ...requirement('POL-7-1'),
      run: async (ctx) => {
        const draft = targetFirearm(ctx, 'outbound-h3', { handlingCode: 'H3', handlingConditions: 'Originator only (conformance test)' })
        const ingested = await ctx.api.ingest(draft)
        check(ingested.status === 201, `POST /records answered ${ingested.status}: ${show(ingested.body)}`)
        const mark = await ctx.api.auditHead()
        const shared = await ctx.api.share(String(draft.id), ctx.member.jurisdiction)
        const leaked = await ctx.peer.waitFor(f => f.protocol === SHARE && JSON.stringify(f.message).includes(String(draft.id)), 3000)
        check(leaked === undefined, `the denied record reached the test member (API answered ${shared.status})`)
        check(shared.status === 403 && shared.body?.code === 'ERR_POLICY_DENIED', `POST /records/{id}/share answered ${shared.status} ${show(shared.body?.code)}, expected 403 ERR_POLICY_DENIED`)
        await expectDecision(ctx, mark, String(draft.id), 'deny')
        return 'denied, nothing sent, decision audited'
      }
    },
    {
      id: 'POL-7-2',
      ...requirement('POL-7-2'),
      run: async (ctx) => {
        const mark = await ctx.api.auditHead()
        const signed = signAsMember(ctx, memberFirearm(ctx, 'inbound-expired', { reviewBy: '2020-01-01' }))
        const result = await shareRecord(ctx, signed)
        check(result.status === 'rejected' && result.code === 'ERR_POLICY_DENIED', `expected rejected with ERR_POLICY_DENIED, got ${show(result)}`)
        await expectNotStored(ctx, String(signed.record.id))
        await expectDecision(ctx, mark, String(signed.record.id), 'deny')
      }
    },
    {
      id: 'POL-7-3',
      ...requirement('POL-7-3'),
      run: async (ctx) => {
        const signed = signAsMember(ctx, memberFirearm(ctx, 'inbound-h3', { handlingCode: 'H3', handlingConditions: 'Originator only (conformance test)' }))
        const result = await shareRecord(ctx, signed)
        check(result.status === 'held', `expected held, got ${show(result)}`)
        await expectNotStored(ctx, String(signed.record.id))
      }
    },
    {
      id: 'POL-7-4',
      ...requirement('POL-7-4'),
      run: async (ctx) => {
        const signed = signAsMember(ctx, memberFirearm(ctx, 'audited'))
        const mark = await ctx.api.auditHead()
        const result = await shareRecord(ctx, signed)
        check(result.status === 'stored', `expected stored, got ${show(result)}`)
        const entry = await expectDecision(ctx, mark, String(signed.record.id), 'permit')
        return `decision entry ${String(entry.seq)} names module ${String(entry.policyHash)}`
      }
    }
  ]
}

/** Finds the audit entry of a policy decision on `recordId` after `mark`, with the module hash. */
async function expectDecision (ctx: SuiteContext, mark: number, recordId: string, effect: string): Promise<Record<string, any>> {
  const entries = await ctx.api.auditAfter(mark)
  const decision = entries.find(e => e.event === 'policy.decision' && e.recordId === recordId)
  check(decision !== undefined, `no policy.decision entry for ${recordId} in the audit log after seq ${mark}`)
  check(decision.decision === effect, `audited decision is ${show(decision.decision)}, expected ${effect}`)
  check(typeof decision.policyHash === 'string' && /^sha256:[0-9a-f]{64}$/.test(decision.policyHash), `audited decision has no module hash: ${show(decision)}`)
  return decision
}
