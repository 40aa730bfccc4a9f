import t from 'tap'
import { firearmDraft, startCluster } from '../helpers/cluster.ts'
import { completeRequest, eventually } from './helpers.ts'

// Real FR and DE nodes over libp2p on 127.0.0.1; every transition of a request must appear in
// the audit log of both nodes, each entry naming the request id in `messageId`.
const cluster = await startCluster(['FR', 'DE'])
t.teardown(async () => { await cluster.close() })
const fr = (): any => cluster.node('FR')
const de = (): any => cluster.node('DE')
await fr().service.ingest(firearmDraft('FR', 'trail-1', { serialNumber: 'SN-T1' }))
await fr().service.ingest({ ...firearmDraft('FR', 'trail-2', { serialNumber: 'SN-T2' }), provenance: { sourceReference: 'FR-INSTRUCTION: dossier 2026/201' } })

async function eventsFor (node: any, requestId: string): Promise<string[]> {
  return (await node.service.store.listAudit(0, 10_000)).filter((e: any) => e.messageId === requestId).map((e: any) => e.event)
}

function expectAll (t: any, events: string[], expected: string[], side: string): void {
  for (const name of expected) t.ok(events.includes(name), `${side} audit has ${name}`)
}

t.test('every transition of a request is in both audit logs', async t => {
  const sent = await de().requests.send('FR', completeRequest({ informationSought: { description: 'Two pistols', ids: ['urn:nfp:fr:firearm:trail-1', 'urn:nfp:fr:firearm:trail-2'] } }), 'K. Weber')
  const caseId = `de-${sent.requestId as string}`
  t.ok(await eventually(async () => (await de().requests.getRequest(sent.requestId)).delayNotices.length === 1), 'delay notice arrived')

  await fr().requests.approveItem(caseId, '2', { approvedBy: 'Juge J. Martin', role: 'investigating-court', reference: 'ORD-9' })
  await fr().requests.askClarification(caseId, 'Which seizure?', 'M. Durand')
  await de().requests.answerClarification(sent.requestId, 'Seizure 2026/9.', 'K. Weber')
  await fr().requests.refuseItem(caseId, '1', 'DATA_QUALITY', 'The record is being corrected.', 'M. Durand')
  await fr().requests.sendAnswer(caseId, 'M. Durand', { europolCopy: { copy: false, reason: 'Not within the assessment for this case.' } })
  t.ok(await eventually(async () => (await de().requests.getRequest(sent.requestId)).status === 'partly-refused'), 'answer arrived')

  expectAll(t, await eventsFor(fr(), sent.requestId), [
    'request.received', 'policy.decision', 'request.delay-notice', 'request.delay-notice-delivered',
    'policy.approval', 'request.clarification-asked', 'request.clarification-request-delivered', 'request.clarification-received',
    'request.item-refused', 'request.record-provided', 'request.europol-assessed', 'copy.produced', 'request.answered', 'request.answer-delivered'
  ], 'responder')
  expectAll(t, await eventsFor(de(), sent.requestId), [
    'request.sent', 'copy.produced', 'request.acknowledged', 'request.delay-notified', 'request.clarification-requested',
    'request.clarification-answered', 'request.clarification-answer-delivered', 'request.answer-received'
  ], 'requester')
})

t.test('overdue alerts are in both audit logs', async t => {
  const sent = await de().requests.send('FR', completeRequest({ urgency: { urgent: true, ground: 'LIFE_OR_PHYSICAL_INTEGRITY', reasons: 'A threat to a witness.' }, informationSought: { description: 'Pistol', ids: ['urn:nfp:fr:firearm:trail-1'] } }))
  const late = new Date(Date.parse((await de().requests.getRequest(sent.requestId)).deadline) + 1000)
  fr().requests.setClock(() => late)
  de().requests.setClock(() => late)
  await fr().requests.tick()
  await de().requests.tick()
  fr().requests.setClock(() => new Date())
  de().requests.setClock(() => new Date())
  for (const [side, node] of [['responder', fr()], ['requester', de()]] as const) {
    expectAll(t, await eventsFor(node, sent.requestId), ['request.deadline-warning', 'request.deadline-expired'], side)
  }
})

t.test('chains of both logs stay intact', async t => {
  t.equal(await fr().service.store.verifyAuditChain(), undefined)
  t.equal(await de().service.store.verifyAuditChain(), undefined)
})
