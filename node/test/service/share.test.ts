import t from 'tap'
import { lpStream } from '@libp2p/utils'
import { peerIdFromString } from '@libp2p/peer-id'
import { SHARE_PROTOCOL, decodeShareResponse, encodeFrame } from '../../../protocol/src/index.ts'
import type { ShareRequest } from '../../../protocol/src/index.ts'
import { firearmDraft, personDraft, startCluster } from '../helpers/cluster.ts'

const cluster = await startCluster(['DE', 'NL', 'SE'])
t.teardown(async () => { await cluster.close() })

const se = (): any => cluster.node('SE').service
const de = (): any => cluster.node('DE').service
const nl = (): any => cluster.node('NL').service

t.test('shared record arrives verified', async t => {
  await se().ingest(firearmDraft('SE', 'share-1'))
  const outcome = await se().share('urn:nfp:se:firearm:share-1', 'DE')
  t.equal(outcome.decision.effect, 'permit')
  t.equal(outcome.delivery.status, 'stored')

  const stored = await de().store.getRecord('urn:nfp:se:firearm:share-1')
  t.equal(stored.origin, 'received')
  t.equal(stored.receivedFrom, 'SE')
  t.same(stored.hops.map((h: any) => h.jurisdiction), ['SE'])
  t.equal(stored.signed.record.serialNumber, 'ABC123')

  const audit = await de().store.listAudit(0, 1000)
  t.ok(audit.some((e: any) => e.event === 'record.received' && e.recordId === 'urn:nfp:se:firearm:share-1'), 'receipt is audited')
  const sent = await se().store.listAudit(0, 1000)
  t.ok(sent.some((e: any) => e.event === 'policy.decision' && e.decision === 'permit' && e.recordId === 'urn:nfp:se:firearm:share-1'), 'decision is audited')
  t.ok(sent.some((e: any) => e.event === 'share.sent' && e.peer === 'DE'), 'send is audited')
})

t.test('sharing the same version again is idempotent', async t => {
  const outcome = await se().share('urn:nfp:se:firearm:share-1', 'DE')
  t.equal(outcome.delivery.status, 'unchanged')
})

t.test('record changed by one byte is rejected', async t => {
  await se().ingest(firearmDraft('SE', 'tamper-1'))
  const stored = await se().store.getRecord('urn:nfp:se:firearm:tamper-1')
  const request: ShareRequest = { type: 'share', messageId: crypto.randomUUID(), sender: 'SE', sentAt: new Date().toISOString(), items: [{ signed: stored.signed, hops: [] }] }
  const frame = encodeFrame(request)

  // Flip one byte inside the serial number, as a faulty or hostile link would.
  const text = new TextDecoder().decode(frame)
  const offset = new TextEncoder().encode(text.slice(0, text.indexOf('ABC123'))).byteLength
  const tampered = frame.slice()
  tampered[offset] = 'X'.charCodeAt(0)

  const network = cluster.node('SE').service.network
  const stream = await network.dialProtocol(peerIdFromString(cluster.members.get('DE')!.peerId), SHARE_PROTOCOL)
  const lp = lpStream(stream)
  await lp.write(tampered)
  const response = decodeShareResponse((await lp.read()).subarray())
  await stream.close()

  t.equal(response.type, 'share-result')
  const result = (response as any).results[0]
  t.equal(result.status, 'rejected')
  t.equal(result.code, 'ERR_SIG_INVALID')
  t.equal(await de().store.getRecord('urn:nfp:se:firearm:tamper-1'), undefined, 'nothing is stored')
  const audit = await de().store.listAudit(0, 1000)
  t.ok(audit.some((e: any) => e.event === 'record.rejected' && e.code === 'ERR_SIG_INVALID'), 'rejection is audited')
})

t.test('sender claiming another jurisdiction is refused', async t => {
  const stored = await se().store.getRecord('urn:nfp:se:firearm:share-1')
  const request: ShareRequest = { type: 'share', messageId: crypto.randomUUID(), sender: 'NL', sentAt: new Date().toISOString(), items: [{ signed: stored.signed, hops: [] }] }
  const network = cluster.node('SE').service.network
  const stream = await network.dialProtocol(peerIdFromString(cluster.members.get('DE')!.peerId), SHARE_PROTOCOL)
  const lp = lpStream(stream)
  await lp.write(encodeFrame(request))
  const response = decodeShareResponse((await lp.read()).subarray())
  await stream.close()
  t.equal(response.type, 'error')
  t.equal((response as any).code, 'ERR_PEER_IDENTITY_MISMATCH')
})

t.test('relayed record still verifies at the third node', async t => {
  await se().ingest(firearmDraft('SE', 'relay-1', { onwardSharingConsent: ['NL'] }))
  await se().share('urn:nfp:se:firearm:relay-1', 'DE')
  const outcome = await de().share('urn:nfp:se:firearm:relay-1', 'NL')
  t.equal(outcome.decision.effect, 'permit')

  const stored = await nl().store.getRecord('urn:nfp:se:firearm:relay-1')
  t.equal(stored.receivedFrom, 'DE')
  t.equal(stored.signed.record.provenance.jurisdiction, 'SE')
  t.same(stored.hops.map((h: any) => h.jurisdiction), ['SE', 'DE'])
  const original = await se().store.getRecord('urn:nfp:se:firearm:relay-1')
  t.same(stored.signed.signature, original.signed.signature, 'the originator signature is kept unchanged')
})

t.test('relay without originator consent is denied', async t => {
  await t.rejects(de().share('urn:nfp:se:firearm:share-1', 'NL'), { code: 'ERR_POLICY_DENIED' })
  t.equal(await nl().store.getRecord('urn:nfp:se:firearm:share-1'), undefined)
})

t.test('denied record never leaves the sender', async t => {
  await se().ingest(personDraft('SE', 'informant-1', 'informant'))
  const outboxBefore = (await se().store.listOutbox(0, 1000)).length
  const err: any = await se().share('urn:nfp:se:person:informant-1', 'DE').catch((e: unknown) => e)
  t.equal(err.code, 'ERR_POLICY_DENIED')
  t.equal(err.decision.effect, 'deny')
  t.ok(err.decision.reasons.length > 0, 'the decision names its rules')
  t.equal((await se().store.listOutbox(0, 1000)).length, outboxBefore, 'nothing is queued for sending')
  t.equal(await de().store.getRecord('urn:nfp:se:person:informant-1'), undefined, 'the recipient has nothing')
  const audit = await se().store.listAudit(0, 1000)
  t.ok(audit.some((e: any) => e.event === 'policy.decision' && e.decision === 'deny' && e.recordId === 'urn:nfp:se:person:informant-1'), 'the denial is audited')
})

t.test('removed field never reaches the recipient', async t => {
  await se().ingest(personDraft('SE', 'witness-1', 'witness'))
  const outcome = await se().share('urn:nfp:se:person:witness-1', 'DE')
  t.equal(outcome.decision.effect, 'permit')
  t.ok(outcome.decision.removedFields.includes('dateOfBirth'), 'the decision removes the date of birth')

  const received = await de().store.getRecord('urn:nfp:se:person:witness-1')
  for (const field of outcome.decision.removedFields) t.equal(received.signed.record[field], undefined, `${field} is absent at DE`)
  t.same(received.signed.record.redactedFields, [...outcome.decision.removedFields].sort())
  t.notOk(JSON.stringify(received).includes('1980-02-03'), 'the value appears nowhere in the stored copy')

  const local = await se().store.getRecord('urn:nfp:se:person:witness-1')
  t.equal(local.signed.record.dateOfBirth, '1980-02-03', 'the sender keeps its full record')
})

t.test('sharing with a non-member fails', async t => {
  await t.rejects(se().share('urn:nfp:se:firearm:share-1', 'FR'), { code: 'ERR_PEER_UNKNOWN' })
  await t.rejects(se().share('urn:nfp:se:firearm:share-1', 'SE'), { code: 'ERR_PEER_UNKNOWN' })
})

t.test('offline peer is reported as unreachable', async t => {
  await cluster.stop('NL')
  await se().ingest(firearmDraft('SE', 'offline-1'))
  await t.rejects(se().share('urn:nfp:se:firearm:offline-1', 'NL'), { code: /ERR_PEER_(UNREACHABLE|TIMEOUT)/ })
  const outbox = await se().store.listOutbox(0, 1000)
  t.equal(outbox.at(-1).status, 'failed', 'the outbox entry records the failure')
  await cluster.start('NL')
})

t.test('records survive a node restart', async t => {
  await cluster.stop('DE')
  const restarted = await cluster.start('DE')
  const stored = await restarted.service.store.getRecord('urn:nfp:se:firearm:share-1')
  t.equal(stored?.signed.record.id, 'urn:nfp:se:firearm:share-1')
  t.equal(await restarted.service.store.verifyAuditChain(), undefined, 'the audit chain still verifies')
  const audit = await restarted.service.store.listAudit(0, 10000)
  t.equal(audit.filter((e: any) => e.event === 'node.started').length, 2)

  await se().ingest(firearmDraft('SE', 'after-restart-1'))
  const outcome = await se().share('urn:nfp:se:firearm:after-restart-1', 'DE')
  t.equal(outcome.delivery.status, 'stored', 'the restarted node accepts new records')
})
