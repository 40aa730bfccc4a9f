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

/** Builds a record item as `from` would send it to `to`, with a valid signed hop. */
async function itemFor (from: any, signed: any, to: string, hops: any[] = []): Promise<any> {
  const { signHopBatch } = await import('../../../protocol/src/index.ts')
  const at = new Date().toISOString()
  const key = { privateKey: from.identity.signing.privateKey, kid: from.identity.signing.kid }
  const [hop] = await signHopBatch([{ recordId: signed.record.id, versionHash: signed.record.versionHash }], key, { by: from.jurisdiction, to, at })
  return { kind: 'record', signed, hops: [...hops, hop] }
}

let seq = 100000
/** Builds a share message from `sender` to `receiver` with fresh sequence numbers. */
function message (sender: string, receiver: string, items: any[]): ShareRequest {
  const seqFrom = seq
  seq += items.length
  return { type: 'share', messageId: crypto.randomUUID(), sender, receiver, sentAt: new Date().toISOString(), seqFrom, items }
}

t.test('shared record arrives verified', async t => {
  await se().ingest(firearmDraft('SE', 'share-1'))
  const outcome = await se().share('urn:nfp:se:firearm:share-1', 'DE')
  t.equal(outcome.decision.effect, 'permit')
  t.equal(outcome.delivery.status, 'stored')

  const stored = await de().store.getRecord('urn:nfp:se:firearm:share-1')
  t.equal(stored.origin, 'received')
  t.equal(stored.receivedFrom, 'SE')
  t.same(stored.hops.map((h: any) => h.jurisdiction), ['SE'])
  t.equal(stored.hops[0].to, 'DE')
  t.equal(stored.signed.record.serialNumber, 'ABC123')

  const receipts = await se().store.range('receipts', { gt: 'DE!', lt: 'DE!~' })
  t.ok(receipts.length >= 1, 'the sender keeps the signed receipt')
  t.match(receipts[0][1].receipt, /^[\w-]+\.[\w-]+\.[\w-]+$/)

  const audit = await de().store.listAudit(0, 1000)
  t.ok(audit.some((e: any) => e.event === 'record.received' && e.recordId === 'urn:nfp:se:firearm:share-1'), 'receipt is audited')
  const sent = await se().store.listAudit(0, 1000)
  t.ok(sent.some((e: any) => e.event === 'policy.decision' && e.decision === 'permit' && e.recordId === 'urn:nfp:se:firearm:share-1'), 'decision is audited')
  t.ok(sent.some((e: any) => e.event === 'share.delivered' && e.peer === 'DE'), 'delivery is audited')
})

t.test('sharing the same version again is idempotent', async t => {
  const outcome = await se().share('urn:nfp:se:firearm:share-1', 'DE')
  t.equal(outcome.delivery.status, 'unchanged')
})

t.test('record changed by one byte is rejected', async t => {
  await se().ingest(firearmDraft('SE', 'tamper-1'))
  const stored = await se().store.getRecord('urn:nfp:se:firearm:tamper-1')
  const request = message('SE', 'DE', [await itemFor(se(), stored.signed, 'DE')])
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
  // The altered value gives another commitment than the version hash the originator signed.
  t.equal(result.code, 'ERR_RECORD_VERSION_MISMATCH')
  t.equal(await de().store.getRecord('urn:nfp:se:firearm:tamper-1'), undefined, 'nothing is stored')
  const audit = await de().store.listAudit(0, 1000)
  t.ok(audit.some((e: any) => e.event === 'record.rejected' && e.code === 'ERR_RECORD_VERSION_MISMATCH'), 'rejection is audited')
})

t.test('sender claiming another jurisdiction is refused', async t => {
  const stored = await se().store.getRecord('urn:nfp:se:firearm:share-1')
  const request = message('NL', 'DE', [await itemFor(se(), stored.signed, 'DE')])
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
  t.same(stored.hops.map((h: any) => h.to), ['DE', 'NL'])
  const original = await se().store.getRecord('urn:nfp:se:firearm:relay-1')
  t.same(stored.signed.signature, original.signed.signature, 'the originator signature is kept unchanged')
})

t.test('relay without originator consent is denied', async t => {
  await t.rejects(de().share('urn:nfp:se:firearm:share-1', 'NL'), { code: 'ERR_POLICY_DENIED' })
  t.equal(await nl().store.getRecord('urn:nfp:se:firearm:share-1'), undefined)
})

t.test('denied record never leaves the sender', async t => {
  await se().ingest(personDraft('SE', 'informant-1', 'informant'))
  const outboxBefore = (await se().outbox.list('DE', 0, 100000)).length
  const err: any = await se().share('urn:nfp:se:person:informant-1', 'DE').catch((e: unknown) => e)
  t.equal(err.code, 'ERR_POLICY_DENIED')
  t.equal(err.decision.effect, 'deny')
  t.ok(err.decision.reasons.length > 0, 'the decision names its rules')
  t.equal((await se().outbox.list('DE', 0, 100000)).length, outboxBefore, 'nothing is queued for sending')
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
  t.notOk(JSON.stringify(received).includes('1980-02-03'), 'the value appears nowhere in the stored copy')

  const local = await se().store.getRecord('urn:nfp:se:person:witness-1')
  const present = outcome.decision.removedFields.filter((f: string) => local.signed.record[f] !== undefined).map((f: string) => `/${f}`).sort()
  t.ok(present.length > 0, 'the witness record had fields to remove')
  t.same(received.removed, present.map((path: string) => ({ path, by: 'SE' })), 'DE knows which fields SE removed')
  t.equal(received.signed.signature.batch, local.signed.signature.batch, 'the originator signature still covers the copy')
  t.equal(local.signed.record.dateOfBirth, '1980-02-03', 'the sender keeps its full record')
})

t.test('sharing with a non-member fails', async t => {
  await t.rejects(se().share('urn:nfp:se:firearm:share-1', 'FR'), { code: 'ERR_PEER_UNKNOWN' })
  await t.rejects(se().share('urn:nfp:se:firearm:share-1', 'SE'), { code: 'ERR_PEER_UNKNOWN' })
})

t.test('offline peer catches up after restart', async t => {
  await cluster.stop('NL')
  await se().ingest(firearmDraft('SE', 'offline-1'))
  const outcome = await se().share('urn:nfp:se:firearm:offline-1', 'NL', { waitMs: 300 })
  t.equal(outcome.delivery.status, 'queued')
  const pending = await se().outbox.pending('NL', 100)
  t.ok(pending.some((i: any) => i.recordId === 'urn:nfp:se:firearm:offline-1'), 'the item waits in the outbox')

  await cluster.start('NL')
  se().delivery.kick('NL')
  const done = await se().delivery.waitFor('NL', outcome.delivery.seq, 10000)
  t.equal(done?.result?.status, 'stored', 'the queued item is delivered after the peer returns')
  t.equal((await nl().store.getRecord('urn:nfp:se:firearm:offline-1'))?.origin, 'received')
  t.equal((await se().outbox.pending('NL', 100)).length, 0, 'nothing is left pending')
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

t.test('member cannot overwrite another member record', async t => {
  // DE signs, with its own valid key, a record that reuses an SE id: the id must bind to SE.
  const { signRecord, withVersionHash } = await import('../../../protocol/src/index.ts')
  const forged = withVersionHash({
    ...firearmDraft('DE', 'x'),
    id: 'urn:nfp:se:firearm:share-1',
    make: 'FORGED',
    provenance: { jurisdiction: 'DE', agency: 'DE test agency', created: '2999-01-01T00:00:00.000Z', modified: '2999-01-01T00:00:00.000Z' }
  })
  const identity = cluster.node('DE').service.identity
  const signed = await signRecord(forged as any, { privateKey: identity.signing.privateKey, kid: identity.signing.kid })
  const response: any = await nl().receive(message('DE', 'NL', [await itemFor(de(), signed, 'NL')]), cluster.members.get('DE')!.peerId)
  t.equal(response.results[0].status, 'rejected')
  t.equal(response.results[0].code, 'ERR_RECORD_INVALID')
  t.match(response.results[0].message, /names jurisdiction `se`/)
})

t.test('older version never replaces a newer one', async t => {
  await se().ingest(firearmDraft('SE', 'race-1', { model: 'v1' }))
  const v1 = (await se().store.getRecord('urn:nfp:se:firearm:race-1')).signed
  await new Promise(resolve => setTimeout(resolve, 5))
  await se().ingest(firearmDraft('SE', 'race-1', { model: 'v2' }))
  const v2 = (await se().store.getRecord('urn:nfp:se:firearm:race-1')).signed
  const sePeer = cluster.members.get('SE')!.peerId
  const item1 = await itemFor(se(), v1, 'NL')
  const item2 = await itemFor(se(), v2, 'NL')

  // Both versions arrive at once, the newer first, many times over.
  for (let i = 0; i < 10; i++) {
    const id = `urn:nfp:se:firearm:race-1`
    const results = await Promise.all([nl().receive(message('SE', 'NL', [item2]), sePeer), nl().receive(message('SE', 'NL', [item1]), sePeer)])
    // In the first round v1 may win the race and be stored before v2 replaces it; once v2 is
    // stored, v1 must never be stored again.
    if (i > 0) t.not(results[1].results[0].status, 'stored', `round ${i}: the older version is not stored`)
    t.equal((await nl().store.getRecord(id)).signed.record.model, 'v2', `round ${i}: the newer version stays`)
  }
})

t.test('versions compare as instants', async t => {
  const { signRecord, withVersionHash } = await import('../../../protocol/src/index.ts')
  const identity = cluster.node('SE').service.identity
  const at = async (modified: string, model: string): Promise<unknown> => await signRecord(withVersionHash({
    ...firearmDraft('SE', 'instant-1', { model }),
    provenance: { jurisdiction: 'SE', agency: 'SE test agency', created: '2026-01-01T00:00:00Z', modified }
  }) as any, { privateKey: identity.signing.privateKey, kid: identity.signing.kid })
  const sePeer = cluster.members.get('SE')!.peerId
  const send = async (signed: unknown): Promise<any> => await nl().receive(message('SE', 'NL', [await itemFor(se(), signed, 'NL')]), sePeer)

  t.equal((await send(await at('2026-12-04T21:00:00+01:00', 'a'))).results[0].status, 'stored')
  const newer = await send(await at('2026-12-04T20:30:00Z', 'b'))
  t.equal(newer.results[0].status, 'stored', '20:30Z is later than 21:00+01:00 (20:00Z)')
  const older = await send(await at('2026-12-04T20:15:00.500Z', 'c'))
  t.equal(older.results[0].code, 'ERR_RECORD_STALE')
})

t.test('rejections of one message share an audit entry', async t => {
  const before = (await nl().store.listAudit(0, 100000)).length
  const junk = Array.from({ length: 50 }, () => ({ kind: 'record', signed: { record: { id: 'x' }, signature: { protected: 'a', signature: 'b' } }, hops: [{ jurisdiction: 'SE', to: 'NL', at: new Date().toISOString(), batch: 'a.b.c', index: 0, proof: [] }] }))
  const response: any = await nl().receive(message('SE', 'NL', junk), cluster.members.get('SE')!.peerId)
  t.equal(response.results.length, 50)
  t.ok(response.results.every((r: any) => r.status === 'rejected'))
  const added = (await nl().store.listAudit(0, 100000)).slice(before)
  t.equal(added.length, 1)
  t.equal(added[0].event, 'record.rejected')
  t.match(added[0].detail, /^50 of 50 items rejected/)
})

t.test('nested field removal reaches no recipient', async t => {
  const { outgoingCopy } = await import('../../src/outgoing.ts')
  const { commitRecord, signRecordBatch } = await import('../../../protocol/src/index.ts')
  const stored = await se().store.getRecord('urn:nfp:se:person:witness-1')
  const { versionHash: _v, ...content } = stored.signed.record
  const key = { privateKey: cluster.node('SE').service.identity.signing.privateKey, kid: cluster.node('SE').service.identity.signing.kid }
  const [signed] = await signRecordBatch([commitRecord({ ...content, provenance: { ...content.provenance, sourceReference: 'SECRET-4711' } })], key, 'SE')
  const sender = { jurisdiction: 'SE', key }
  const removing = (removedFields: string[]): any => ({ effect: 'permit', removedFields, withheldLinks: [], attached: { rules: [] }, approvals: [], reasons: [] })
  const copy = await outgoingCopy(signed!, removing(['provenance.sourceReference', 'identityDocuments.documentNumber']), sender).catch((e: unknown) => e)
  // identityDocuments.documentNumber lies inside a disclosure unit, so the originator would
  // sign a new version without it. The number is required inside each document, so that fails.
  t.equal((copy as any).code, 'ERR_RECORD_INVALID')
  const ok = await outgoingCopy(signed!, removing(['provenance.sourceReference']), sender)
  t.equal(ok.signed.record.provenance.sourceReference, undefined)
  t.notOk(JSON.stringify(ok).includes('SECRET-4711'))
  t.same(ok.removed, ['/provenance/sourceReference'])
  t.equal(ok.signed.record.versionHash, signed!.record.versionHash, 'redaction keeps the version')
})

t.test('forged hop is rejected', async t => {
  await se().ingest(firearmDraft('SE', 'path-1', { onwardSharingConsent: ['NL'] }))
  const stored = await se().store.getRecord('urn:nfp:se:firearm:path-1')
  // DE claims to relay an SE record it never received: there is no SE hop to DE.
  const forgedPath = await itemFor(de(), stored.signed, 'NL')
  const response: any = await nl().receive(message('DE', 'NL', [forgedPath]), cluster.members.get('DE')!.peerId)
  t.equal(response.results[0].code, 'ERR_RECORD_PATH_INVALID')
  t.match(response.results[0].message, /must start at the originator SE/)

  // A hop signed by the wrong node does not verify either.
  const seHop = await itemFor(se(), stored.signed, 'DE')
  const relayed = await itemFor(de(), stored.signed, 'NL', seHop.hops)
  relayed.hops[0] = { ...relayed.hops[0], batch: relayed.hops[1].batch }
  const second: any = await nl().receive(message('DE', 'NL', [relayed]), cluster.members.get('DE')!.peerId)
  t.equal(second.results[0].code, 'ERR_RECORD_PATH_INVALID')
  t.equal(await nl().store.getRecord('urn:nfp:se:firearm:path-1'), undefined)
})

t.test('record never goes back along its path', async t => {
  // relay-1 went SE > DE > NL; NL may not send it to DE again, and SE is its originator.
  const decision = await nl().decide((await nl().store.getRecord('urn:nfp:se:firearm:relay-1')).signed.record, 'DE', (await nl().store.getRecord('urn:nfp:se:firearm:relay-1')).hops)
  t.equal(decision.effect, 'deny')
  t.ok(decision.reasons.some((r: any) => r.ruleId === 'NODE-NO-RETURN'))
})

t.test('receipt is bound to its message', async t => {
  const { verifyStatement } = await import('../../../protocol/src/index.ts')
  const stored = await se().store.getRecord('urn:nfp:se:firearm:share-1')
  const request = message('SE', 'DE', [await itemFor(se(), stored.signed, 'DE')])
  const response: any = await de().receive(request, cluster.members.get('SE')!.peerId)
  const receipt: any = await verifyStatement('receipt', response.receipt, async (j: string, kid: string) => j === 'DE' && kid === de().identity.signing.kid ? de().identity.signing.privateKey : undefined).catch(() => undefined)
  // The receipt verifies only with DE's public key; the private key object must not verify it.
  t.equal(receipt, undefined)
  const { importSigningKey } = await import('../../../protocol/src/index.ts')
  const publicKey = await importSigningKey(de().identity.signing.publicJwk)
  const payload: any = await verifyStatement('receipt', response.receipt, () => publicKey)
  t.equal(payload.by, 'DE')
  t.equal(payload.messageId, request.messageId)
  t.equal(payload.seqFrom, request.seqFrom)
  t.equal(payload.seqTo, request.seqFrom)
  t.same(payload.results, response.results)
})

t.test('update reaches every earlier recipient', async t => {
  await se().ingest(firearmDraft('SE', 'update-1'))
  await se().share('urn:nfp:se:firearm:update-1', 'DE')
  await se().share('urn:nfp:se:firearm:update-1', 'NL')
  await se().ingest(firearmDraft('SE', 'update-1', { model: '26' }))
  const deadline = Date.now() + 10000
  let deModel, nlModel
  while (Date.now() < deadline) {
    deModel = (await de().store.getRecord('urn:nfp:se:firearm:update-1'))?.signed.record.model
    nlModel = (await nl().store.getRecord('urn:nfp:se:firearm:update-1'))?.signed.record.model
    if (deModel === '26' && nlModel === '26') break
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  t.equal(deModel, '26')
  t.equal(nlModel, '26')
})

t.test('revocation deletes everywhere with receipts', async t => {
  await se().ingest(firearmDraft('SE', 'revoke-1', { onwardSharingConsent: ['NL'] }))
  await se().share('urn:nfp:se:firearm:revoke-1', 'DE')
  await de().share('urn:nfp:se:firearm:revoke-1', 'NL')
  t.ok(await nl().store.getRecord('urn:nfp:se:firearm:revoke-1'), 'NL holds the relayed copy')

  const revoked = await se().revoke('urn:nfp:se:firearm:revoke-1', 'serial number was wrong')
  t.same(revoked.peers, ['DE'])

  const deadline = Date.now() + 10000
  let report: any[] = []
  while (Date.now() < deadline) {
    report = await se().revocations.report('urn:nfp:se:firearm:revoke-1')
    const nlReceipt = await se().store.read('receipts', 'deletion!urn:nfp:se:firearm:revoke-1!NL')
    if (report.every((r: any) => r.deletionConfirmed) && nlReceipt !== undefined) break
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  t.equal(await de().store.getRecord('urn:nfp:se:firearm:revoke-1'), undefined, 'DE deleted it')
  t.equal(await nl().store.getRecord('urn:nfp:se:firearm:revoke-1'), undefined, 'NL, reached through DE, deleted it')
  t.same(report.map((r: any) => [r.peer, r.status, r.deletionConfirmed]), [['DE', 'revoked', true]])
  t.ok(await se().store.read('receipts', 'deletion!urn:nfp:se:firearm:revoke-1!NL'), 'NL sent its deletion receipt to the originator')
  t.ok(await se().store.getRecord('urn:nfp:se:firearm:revoke-1'), 'the originator keeps its own record')
})

t.test('received record is deleted at review date', async t => {
  const { signRecord, withVersionHash } = await import('../../../protocol/src/index.ts')
  const identity = cluster.node('SE').service.identity
  const expired = await signRecord(withVersionHash({
    ...firearmDraft('SE', 'expired-1', { reviewBy: new Date().toISOString().slice(0, 10) }),
    provenance: { jurisdiction: 'SE', agency: 'SE test agency', created: '2019-01-01T00:00:00Z', modified: '2019-01-01T00:00:00Z' }
  }) as any, { privateKey: identity.signing.privateKey, kid: identity.signing.kid })
  const response: any = await de().receive(message('SE', 'DE', [await itemFor(se(), expired, 'DE')]), cluster.members.get('SE')!.peerId)
  t.equal(response.results[0].status, 'stored')

  // The record is valid today; a sweep as of tomorrow finds it past its date.
  const tomorrow = new Date(Date.now() + 86400000).toISOString().slice(0, 10)
  t.equal(await de().revocations.sweepExpired(), 0, 'nothing is due today')
  const deleted = await de().revocations.sweepExpired(tomorrow)
  t.equal(deleted, 1)
  t.equal(await de().store.getRecord('urn:nfp:se:firearm:expired-1'), undefined)
  const deadline = Date.now() + 10000
  let receipt
  while (Date.now() < deadline && receipt === undefined) {
    receipt = await se().store.read('receipts', 'deletion!urn:nfp:se:firearm:expired-1!DE')
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  t.match((receipt as any)?.reason, /review-or-delete date \d{4}-\d{2}-\d{2} passed/)
})

t.test('interrupted update resumes after restart', async t => {
  await se().ingest(firearmDraft('SE', 'resume-1'))
  await se().share('urn:nfp:se:firearm:resume-1', 'DE')

  // The state a crash right after an update's commit leaves: the new version and the pending
  // propagation are stored, but nothing was queued for DE.
  const { signRecord, withVersionHash } = await import('../../../protocol/src/index.ts')
  const stored = await se().store.getRecord('urn:nfp:se:firearm:resume-1')
  const { versionHash: _old, ...rest } = stored.signed.record
  const v2 = withVersionHash({ ...rest, model: '45', provenance: { ...rest.provenance, modified: new Date().toISOString() } })
  const signed = await signRecord(v2 as any, { privateKey: se().identity.signing.privateKey, kid: se().identity.signing.kid })
  await se().store.commit({ record: { ...stored, signed }, writes: [{ collection: 'delivery', key: 'propagate!urn:nfp:se:firearm:resume-1', value: { recordId: 'urn:nfp:se:firearm:resume-1' } }], audit: [] })

  await cluster.stop('SE')
  await cluster.start('SE')
  let model
  for (let i = 0; i < 100 && model !== '45'; i++) {
    model = (await de().store.getRecord('urn:nfp:se:firearm:resume-1'))?.signed.record.model
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  t.equal(model, '45', 'DE gets the update the crash interrupted')
  t.equal((await se().store.range('delivery', { gt: 'propagate!', lt: 'propagate!~' })).length, 0, 'the pending mark is cleared')
})

t.test('owed deletion receipt is sent after restart', async t => {
  // The state a crash right after a review-date deletion leaves: the record is gone at DE and the
  // receipt to SE is owed but not queued.
  await de().store.commit({ writes: [{ collection: 'delivery', key: 'deletion-receipt!urn:nfp:se:firearm:owed-1', value: { recordId: 'urn:nfp:se:firearm:owed-1', reason: 'review-or-delete date 2026-01-01 passed' } }], audit: [] })
  await cluster.stop('DE')
  await cluster.start('DE')
  let receipt
  for (let i = 0; i < 100 && receipt === undefined; i++) {
    receipt = await se().store.read('receipts', 'deletion!urn:nfp:se:firearm:owed-1!DE')
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  t.match((receipt as any)?.reason, /review-or-delete date 2026-01-01 passed/)
  t.equal((await de().store.range('delivery', { gt: 'deletion-receipt!', lt: 'deletion-receipt!~' })).length, 0, 'the debt is cleared')
})
