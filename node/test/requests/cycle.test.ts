import t from 'tap'
import { firearmDraft, personDraft, startCluster } from '../helpers/cluster.ts'
import { completeRequest, eventually } from './helpers.ts'

const cluster = await startCluster(['FR', 'DE'])
t.teardown(async () => { await cluster.close() })
const fr = (): any => cluster.node('FR')
const de = (): any => cluster.node('DE')

await fr().service.ingest(firearmDraft('FR', 'pistol-1', { serialNumber: 'SN-100' }))
await fr().service.ingest(personDraft('FR', 'informant-1', 'informant'))
await fr().service.ingest({ ...firearmDraft('FR', 'instruction-1', { serialNumber: 'SN-200' }), provenance: { sourceReference: 'FR-INSTRUCTION: dossier 2026/117' } })

t.test('whole cycle with partial refusal', async t => {
  const request = completeRequest({ informationSought: { description: 'Pistol and informant', ids: ['urn:nfp:fr:firearm:pistol-1', 'urn:nfp:fr:person:informant-1'] } })
  const sent = await de().requests.send('FR', request, 'K. Weber')
  t.equal(sent.status, 'received')
  t.equal(sent.clock.limitHours, 168)

  const cases = await fr().requests.listCases()
  const opened = cases.find((c: any) => c.requestId === sent.requestId)
  t.equal(opened.deadline, (await de().requests.listRequests()).find((r: any) => r.requestId === sent.requestId).deadline, 'both nodes compute the same deadline')
  const informant = opened.items.find((i: any) => i.recordType === 'Person')
  t.equal(informant.status, 'refused')
  t.equal(informant.refusal.ground, 'JEOPARDISE_INVESTIGATION_OR_SAFETY')

  const answered = await fr().requests.sendAnswer(opened.caseId, 'M. Durand')
  t.equal(answered.outcome, 'partly-refused')
  const received = await de().requests.getRequest(sent.requestId)
  t.equal(received.status, 'partly-refused')
  t.equal(received.records.length, 1)
  t.equal(received.records[0].record.id, 'urn:nfp:fr:firearm:pistol-1')
  t.equal(received.refusals[0].ground, 'JEOPARDISE_INVESTIGATION_OR_SAFETY')

  const frAudit = (await fr().service.store.listAudit(0, 1000)).map((e: any) => e.event)
  const deAudit = (await de().service.store.listAudit(0, 1000)).map((e: any) => e.event)
  t.ok(frAudit.includes('request.received') && frAudit.includes('request.answered'), 'responder audit')
  t.ok(deAudit.includes('request.sent') && deAudit.includes('request.answer-received'), 'requester audit')
})

t.test('missing element stops the request', async t => {
  const { purpose: _purpose, ...incomplete } = completeRequest()
  const response = await fetch(`${de().url}/requests`, { method: 'POST', headers: { authorization: `Bearer ${de().service.identity.apiToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ to: 'FR', content: incomplete, actor: 'K. Weber' }) })
  const body = await response.json() as any
  t.equal(response.status, 400)
  t.equal(body.code, 'ERR_REQUEST_INVALID')
  t.equal(body.field, 'purpose')
})

t.test('judicial authorisation sends delay notice', async t => {
  const sent = await de().requests.send('FR', completeRequest({ informationSought: { description: 'Pistol', fields: { serialNumber: 'sn-200' } } }))
  t.equal(sent.clock.pauseReason, 'approval')
  t.ok(await eventually(async () => (await de().requests.getRequest(sent.requestId)).delayNotices.length === 1), 'delay notice arrived')
  const notice = (await de().requests.getRequest(sent.requestId)).delayNotices[0]
  t.equal(notice.expectedDelayHours, 72)
  t.match(notice.reasons, /investigating court/)

  const opened = (await fr().requests.listCases()).find((c: any) => c.requestId === sent.requestId)
  t.equal(opened.deadline, undefined, 'clock suspended')
  const early: any = await fr().requests.sendAnswer(opened.caseId).catch((e: unknown) => e)
  t.equal(early.code, 'ERR_CASE_STATE')
  const wrongRole: any = await fr().requests.approveItem(opened.caseId, '1', { approvedBy: 'L. Officer', role: 'legal-officer' }).catch((e: unknown) => e)
  t.equal(wrongRole.code, 'ERR_POLICY_APPROVAL_REQUIRED')
  const approved = await fr().requests.approveItem(opened.caseId, '1', { approvedBy: 'Juge J. Martin', role: 'investigating-court', reference: 'ORD-1' })
  t.equal(approved.clock.pausedSince, undefined, 'clock runs again')
  await fr().requests.sendAnswer(opened.caseId)
  t.equal((await de().requests.getRequest(sent.requestId)).status, 'answered')
})

t.test('refusal ground outside list rejected', async t => {
  const sent = await de().requests.send('FR', completeRequest({ informationSought: { description: 'Pistol', ids: ['urn:nfp:fr:firearm:pistol-1'] } }))
  const caseId = `de-${sent.requestId as string}`
  const err: any = await fr().requests.refuseItem(caseId, '1', 'TOO_BUSY', 'no time').catch((e: unknown) => e)
  t.equal(err.code, 'ERR_REFUSAL_GROUND_INVALID')
  t.equal(err.field, 'ground')
  const refused = await fr().requests.refuseItem(caseId, '1', 'NOT_AN_OFFENCE', 'Not an offence here.')
  t.equal(refused.items[0].status, 'refused')
  await fr().requests.sendAnswer(caseId)
  t.equal((await de().requests.getRequest(sent.requestId)).status, 'refused')
})

t.test('clarification pauses the clock', async t => {
  const sent = await de().requests.send('FR', completeRequest({ urgency: { urgent: true, ground: 'LOSS_OF_RELEVANCE', reasons: 'The sale happens tomorrow.' }, informationSought: { description: 'Pistol', ids: ['urn:nfp:fr:firearm:pistol-1'] } }))
  const caseId = `de-${sent.requestId as string}`
  const received = Date.parse(sent.clock.receivedAt)
  t.equal(sent.clock.limitHours, 8)
  fr().requests.setClock(() => new Date(received + 3_600_000))
  const asked = await fr().requests.askClarification(caseId, 'Which seizure report?')
  t.equal(asked.deadline, undefined)
  t.equal((await de().requests.getRequest(sent.requestId)).status, 'clarification-asked')
  fr().requests.setClock(() => new Date(received + 5 * 3_600_000))
  await de().requests.answerClarification(sent.requestId, 'Report 2026/55.')
  const resumed = await fr().requests.getCase(caseId)
  t.equal(resumed.status, 'open')
  t.equal(resumed.deadline, new Date(received + 12 * 3_600_000).toISOString(), 'four paused hours added')
  fr().requests.setClock(() => new Date())
})

t.test('restart keeps an overdue case', async t => {
  const sent = await de().requests.send('FR', completeRequest({ urgency: { urgent: true, ground: 'PUBLIC_SECURITY_THREAT', reasons: 'Weapons for an attack.' }, informationSought: { description: 'Pistol', ids: ['urn:nfp:fr:firearm:pistol-1'] } }))
  const caseId = `de-${sent.requestId as string}`
  const before = await fr().requests.getCase(caseId)
  await cluster.stop('FR')
  await cluster.start('FR')
  const after = await fr().requests.getCase(caseId)
  t.equal(after.deadline, before.deadline, 'deadline survives the restart')

  const late = new Date(Date.parse(before.deadline) + 1000)
  const alerts: any[] = []
  fr().requests.on('alert', (a: any) => alerts.push(a))
  fr().requests.setClock(() => late)
  de().requests.setClock(() => late)
  await fr().requests.tick()
  await de().requests.tick()
  t.ok(alerts.some(a => a.kind === 'deadline-expired' && a.id === caseId), 'expiry event emitted')
  t.equal((await fr().requests.getCase(caseId)).overdue, true, 'overdue at responder')
  t.equal((await de().requests.listRequests()).find((r: any) => r.requestId === sent.requestId).overdue, true, 'overdue at requester')
  t.ok((await fr().requests.getCase(caseId)).alerts.some((a: any) => a.kind === 'deadline-warning'), 'warning recorded')
})
