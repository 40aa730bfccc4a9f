import t from 'tap'
import { firearmDraft, startCluster } from '../helpers/cluster.ts'

const cluster = await startCluster(['FR', 'DE'])
t.teardown(async () => { await cluster.close() })
const fr = (): any => cluster.node('FR').service
const de = (): any => cluster.node('DE').service

t.test('approval needed before it leaves', async t => {
  // French material from a judicial investigation needs the investigating court's consent.
  await fr().ingest({ ...firearmDraft('FR', 'instruction-1'), provenance: { sourceReference: 'FR-INSTRUCTION: dossier 2026/117' } })
  const err: any = await fr().share('urn:nfp:fr:firearm:instruction-1', 'DE').catch((e: unknown) => e)
  t.equal(err.code, 'ERR_POLICY_APPROVAL_REQUIRED')
  t.equal(err.decision.effect, 'require-approval')
  t.ok(err.decision.approvals.some((a: any) => a.approvers.includes('investigating-court')))
  t.equal(await de().store.getRecord('urn:nfp:fr:firearm:instruction-1'), undefined, 'nothing left before approval')

  const wrongRole: any = await fr().share('urn:nfp:fr:firearm:instruction-1', 'DE', { approvals: [{ approvedBy: 'L. Officer', role: 'legal-officer' }] }).catch((e: unknown) => e)
  t.equal(wrongRole.code, 'ERR_POLICY_APPROVAL_REQUIRED')

  const outcome = await fr().share('urn:nfp:fr:firearm:instruction-1', 'DE', { approvals: [{ approvedBy: 'Juge J. Martin', role: 'investigating-court', reference: 'ORD-2026-0042' }] })
  t.equal(outcome.delivery.status, 'stored')
  const audit = await fr().store.listAudit(0, 1000)
  const approval = audit.find((e: any) => e.event === 'policy.approval')
  t.match(approval?.detail, /approved by Juge J\. Martin as investigating-court, reference ORD-2026-0042/)
})
