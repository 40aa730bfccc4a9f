import t from 'tap'
import { lpStream } from '@libp2p/utils'
import { peerIdFromString } from '@libp2p/peer-id'
import { SHARE_PROTOCOL, decodeShareResponse, encodeFrame, signHopBatch } from '../../../protocol/src/index.ts'
import type { ShareRequest } from '../../../protocol/src/index.ts'
import { personDraft, startCluster } from '../helpers/cluster.ts'

// Three real nodes on 127.0.0.1: SE originates, DE relays and redacts, NL receives.
const cluster = await startCluster(['DE', 'NL', 'SE'])
t.teardown(async () => { await cluster.close() })

const se = (): any => cluster.node('SE').service
const de = (): any => cluster.node('DE').service
const nl = (): any => cluster.node('NL').service

const SEIZURE = 'urn:nfp:se:seizure:relay-redaction-1'
const SUSPECT = 'urn:nfp:se:person:relay-suspect-1'

/** Sends a frame from DE to NL over libp2p and returns NL's result for its first item. */
async function sendFromDe (item: any): Promise<any> {
  const request: ShareRequest = {
    type: 'share', messageId: crypto.randomUUID(), sender: 'DE', receiver: 'NL', sentAt: new Date().toISOString(), seqFrom: 900000 + Math.floor(Math.random() * 1000), items: [item]
  }
  const stream = await de().network.dialProtocol(peerIdFromString(cluster.members.get('NL')!.peerId), SHARE_PROTOCOL)
  const lp = lpStream(stream)
  await lp.write(encodeFrame(request))
  const response: any = decodeShareResponse((await lp.read()).subarray())
  await stream.close()
  return response.results[0]
}

/** Builds DE's hop to NL for a copy, on top of the hops DE received. */
async function deItem (signed: any, removed?: string[]): Promise<any> {
  const stored = await de().store.getRecord(SEIZURE)
  const at = new Date().toISOString()
  const [hop] = await signHopBatch([{ recordId: SEIZURE, versionHash: signed.record.versionHash, ...(removed === undefined ? {} : { removed }) }],
    { privateKey: de().identity.signing.privateKey, kid: de().identity.signing.kid }, { by: 'DE', to: 'NL', at })
  return { kind: 'record', signed, hops: [...stored.hops, hop] }
}

t.before(async () => {
  await se().ingest(personDraft('SE', 'relay-suspect-1', 'suspect'))
  await se().ingest({
    '@context': 'urn:ceasefire:context:v1',
    id: SEIZURE,
    type: 'Seizure',
    handlingCode: 'H0',
    grading: { sourceReliability: 'B', informationAccuracy: 2 },
    legalBasis: 'Directive (EU) 2023/977 Art. 7',
    reviewBy: '2099-01-01',
    date: '2026-11-30',
    country: 'SE',
    place: 'Port of Gothenburg',
    persons: [SUSPECT],
    onwardSharingConsent: ['NL']
  })
})

t.test('originator shares the full record', async t => {
  const outcome = await se().share(SEIZURE, 'DE')
  t.equal(outcome.delivery.status, 'stored')
  const atDe = await de().store.getRecord(SEIZURE)
  t.same(atDe.signed.record.persons, [SUSPECT], 'SE could check the linked person, so it kept the link')
  t.equal(atDe.removed, undefined)
})

t.test('relay redaction keeps originator signature', async t => {
  // DE does not hold the linked person, so its policy withholds the link it cannot check.
  const outcome = await de().share(SEIZURE, 'NL')
  t.equal(outcome.decision.effect, 'permit')
  t.same(outcome.decision.withheldLinks.map((l: any) => l.id), [SUSPECT])
  t.equal(outcome.delivery.status, 'stored')

  const atNl = await nl().store.getRecord(SEIZURE)
  const original = await se().store.getRecord(SEIZURE)
  t.equal(atNl.signed.record.persons, undefined, 'the link is gone')
  t.notOk(JSON.stringify(atNl).includes(SUSPECT), 'the link id appears nowhere in the stored copy')
  t.same(atNl.removed, [{ path: '/persons/0', by: 'DE' }])
  t.equal(atNl.signed.signature.batch, original.signed.signature.batch, 'the batch root SE signed is kept')
  t.equal(atNl.signed.record.versionHash, original.signed.record.versionHash)
  t.same(atNl.hops.map((h: any) => h.jurisdiction), ['SE', 'DE'])

  const verified = await nl().verifyRecord(JSON.parse(JSON.stringify(atNl.signed)))
  t.same(verified.removedPaths, ['/persons/0'], 'the stored copy still verifies under SE\'s key')

  const audit = await nl().store.listAudit(0, 100000)
  const received = audit.find((e: any) => e.event === 'record.received' && e.recordId === SEIZURE)
  t.same(received?.removedFields, ['/persons/0'])
  t.match(received?.detail, /removed \/persons\/0 \(DE\)/)
})

t.test('record API names removed fields', async t => {
  const node = cluster.node('NL')
  const response = await node.app.inject({ method: 'GET', url: `/records/${encodeURIComponent(SEIZURE)}`, headers: { authorization: `Bearer ${node.service.identity.apiToken}` } })
  t.equal(response.statusCode, 200)
  const body = response.json()
  t.same(body.removed, [{ path: '/persons/0', by: 'DE' }])
  t.equal(body.signed.signature.version, 2)
  t.type(body.signed.signature.removed['/persons/0'], 'string', 'the removed link travels as its digest')
  t.equal(body.signed.signature.salts['/persons/0'], undefined)
  t.equal(body.signed.signature.seed, undefined, 'the seed does not travel with a redacted copy')
})

t.test('relay cannot add or alter a field', async t => {
  const full = (await de().store.getRecord(SEIZURE)).signed
  const cases: Array<[string, (copy: any) => void, string]> = [
    ['added field', c => { c.record.description = 'Added by the relay' }, 'ERR_RECORD_VERSION_MISMATCH'],
    ['altered value', c => { c.record.place = 'Port of Rotterdam' }, 'ERR_RECORD_VERSION_MISMATCH'],
    ['altered link', c => { c.record.persons = ['urn:nfp:se:person:someone-else'] }, 'ERR_RECORD_VERSION_MISMATCH'],
    ['identity field dropped', c => { delete c.record.type }, 'ERR_RECORD_VERSION_MISMATCH'],
    ['identity field declared removed', c => {
      const { seed: _seed, ...rest } = c.signature
      c.signature = { ...rest, salts: {}, removed: { '/type': 'A'.repeat(43) } }
      for (const name of Object.keys(c.record)) if (!['@context', 'id', 'provenance', 'handlingCode', 'grading', 'legalBasis', 'reviewBy', 'versionHash'].includes(name)) delete c.record[name]
    }, 'ERR_SIG_REDACTION_FORBIDDEN'],
    ['proof path changed', c => { c.signature.index = 1 }, 'ERR_SIG_PROOF_INVALID']
  ]
  for (const [name, change, code] of cases) {
    const copy = JSON.parse(JSON.stringify(full))
    change(copy)
    const result = await sendFromDe(await deItem(copy))
    t.equal(result.status, 'rejected', name)
    t.equal(result.code, code, name)
  }
  // A fresh version from an earlier test would be 'unchanged'; the tampered ones must not have replaced it.
  t.equal((await nl().store.getRecord(SEIZURE)).signed.record.place, 'Port of Gothenburg')
})

t.test('hop cannot claim a removal not made', async t => {
  const full = (await de().store.getRecord(SEIZURE)).signed
  const result = await sendFromDe(await deItem(full, ['/place']))
  t.equal(result.code, 'ERR_RECORD_PATH_INVALID')
  t.match(result.message, /declares that DE removed `\/place`/)
})

t.test('relay cannot change a value', async t => {
  const stored = await de().store.getRecord(SEIZURE)
  const { relayCopy } = await import('../../src/outgoing.ts')
  const decision = { effect: 'permit', removedFields: [], withheldLinks: [], attached: { rules: [], reviewBy: '2030-01-01' }, approvals: [], reasons: [] }
  t.throws(() => relayCopy(stored.signed, decision as any), { code: 'ERR_SIG_REDACTION_FORBIDDEN', message: /changes reviewBy/ })
})
