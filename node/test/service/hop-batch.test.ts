import t from 'tap'
import { createHopVerifier, signHopBatch } from '../../../protocol/src/index.ts'
import type { Hop, ShareRequest } from '../../../protocol/src/index.ts'
import { firearmDraft, startCluster } from '../helpers/cluster.ts'

// Real nodes on 127.0.0.1 with LevelDB in temporary folders. Forged frames go straight to the
// receiving service, which is what its libp2p handler does with a decoded frame.
const cluster = await startCluster(['DE', 'NL', 'SE'])
t.teardown(async () => { await cluster.close() })

const se = (): any => cluster.node('SE').service
const de = (): any => cluster.node('DE').service
const nl = (): any => cluster.node('NL').service
const keyOf = (service: any): any => ({ privateKey: service.identity.signing.privateKey, kid: service.identity.signing.kid })

let seq = 200000
function message (sender: string, receiver: string, items: any[]): ShareRequest {
  const seqFrom = seq
  seq += items.length
  return { type: 'share', messageId: crypto.randomUUID(), sender, receiver, sentAt: new Date().toISOString(), seqFrom, items }
}

async function send (sender: string, receiver: string, items: any[]): Promise<any[]> {
  const service = cluster.node(receiver).service
  const response: any = await service.receive(message(sender, receiver, items), cluster.members.get(sender)!.peerId)
  return response.results
}

/** Ingests SE records and signs SE's hops to `to` for them in one batch, as a sender would. */
async function seBatch (names: string[], to = 'DE'): Promise<Array<{ signed: any, hop: Hop }>> {
  const signed = []
  for (const name of names) {
    await se().ingest(firearmDraft('SE', name, { onwardSharingConsent: ['NL'] }))
    signed.push((await se().store.getRecord(`urn:nfp:se:firearm:${name}`)).signed)
  }
  const hops = await signHopBatch(signed.map(s => ({ recordId: s.record.id, versionHash: s.record.versionHash })), keyOf(se()), { by: 'SE', to, at: new Date().toISOString() })
  return signed.map((s, i) => ({ signed: s, hop: hops[i] as Hop }))
}

t.test('shareMany signs one hop statement', async t => {
  const names = ['hb-many-0', 'hb-many-1', 'hb-many-2', 'hb-many-3', 'hb-many-4']
  for (const name of names) await se().ingest(firearmDraft('SE', name))
  const outcomes = await se().shareMany(names.map(n => `urn:nfp:se:firearm:${n}`), 'DE')
  t.ok(outcomes.every((o: any) => o.status === 'queued'), 'every record is queued')
  const first = outcomes[0].seq as number
  const items = await se().outbox.list('DE', first - 1, names.length)
  const hops = items.map((i: any) => i.item.hops.at(-1))
  t.equal(new Set(hops.map((h: Hop) => h.batch)).size, 1, 'one statement covers the call')
  t.same(hops.map((h: Hop) => h.index), [0, 1, 2, 3, 4])

  const done = await se().delivery.waitFor('DE', outcomes.at(-1).seq, 10000)
  t.equal(done?.result?.status, 'stored')
  for (const name of names) t.ok(await de().store.getRecord(`urn:nfp:se:firearm:${name}`), `DE stores ${name}`)
})

t.test('shareMany splits hop batches at 128', async t => {
  const names = Array.from({ length: 130 }, (_, i) => `hb-split-${i}`)
  for (const name of names) await se().ingest(firearmDraft('SE', name))
  const outcomes = await se().shareMany(names.map(n => `urn:nfp:se:firearm:${n}`), 'DE')
  const items = await se().outbox.list('DE', outcomes[0].seq - 1, names.length)
  const hops: Hop[] = items.map((i: any) => i.item.hops.at(-1))
  t.equal(new Set(hops.map(h => h.batch)).size, 2, 'two statements')
  t.equal(hops[127]!.index, 127)
  t.equal(hops[128]!.index, 0, 'the 129th record starts the second batch')
  t.equal(hops[0]!.proof.length, 7, 'a proof of 7 hashes in a batch of 128')
  t.equal(hops[129]!.proof.length, 1, 'a proof of 1 hash in a batch of 2')
  const done = await se().delivery.waitFor('DE', outcomes.at(-1).seq, 20000)
  t.equal(done?.result?.status, 'stored')
})

t.test('tampered hop leaf is rejected', async t => {
  const [a, b] = await seBatch(['hb-leaf-a', 'hb-leaf-b'])
  const results = await send('SE', 'DE', [
    { kind: 'record', signed: a!.signed, hops: [{ ...a!.hop, removed: ['/serialNumber'] }] },
    { kind: 'record', signed: a!.signed, hops: [b!.hop] }
  ])
  t.equal(results[0].code, 'ERR_RECORD_PATH_INVALID', 'another removed list')
  t.match(results[0].message, /does not lead to the signed hop root/)
  t.equal(results[1].code, 'ERR_RECORD_PATH_INVALID', 'the leaf of another record version')
  t.equal(await de().store.getRecord(a!.signed.record.id), undefined)
})

t.test('proof for another index is rejected', async t => {
  const [a, b] = await seBatch(['hb-index-a', 'hb-index-b', 'hb-index-c'])
  const results = await send('SE', 'DE', [
    { kind: 'record', signed: a!.signed, hops: [{ ...a!.hop, index: b!.hop.index }] },
    { kind: 'record', signed: b!.signed, hops: [{ ...b!.hop, proof: a!.hop.proof }] }
  ])
  t.equal(results[0].code, 'ERR_RECORD_PATH_INVALID')
  t.equal(results[1].code, 'ERR_RECORD_PATH_INVALID')
})

t.test('hop in another jurisdiction name is rejected', async t => {
  const [a] = await seBatch(['hb-name-a'], 'NL')
  // NL passes SE's record on as if NL had signed the only hop.
  const relabelled = await send('NL', 'DE', [{ kind: 'record', signed: a!.signed, hops: [{ ...a!.hop, jurisdiction: 'NL', to: 'DE' }] }])
  t.equal(relabelled[0].code, 'ERR_RECORD_PATH_INVALID')

  // NL signs a statement that names SE as its signer, so the key is looked up under SE.
  const [forged] = await signHopBatch([{ recordId: a!.signed.record.id, versionHash: a!.signed.record.versionHash }], keyOf(nl()), { by: 'SE', to: 'NL', at: new Date().toISOString() })
  const [nlHop] = await signHopBatch([{ recordId: a!.signed.record.id, versionHash: a!.signed.record.versionHash }], keyOf(nl()), { by: 'NL', to: 'DE', at: new Date().toISOString() })
  const inSeName = await send('NL', 'DE', [{ kind: 'record', signed: a!.signed, hops: [forged, nlHop] }])
  t.equal(inSeName[0].code, 'ERR_RECORD_PATH_INVALID')
  t.match(inSeName[0].message, /does not list for SE/)
})

t.test('cached statement with forged leaf is rejected', async t => {
  const [a, b] = await seBatch(['hb-cache-a', 'hb-cache-b'])
  const good = await send('SE', 'DE', [{ kind: 'record', signed: a!.signed, hops: [a!.hop] }])
  t.equal(good[0].status, 'stored', 'the statement is verified and cached')

  await se().ingest(firearmDraft('SE', 'hb-cache-outsider'))
  const outsider = (await se().store.getRecord('urn:nfp:se:firearm:hb-cache-outsider')).signed
  const results = await send('SE', 'DE', [
    { kind: 'record', signed: outsider, hops: [a!.hop] },
    { kind: 'record', signed: b!.signed, hops: [{ ...b!.hop, index: a!.hop.index, proof: a!.hop.proof }] }
  ])
  t.equal(results[0].code, 'ERR_RECORD_PATH_INVALID', 'a record outside the batch')
  t.equal(results[1].code, 'ERR_RECORD_PATH_INVALID', 'a member of the batch at another leaf')
  t.equal(await de().store.getRecord(outsider.record.id), undefined)
})

t.test('relay keeps originator hop verifiable', async t => {
  const names = ['hb-relay-0', 'hb-relay-1', 'hb-relay-2']
  for (const name of names) await se().ingest(firearmDraft('SE', name, { onwardSharingConsent: ['NL'] }))
  const outcomes = await se().shareMany(names.map(n => `urn:nfp:se:firearm:${n}`), 'DE')
  await se().delivery.waitFor('DE', outcomes.at(-1).seq, 10000)

  const id = 'urn:nfp:se:firearm:hb-relay-1'
  const atDe = await de().store.getRecord(id)
  const relayed = await de().share(id, 'NL')
  t.equal(relayed.delivery.status, 'stored')
  const atNl = await nl().store.getRecord(id)
  t.same(atNl.hops.map((h: Hop) => `${h.jurisdiction}>${h.to}`), ['SE>DE', 'DE>NL'])
  t.same(atNl.hops[0], atDe.hops[0], 'the originator hop travels unchanged')
  t.equal(atNl.hops[0].index, 1, 'with its leaf position in the SE batch of three')

  const verify = createHopVerifier(async (jurisdiction: string, kid: string) => await nl().resolveKey(jurisdiction, kid))
  const verified = await verify(atNl.hops[0], atNl.signed.record)
  t.equal(verified.jurisdiction, 'SE')
  t.equal(verified.to, 'DE')
})

t.test('record with old hop form is not relayed', async t => {
  await se().ingest(firearmDraft('SE', 'hb-old-form', { onwardSharingConsent: ['NL'] }))
  const signed = (await se().store.getRecord('urn:nfp:se:firearm:hb-old-form')).signed
  const at = new Date().toISOString()
  // A record as a node of an earlier draft stored it: one per-record hop statement in `proof`.
  const oldHop = { jurisdiction: 'SE', to: 'DE', at, proof: 'eyJ0eXAiOiJuZnAtaG9wK2p3cyJ9.e30.c2ln' }
  await de().store.commit({ record: { signed, origin: 'received', receivedFrom: 'SE', hops: [oldHop], storedAt: at }, audit: [{ event: 'record.received', recordId: signed.record.id, recordType: signed.record.type, versionHash: signed.record.versionHash }] })

  const error: any = await de().share(signed.record.id, 'NL', { waitMs: 0 }).catch((err: unknown) => err)
  t.equal(error.code, 'ERR_RECORD_PATH_INVALID')
  t.match(error.message, /earlier draft/)
  t.equal(await nl().store.getRecord(signed.record.id), undefined)

  const node = cluster.node('DE')
  const response = await node.app.inject({ method: 'GET', url: `/records/${encodeURIComponent(signed.record.id)}`, headers: { authorization: `Bearer ${node.service.identity.apiToken}` } })
  t.equal(response.statusCode, 200, 'the stored copy stays readable over HTTP')
  t.same(response.json().hops, [oldHop])
})

t.test('malformed id of rejected record stays out of audit', async t => {
  const [a] = await seBatch(['hb-hostile-id'])
  const long = `urn:nfp:se:firearm:${'x'.repeat(8000)}`
  const items = [long, 'urn:nfp:se:firearm:ok\nforged audit line', 'urn:nfp:se:firearm:hb-unsigned'].map(id => ({ kind: 'record', signed: { ...a!.signed, record: { ...a!.signed.record, id } }, hops: [a!.hop] }))
  const request = message('SE', 'DE', items)
  const response: any = await de().receive(request, cluster.members.get('SE')!.peerId)
  t.same(response.results.map((r: any) => [r.status, r.id]), [['rejected', undefined], ['rejected', undefined], ['rejected', 'urn:nfp:se:firearm:hb-unsigned']],
    'only an id of record id form is reported')
  const audit = await de().store.listAudit(0, 100000)
  const entry = audit.find((e: any) => e.event === 'record.rejected' && e.messageId === request.messageId)
  t.equal(entry.code, 'ERR_RECORD_VERSION_MISMATCH')
  t.equal(entry.detail, '3 of 3 items rejected (ERR_RECORD_VERSION_MISMATCH x3): (no id), (no id), urn:nfp:se:firearm:hb-unsigned')
  t.equal(await de().store.getRecord('urn:nfp:se:firearm:hb-unsigned'), undefined)
})
