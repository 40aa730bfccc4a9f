import t from 'tap'
import { lpStream } from '@libp2p/utils'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Stream } from '@libp2p/interface'
import {
  SHARE_PROTOCOL, SHARE_PROTOCOL_V1, decodeShareResponse, encodeFrame, signHopBatch, signRecord, withVersionHash
} from '../../../protocol/src/index.ts'
import type { NfpRecord, ShareRequest } from '../../../protocol/src/index.ts'
import { firearmDraft, startCluster } from '../helpers/cluster.ts'

const cluster = await startCluster(['DE', 'SE'])
t.teardown(async () => { await cluster.close() })

const de = (): any => cluster.node('DE').service
const se = (): any => cluster.node('SE').service

/** A share request from SE to DE carrying one record signed by SE with a version 1 signature. */
async function version1Request (localId: string): Promise<ShareRequest> {
  const key = { privateKey: se().identity.signing.privateKey, kid: se().identity.signing.kid }
  const now = new Date().toISOString()
  const record = withVersionHash({ ...firearmDraft('SE', localId), provenance: { jurisdiction: 'SE', agency: 'SE test agency', created: now, modified: now } }) as unknown as NfpRecord
  const signed = await signRecord(record, key)
  const [hop] = await signHopBatch([{ recordId: record.id, versionHash: record.versionHash }], key, { by: 'SE', to: 'DE', at: now })
  return {
    type: 'share', messageId: crypto.randomUUID(), sender: 'SE', receiver: 'DE', sentAt: now, seqFrom: 500000 + Math.floor(Math.random() * 1000),
    items: [{ kind: 'record', signed, hops: [hop!] }]
  }
}

/** Writes one frame from SE to DE under `protocol` and returns the decoded response. */
async function exchange (protocol: string, request: ShareRequest): Promise<any> {
  const stream = await se().network.dialProtocol(peerIdFromString(cluster.members.get('DE')!.peerId), protocol)
  const lp = lpStream(stream)
  await lp.write(encodeFrame(request))
  const response = decodeShareResponse((await lp.read()).subarray())
  await stream.close()
  return response
}

t.test('version 1 sender gets a typed error', async t => {
  const request = await version1Request('v1-sender')
  const response = await exchange(SHARE_PROTOCOL_V1, request)
  t.equal(response.type, 'error')
  t.equal(response.code, 'ERR_PROTOCOL_VERSION_UNSUPPORTED')
  t.equal(response.messageId, request.messageId, 'the peer can match the error to its message')
  t.match(response.message, /\/nfp\/share\/2\.0\.0/)
  t.equal(await de().store.getRecord('urn:nfp:se:firearm:v1-sender'), undefined, 'nothing of the message is applied')
})

t.test('version 1 requester gets a typed error', async t => {
  const stream = await se().network.dialProtocol(peerIdFromString(cluster.members.get('DE')!.peerId), '/nfp/request/1.0.0')
  const lp = lpStream(stream)
  await lp.write(new TextEncoder().encode(JSON.stringify({ type: 'request', messageId: crypto.randomUUID() })))
  const reply = JSON.parse(new TextDecoder().decode((await lp.read()).subarray()))
  await stream.close()
  t.equal(reply.type, 'error')
  t.equal(reply.code, 'ERR_PROTOCOL_VERSION_UNSUPPORTED')
  t.match(reply.message, /\/nfp\/request\/2\.0\.0/)
})

t.test('version 1 record in a version 2 frame is accepted', async t => {
  // Records signed before the upgrade still travel, since acceptVersion1Signatures defaults to true.
  const response = await exchange(SHARE_PROTOCOL, await version1Request('v1-record'))
  t.equal(response.type, 'share-result')
  t.equal(response.results[0].status, 'stored')
  const stored = await de().store.getRecord('urn:nfp:se:firearm:v1-record')
  t.type(stored.signed.signature.protected, 'string', 'the version 1 signature is stored as it came')
})

t.test('unknown signature version rejects only its item', async t => {
  const request = await version1Request('unknown-version')
  const kept = await version1Request('beside-unknown-version')
  const [item] = request.items as any[]
  item.signed = { ...item.signed, signature: { version: 3, batch: 'x' } }
  request.items.push({ ...kept.items[0]! })
  const response = await exchange(SHARE_PROTOCOL, request)
  t.equal(response.type, 'share-result', 'the frame is not refused as a whole')
  t.equal(response.results[0].status, 'rejected')
  t.equal(response.results[0].code, 'ERR_SIG_VERSION_UNSUPPORTED')
  t.equal(response.results[1].status, 'stored', 'the other item is processed')
  t.equal(await de().store.getRecord('urn:nfp:se:firearm:unknown-version'), undefined)
})

t.test('version 1 records can be refused', async t => {
  await cluster.stop('DE')
  cluster.configs.get('DE')!.acceptVersion1Signatures = false
  await cluster.start('DE')

  const response = await exchange(SHARE_PROTOCOL, await version1Request('v1-refused'))
  t.equal(response.results[0].status, 'rejected')
  t.equal(response.results[0].code, 'ERR_SIG_VERSION_UNSUPPORTED')
  t.equal(await de().store.getRecord('urn:nfp:se:firearm:v1-refused'), undefined)
  t.type((await de().store.getRecord('urn:nfp:se:firearm:v1-record')).signed.signature.protected, 'string', 'a version 1 record stored before stays readable')
})

t.test('sending to a version 1 peer fails with a typed error', async t => {
  // SE now behaves as a node that speaks only version 1: it drops the version 2 handler and
  // registers a stand-in for the old one, which aborts every stream.
  const network = se().network
  let version1Calls = 0
  await network.unhandle(SHARE_PROTOCOL)
  await network.handle(SHARE_PROTOCOL_V1, async (stream: Stream) => {
    version1Calls++
    stream.abort(new Error('stand-in for a version 1 node'))
  }, { force: true })

  await de().ingest(firearmDraft('DE', 'to-v1-peer'))
  const outcome = await de().share('urn:nfp:de:firearm:to-v1-peer', 'SE', { waitMs: 1500 })
  t.equal(outcome.delivery.status, 'queued', 'the item waits in the outbox for the peer to upgrade')
  const state = de().delivery.states().find((s: any) => s.peer === 'SE')
  t.match(state?.lastError, /^ERR_PROTOCOL_VERSION_UNSUPPORTED: peer `[^`]+` does not speak \/nfp\/share\/2\.0\.0/)
  t.equal(version1Calls, 0, 'a version 2 node never falls back to version 1')
  t.equal(await se().store.getRecord('urn:nfp:de:firearm:to-v1-peer'), undefined)
})
