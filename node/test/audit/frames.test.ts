import t from 'tap'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { AUDIT_HEAD_PROTOCOL } from '../../src/net/audit-heads.ts'
import { decodeAuditHeadRequest, decodeAuditHeadResponse, encodeAuditHeadFrame } from '../../src/net/audit-head-frames.ts'
import { membershipKeyResolver, verifyAuditHead } from '../../src/audit/signed-head.ts'
import { startCluster } from '../helpers/cluster.ts'

const cluster = await startCluster(['DE', 'SE'])
t.teardown(async () => { await cluster.close() })

/** Sends raw bytes as one frame from SE to DE's audit head handler and decodes the response frame. */
async function sendRaw (bytes: Uint8Array): Promise<any> {
  const network = cluster.node('SE').service.network
  const stream = await network.dialProtocol(multiaddr(cluster.members.get('DE')!.addresses[0]!), AUDIT_HEAD_PROTOCOL)
  const lp = lpStream(stream, { maxDataLength: 2 * 1024 * 1024 })
  await lp.write(bytes)
  const response = decodeAuditHeadResponse((await lp.read({ signal: AbortSignal.timeout(10000) })).subarray())
  await stream.close().catch(() => {})
  return response
}

const json = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))
const REQUEST = { type: 'audit-head-request', requestId: '4d6f3c1e-8a0b-4f61-9a43-3f1f2f7c9d10', seqs: [1] }

t.test('valid request gets a signed head', async t => {
  const response = await sendRaw(encodeAuditHeadFrame(REQUEST as any))
  t.equal(response.type, 'audit-head-response')
  t.equal(response.requestId, REQUEST.requestId)
  t.equal(response.brokenAt, undefined)
  t.equal(response.hashes.length, 1)
  t.equal(response.hashes[0].seq, 1)
  const entries = await cluster.node('DE').service.store.listAudit(0, 1)
  t.equal(response.hashes[0].hash, entries[0].hash, 'the stored hash of entry 1')

  const resolveKey = membershipKeyResolver(() => ({ federation: 'test', version: 1, members: Array.from(cluster.members.values()) }))
  const head = await verifyAuditHead(response.head, 'DE', resolveKey)
  t.equal(head.jurisdiction, 'DE')
})

t.test('unknown seq gets a null hash', async t => {
  const response = await sendRaw(json({ ...REQUEST, seqs: [1, 999999] }))
  t.same(response.hashes.map((h: any) => [h.seq, h.hash === null]), [[1, false], [999999, true]])
})

t.test('non-JSON frame is malformed', async t => {
  const response = await sendRaw(new TextEncoder().encode('{"type":'))
  t.equal(response.type, 'error')
  t.equal(response.code, 'ERR_FRAME_MALFORMED')
  t.equal(response.message, 'audit head request frame is not UTF-8 JSON')
})

t.test('invalid UTF-8 is malformed', async t => {
  const response = await sendRaw(Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]))
  t.equal(response.code, 'ERR_FRAME_MALFORMED')
})

t.test('schema violations are malformed', async t => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['unknown field', { ...REQUEST, sender: 'SE' }, /unknown field `sender`/],
    ['missing seqs', { type: REQUEST.type, requestId: REQUEST.requestId }, /seqs/],
    ['seq zero', { ...REQUEST, seqs: [0] }, /\/seqs\/0/],
    ['fractional seq', { ...REQUEST, seqs: [1.5] }, /\/seqs\/0/],
    ['repeated seq', { ...REQUEST, seqs: [2, 2] }, /\/seqs/],
    ['too many seqs', { ...REQUEST, seqs: Array.from({ length: 65 }, (_, i) => i + 1) }, /\/seqs/],
    ['wrong type', { ...REQUEST, type: 'share' }, /\/type/],
    ['bad request id', { ...REQUEST, requestId: 'x' }, /\/requestId/],
    ['array', [REQUEST], /\(frame\)/]
  ]
  for (const [name, frame, where] of cases) {
    const response = await sendRaw(json(frame))
    t.equal(response.type, 'error', name)
    t.equal(response.code, 'ERR_FRAME_MALFORMED', name)
    t.match(response.message, where, name)
  }
})

t.test('oversize frame is too large', async t => {
  const padding = 'x'.repeat(1024 * 1024)
  const response = await sendRaw(json({ ...REQUEST, padding }))
  t.equal(response.type, 'error')
  t.equal(response.code, 'ERR_FRAME_TOO_LARGE')
  t.equal(response.requestId, undefined, 'the frame was never read, so its id is unknown')
})

t.test('encoder refuses oversize frames', async t => {
  t.throws(() => encodeAuditHeadFrame({ type: 'error', code: 'ERR_INTERNAL', message: 'x'.repeat(1024 * 1024) }), { code: 'ERR_FRAME_TOO_LARGE' })
})

t.test('decoders check their own schema', async t => {
  t.throws(() => decodeAuditHeadResponse(json({ type: 'audit-head-response', requestId: REQUEST.requestId, hashes: [] })), { code: 'ERR_FRAME_MALFORMED' }, 'a response needs a head or brokenAt')
  t.throws(() => decodeAuditHeadResponse(json({ type: 'audit-head-response', requestId: REQUEST.requestId, head: 'a.b.c', hashes: [{ seq: 1, hash: 'md5:00' }] })), { code: 'ERR_FRAME_MALFORMED' })
  t.same(decodeAuditHeadResponse(json({ type: 'audit-head-response', requestId: REQUEST.requestId, hashes: [], brokenAt: 3 })).type, 'audit-head-response')
  t.throws(() => decodeAuditHeadRequest(new Uint8Array(1024 * 1024 + 1)), { code: 'ERR_FRAME_TOO_LARGE' })
})
