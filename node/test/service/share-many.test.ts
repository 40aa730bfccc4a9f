import t from 'tap'
import { firearmDraft, startCluster } from '../helpers/cluster.ts'

const cluster = await startCluster(['DE', 'SE'])
t.teardown(async () => { await cluster.close() })

const se = (): any => cluster.node('SE')
const de = (): any => cluster.node('DE')

async function call (node: any, method: 'GET' | 'POST', url: string, payload?: unknown): Promise<{ status: number, body: any }> {
  const response = await node.app.inject({ method, url, payload, headers: { authorization: `Bearer ${node.service.identity.apiToken}` } })
  return { status: response.statusCode, body: response.json() }
}

async function waitForRecord (node: any, id: string): Promise<boolean> {
  const deadline = Date.now() + 10000
  while (Date.now() < deadline) {
    if (await node.service.store.getRecord(id) !== undefined) return true
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  return false
}

t.test('batch share queues permitted records', async t => {
  const ids = []
  for (const name of ['many-1', 'many-2']) ids.push((await se().service.ingest(firearmDraft('SE', name))).stored.signed.record.id)
  const secret = (await se().service.ingest(firearmDraft('SE', 'many-h3', { handlingCode: 'H3' }))).stored.signed.record.id
  const missing = 'urn:nfp:se:firearm:many-missing'

  const { status, body } = await call(se(), 'POST', '/records/share', { to: 'DE', ids: [ids[0], secret, missing, ids[1]] })
  t.equal(status, 202)
  t.same(body.outcomes.map((o: any) => [o.recordId, o.status, o.code]), [
    [ids[0], 'queued', undefined],
    [secret, 'rejected', 'ERR_POLICY_DENIED'],
    [missing, 'rejected', 'ERR_RECORD_NOT_FOUND'],
    [ids[1], 'queued', undefined]
  ])
  t.equal(body.outcomes[3].seq, body.outcomes[0].seq + 1, 'permitted records get consecutive sequence numbers')

  t.ok(await waitForRecord(de(), ids[0]), 'DE stores the first record')
  t.ok(await waitForRecord(de(), ids[1]), 'DE stores the second record')
  t.equal(await de().service.store.getRecord(secret), undefined, 'the denied record never reaches DE')

  const audit = await se().service.store.listAudit(0, 10000)
  const decisions = audit.filter((e: any) => e.event === 'policy.decision' && e.peer === 'DE')
  t.same(decisions.map((e: any) => [e.recordId, e.decision]).sort(), [[ids[0], 'permit'], [ids[1], 'permit'], [secret, 'deny']].sort(), 'every decision is audited')
})

t.test('batch share to non-member fails', async t => {
  const { status, body } = await call(se(), 'POST', '/records/share', { to: 'FR', ids: ['urn:nfp:se:firearm:many-1'] })
  t.equal(status, 404)
  t.equal(body.code, 'ERR_PEER_UNKNOWN')
})

t.test('frame commits each record whole', async t => {
  // SE's delivery is stopped, so its outbox items can be handed to DE in a frame of our own order.
  se().service.delivery.stop()
  const first = (await se().service.ingest(firearmDraft('SE', 'frame-x'))).stored.signed.record.id
  const other = (await se().service.ingest(firearmDraft('SE', 'frame-y'))).stored.signed.record.id
  const [older] = await se().service.shareMany([first, other], 'DE')
  await se().service.ingest(firearmDraft('SE', 'frame-x', { model: '19' }))
  const [newer] = await se().service.shareMany([first], 'DE')
  const items = await se().service.outbox.list('DE', older.seq - 1, 3)
  const byVersion = new Map(items.map((i: any) => [i.seq, i.item]))
  const inboxBefore = (await de().service.store.listInbox(0, 10000)).length

  const seqFrom = older.seq
  const request = { type: 'share', messageId: crypto.randomUUID(), sender: 'SE', receiver: 'DE', sentAt: new Date().toISOString(), seqFrom, items: [byVersion.get(newer.seq), byVersion.get(older.seq), byVersion.get(older.seq + 1), byVersion.get(older.seq + 1)] }
  const response = await de().service.receive(request, se().service.identity.peerId)
  t.same(response.results.map((r: any) => [r.index, r.status, r.code]), [
    [0, 'stored', undefined],
    [1, 'rejected', 'ERR_RECORD_STALE'],
    [2, 'stored', undefined],
    [3, 'unchanged', undefined]
  ])

  t.equal((await de().service.store.getRecord(first)).signed.record.versionHash, newer.sentVersionHash, 'the newer version stays')
  const audit = await de().service.store.listAudit(0, 10000)
  const received = audit.filter((e: any) => e.event === 'record.received' && e.messageId === request.messageId)
  t.same(received.map((e: any) => e.recordId), [first, other], 'one record.received entry per stored record')
  const rejected = audit.filter((e: any) => e.event === 'record.rejected' && e.messageId === request.messageId)
  t.equal(rejected.length, 1, 'the rejection is summed up once')
  t.equal(rejected[0]?.code, 'ERR_RECORD_STALE')
  t.equal((await de().service.store.read('cursors', 'in!SE')).applied, seqFrom + 3, 'the cursor covers the whole frame')
  t.equal((await de().service.store.listInbox(0, 10000)).length, inboxBefore + 1, 'one inbox entry for the frame')
})
