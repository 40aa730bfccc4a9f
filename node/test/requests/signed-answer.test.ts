import t from 'tap'
import { sendRequestMessage } from '../../src/net/requests.ts'
import { signRequestMessage } from '../../src/requests/signed-message.ts'
import { firearmDraft, startCluster } from '../helpers/cluster.ts'
import { completeRequest, eventually } from './helpers.ts'

// Real FR and DE nodes over libp2p on 127.0.0.1. FR plays a dishonest responder by writing
// frames itself with its own network and key, so DE's checks run exactly as in production.
const cluster = await startCluster(['FR', 'DE'])
t.teardown(async () => { await cluster.close() })
const fr = (): any => cluster.node('FR')
const de = (): any => cluster.node('DE')
await fr().service.ingest(firearmDraft('FR', 'pistol-7', { serialNumber: 'SN-700' }))

async function openRequest (): Promise<any> {
  return await de().requests.send('FR', completeRequest({ informationSought: { description: 'Pistol', ids: ['urn:nfp:fr:firearm:pistol-7'] } }))
}

function frKey (): any {
  return { privateKey: fr().service.identity.signing.privateKey, kid: fr().service.identity.signing.kid }
}

async function deliverToDe (message: any): Promise<unknown> {
  const member = fr().service.member('DE')
  return await sendRequestMessage(fr().service.network, member, message, { timeoutMs: 5000, attempts: 1 }).catch((e: unknown) => e)
}

function answerFor (requestId: string, overrides: Record<string, unknown> = {}): any {
  return {
    type: 'answer',
    messageId: `forged-${Math.random()}`,
    requestId,
    sender: 'FR',
    receiver: 'DE',
    sentAt: new Date().toISOString(),
    outcome: 'refused',
    records: [],
    refusals: [{ ground: 'NOT_AVAILABLE', reasons: 'Nothing here.' }],
    clock: { receivedAt: new Date().toISOString(), urgent: false, access: 'direct', limitHours: 168, pausedMs: 0 },
    ...overrides
  }
}

t.test('signed answer verifies and is kept as evidence', async t => {
  const sent = await openRequest()
  await fr().requests.sendAnswer(`de-${sent.requestId as string}`)
  const received = await de().requests.getRequest(sent.requestId)
  t.equal(received.status, 'answered')
  t.match(received.answerMessage.signature, /^[\w-]+\.\.[\w-]+$/, 'detached compact JWS kept with the answer')
  t.equal(received.answerMessage.records[0].record.id, 'urn:nfp:fr:firearm:pistol-7')
})

t.test('altered answer is rejected with ERR_SIG_INVALID', async t => {
  const sent = await openRequest()
  const signed = await signRequestMessage(answerFor(sent.requestId), frKey())
  const altered = { ...signed, outcome: 'answered', refusals: [] }
  const err: any = await deliverToDe(altered)
  t.equal(err.code, 'ERR_PEER_REJECTED')
  t.equal(err.peerCode, 'ERR_SIG_INVALID')
  const request = await de().requests.getRequest(sent.requestId)
  t.equal(request.status, 'received', 'request unchanged')
  const audit = await de().service.store.listAudit(0, 10_000)
  t.ok(audit.some((e: any) => e.event === 'request.message-rejected' && e.messageId === sent.requestId && e.code === 'ERR_SIG_INVALID'), 'rejection audited')
})

t.test('answer signed with another key is rejected', async t => {
  const sent = await openRequest()
  const deKey = { privateKey: de().service.identity.signing.privateKey, kid: de().service.identity.signing.kid }
  const forged = await signRequestMessage(answerFor(sent.requestId), deKey)
  const err: any = await deliverToDe(forged)
  t.equal(err.peerCode, 'ERR_SIG_UNKNOWN_KEY', 'DE key is not registered for FR')
  const unsigned = { ...answerFor(sent.requestId), signature: 'e30..AAAA' }
  const bad: any = await deliverToDe(unsigned)
  t.equal(bad.peerCode, 'ERR_SIG_INVALID')
  t.equal((await de().requests.getRequest(sent.requestId)).status, 'received')
})

t.test('resent message is handled once', async t => {
  const sent = await openRequest()
  const signed = await signRequestMessage(answerFor(sent.requestId), frKey())
  const first: any = await deliverToDe(signed)
  const again: any = await deliverToDe(signed)
  t.equal(first.type, 'ack')
  t.same(again, first, 'the same acknowledgement again')
  const audit = await de().service.store.listAudit(0, 10_000)
  t.equal(audit.filter((e: any) => e.event === 'request.answer-received' && e.messageId === sent.requestId).length, 1, 'one transition')
})

t.test('record deleted before the answer is refused NOT_AVAILABLE', async t => {
  await fr().service.ingest(firearmDraft('FR', 'pistol-8', { serialNumber: 'SN-800' }))
  const sent = await de().requests.send('FR', completeRequest({ informationSought: { description: 'Two pistols', ids: ['urn:nfp:fr:firearm:pistol-7', 'urn:nfp:fr:firearm:pistol-8'] } }))
  const caseId = `de-${sent.requestId as string}`
  t.equal((await fr().requests.getCase(caseId)).items[1].status, 'permitted')
  await fr().service.store.commit({ deleteRecordId: 'urn:nfp:fr:firearm:pistol-8', audit: [{ event: 'record.deleted', recordId: 'urn:nfp:fr:firearm:pistol-8' }] })
  const answered = await fr().requests.sendAnswer(caseId)
  t.equal(answered.outcome, 'partly-refused')
  const item = answered.items.find((i: any) => i.recordId === 'urn:nfp:fr:firearm:pistol-8')
  t.equal(item.status, 'refused')
  t.equal(item.refusal.ground, 'NOT_AVAILABLE')
  t.match(item.refusal.reasons, /deleted/)
  t.ok(await eventually(async () => (await de().requests.getRequest(sent.requestId)).refusals.some((r: any) => r.recordId === 'urn:nfp:fr:firearm:pistol-8' && r.ground === 'NOT_AVAILABLE')), 'requester sees the refusal')
})
