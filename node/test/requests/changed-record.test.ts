import t from 'tap'
import type { Test } from 'tap'
import { firearmDraft, startCluster } from '../helpers/cluster.ts'
import { completeRequest, eventually } from './helpers.ts'

const cluster = await startCluster(['FR', 'DE'])
t.teardown(async () => { await cluster.close() })
const fr = (): any => cluster.node('FR')
const de = (): any => cluster.node('DE')

/** Audit entries of FR for one request. */
async function auditOf (requestId: string): Promise<any[]> {
  return (await fr().service.store.listAudit(0, 10_000)).filter((e: any) => e.messageId === requestId)
}

/** Fails unless every record FR provided for the request has a permit or an approved decision on exactly that version. */
async function assertDecidedVersions (t: Test, requestId: string): Promise<void> {
  const audit = await auditOf(requestId)
  const provided = audit.filter(e => e.event === 'request.record-provided')
  t.ok(provided.length > 0, 'a record was provided')
  for (const entry of provided) {
    const decided = audit.filter(e => e.event === 'policy.decision' && e.recordId === entry.recordId && e.versionHash === entry.versionHash)
    t.ok(decided.length > 0, `version ${entry.versionHash as string} was decided`)
    t.not(decided.at(-1)?.decision, 'deny', `version ${entry.versionHash as string} was not denied`)
  }
}

t.test('changed record needing approval is held', async t => {
  await fr().service.ingest(firearmDraft('FR', 'changed-1', { serialNumber: 'SN-901' }))
  const sent = await de().requests.send('FR', completeRequest({ informationSought: { description: 'Pistol', ids: ['urn:nfp:fr:firearm:changed-1'] } }), 'K. Weber')
  const caseId = `de-${sent.requestId as string}`
  t.equal((await fr().requests.getCase(caseId)).items[0].status, 'permitted')

  // The new version names an instruction file, which the FR policy gives to an investigating court.
  await fr().service.ingest({ ...firearmDraft('FR', 'changed-1', { serialNumber: 'SN-901' }), provenance: { sourceReference: 'FR-INSTRUCTION: dossier 2026/118' } })
  const newHash = (await fr().service.store.getRecord('urn:nfp:fr:firearm:changed-1')).signed.record.versionHash

  const err: any = await fr().requests.sendAnswer(caseId, 'M. Durand').catch((e: unknown) => e)
  t.equal(err.code, 'ERR_CASE_STATE')
  t.match(err.message, /items `1`/)
  const heldCase = await fr().requests.getCase(caseId)
  t.equal(heldCase.status, 'open')
  t.equal(heldCase.items[0].status, 'awaiting-approval')
  t.equal(heldCase.items[0].versionHash, newHash)
  t.equal(heldCase.clock.pauseReason, 'approval')
  const decisions = (await auditOf(sent.requestId)).filter(e => e.event === 'policy.decision' && e.versionHash === newHash)
  t.equal(decisions.length, 1, 'the new version was decided once')
  t.equal(decisions[0].decision, 'require-approval')
  t.equal((await de().requests.getRequest(sent.requestId)).records.length, 0, 'nothing was sent')
  t.ok(await eventually(async () => (await de().requests.getRequest(sent.requestId)).delayNotices.length === 1), 'requester got a delay notice')

  await fr().requests.approveItem(caseId, '1', { approvedBy: 'Juge J. Martin', role: 'investigating-court', reference: 'ORD-2' })
  await fr().requests.sendAnswer(caseId, 'M. Durand')
  const received = await de().requests.getRequest(sent.requestId)
  t.equal(received.records.length, 1)
  t.equal(received.records[0].record.provenance.sourceReference, 'FR-INSTRUCTION: dossier 2026/118')
  await assertDecidedVersions(t, sent.requestId)
})

t.test('changed permitted record is decided again', async t => {
  await fr().service.ingest(firearmDraft('FR', 'changed-2', { serialNumber: 'SN-902' }))
  const sent = await de().requests.send('FR', completeRequest({ informationSought: { description: 'Pistol', ids: ['urn:nfp:fr:firearm:changed-2'] } }), 'K. Weber')
  const caseId = `de-${sent.requestId as string}`
  await fr().service.ingest({ ...firearmDraft('FR', 'changed-2', { serialNumber: 'SN-902' }), model: '19 Gen 5' })

  const answered = await fr().requests.sendAnswer(caseId, 'M. Durand')
  t.equal(answered.outcome, 'answered')
  const received = await de().requests.getRequest(sent.requestId)
  t.equal(received.records[0].record.model, '19 Gen 5')
  await assertDecidedVersions(t, sent.requestId)
})

t.test('unchanged record is not decided again', async t => {
  await fr().service.ingest(firearmDraft('FR', 'same-1', { serialNumber: 'SN-903' }))
  const sent = await de().requests.send('FR', completeRequest({ informationSought: { description: 'Pistol', ids: ['urn:nfp:fr:firearm:same-1'] } }), 'K. Weber')
  await fr().requests.sendAnswer(`de-${sent.requestId as string}`, 'M. Durand')
  const decisions = (await auditOf(sent.requestId)).filter(e => e.event === 'policy.decision')
  t.equal(decisions.length, 1)
  await assertDecidedVersions(t, sent.requestId)
})
