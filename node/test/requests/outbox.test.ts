import t from 'tap'
import { firearmDraft, startCluster } from '../helpers/cluster.ts'
import { completeRequest, eventually } from './helpers.ts'

// Real FR and DE nodes over libp2p on 127.0.0.1, each with its own LevelDB; nodes are stopped
// and started again to show that queued messages survive a restart.
const cluster = await startCluster(['FR', 'DE'])
t.teardown(async () => { await cluster.close() })
const fr = (): any => cluster.node('FR')
const de = (): any => cluster.node('DE')
await fr().service.ingest(firearmDraft('FR', 'pistol-9', { serialNumber: 'SN-900' }))

t.test('request survives sender restart until delivered', async t => {
  await cluster.stop('FR')
  const sent = await de().requests.send('FR', completeRequest({ informationSought: { description: 'Pistol', ids: ['urn:nfp:fr:firearm:pistol-9'] } }))
  t.equal(sent.status, 'sent', 'stored and queued although FR is down')
  t.equal(sent.undelivered.length, 1)
  t.equal(sent.undelivered[0].type, 'request')
  t.equal(sent.undelivered[0].attempts, 1)
  t.equal(sent.undelivered[0].lastError, 'ERR_PEER_UNREACHABLE')

  await cluster.stop('DE')
  await cluster.start('DE')
  await cluster.start('FR')
  const queued = await de().requests.getRequest(sent.requestId)
  t.equal(queued.undelivered.length, 1, 'still queued after the restart')

  await de().requests.flushOutbox(true)
  const delivered = await de().requests.getRequest(sent.requestId)
  t.equal(delivered.status, 'received')
  t.equal(delivered.undelivered.length, 0)
  t.equal(delivered.clock.limitHours, 168)
  const cases = (await fr().requests.listCases()).filter((c: any) => c.requestId === sent.requestId)
  t.equal(cases.length, 1, 'one case at the responder')
})

t.test('answer waits for restarted requester', async t => {
  const sent = await de().requests.send('FR', completeRequest({ informationSought: { description: 'Pistol', ids: ['urn:nfp:fr:firearm:pistol-9'] } }))
  const caseId = `de-${sent.requestId as string}`
  await cluster.stop('DE')
  const answered = await fr().requests.sendAnswer(caseId)
  t.equal(answered.status, 'answered')
  t.equal(answered.undelivered[0].type, 'answer')
  await cluster.stop('FR')
  await cluster.start('FR')
  await cluster.start('DE')
  t.equal((await fr().requests.getCase(caseId)).undelivered.length, 1, 'answer still queued after the restart')
  await fr().requests.flushOutbox(true)
  t.ok(await eventually(async () => (await de().requests.getRequest(sent.requestId)).status === 'answered'), 'requester got the answer')
  t.equal((await fr().requests.getCase(caseId)).undelivered.length, 0)
  const audit = (await fr().service.store.listAudit(0, 10_000)).map((e: any) => e.event)
  t.ok(audit.includes('request.answer-delivered'))
})

t.test('paused message holds later messages to the same peer', async t => {
  await cluster.stop('FR')
  const first = await de().requests.send('FR', completeRequest({ informationSought: { description: 'Pistol', ids: ['urn:nfp:fr:firearm:pistol-9'] } }))
  const second = await de().requests.send('FR', completeRequest({ informationSought: { description: 'Pistol again', ids: ['urn:nfp:fr:firearm:pistol-9'] } }))
  t.equal(first.undelivered[0].attempts, 1)
  t.equal(second.undelivered[0].attempts, 0, 'not tried while an older message to FR waits')
  await cluster.start('FR')
  await de().requests.flushOutbox(true)
  t.equal((await de().requests.getRequest(first.requestId)).status, 'received')
  t.equal((await de().requests.getRequest(second.requestId)).status, 'received')
})
