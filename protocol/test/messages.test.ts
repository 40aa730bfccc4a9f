import t from 'tap'
import { MAX_FRAME_BYTES } from '../src/constants.ts'
import { decodeShareRequest, decodeShareResponse, encodeFrame } from '../src/messages.ts'

const hop = { jurisdiction: 'SE', to: 'DE', at: '2026-12-04T10:00:00.000Z', batch: 'a.b.c', index: 0, proof: [] }
const request = {
  type: 'share' as const,
  messageId: '4d6f3c1e-8a0b-4f61-9a43-3f1f2f7c9d10',
  sender: 'SE',
  receiver: 'DE',
  sentAt: '2026-12-04T10:00:00.000Z',
  seqFrom: 1,
  items: [{ kind: 'record' as const, signed: { record: { id: 'x' }, signature: { protected: 'a', signature: 'b' } } as any, hops: [hop] }]
}

t.test('round-trips a share request', async t => {
  t.same(decodeShareRequest(encodeFrame(request)), request)
})

t.test('rejects a frame that is not JSON', async t => {
  t.throws(() => decodeShareRequest(new TextEncoder().encode('{"type":')), { code: 'ERR_FRAME_MALFORMED' })
  t.throws(() => decodeShareRequest(new Uint8Array([0xff, 0xfe])), { code: 'ERR_FRAME_MALFORMED' })
})

t.test('rejects unknown message fields', async t => {
  const bytes = new TextEncoder().encode(JSON.stringify({ ...request, extra: 1 }))
  t.throws(() => decodeShareRequest(bytes), { code: 'ERR_FRAME_MALFORMED' })
})

t.test('rejects a request without items', async t => {
  const bytes = new TextEncoder().encode(JSON.stringify({ ...request, items: [] }))
  t.throws(() => decodeShareRequest(bytes), { code: 'ERR_FRAME_MALFORMED', message: /\/items/ })
})

t.test('rejects frames over the maximum size', async t => {
  t.throws(() => decodeShareRequest(new Uint8Array(MAX_FRAME_BYTES + 1)), { code: 'ERR_FRAME_TOO_LARGE' })
  const huge = { ...request, items: [{ ...request.items[0]!, signed: { record: { pad: 'x'.repeat(MAX_FRAME_BYTES) }, signature: { protected: 'a', signature: 'b' } } as any }] }
  t.throws(() => encodeFrame(huge), { code: 'ERR_FRAME_TOO_LARGE' })
})

t.test('decodes both response kinds', async t => {
  const result = { type: 'share-result' as const, messageId: request.messageId, receiver: 'DE', results: [{ index: 0, id: 'x', status: 'rejected' as const, code: 'ERR_SIG_INVALID', message: 'no' }], receipt: 'a.b.c' }
  t.same(decodeShareResponse(encodeFrame(result)), result)
  const error = { type: 'error' as const, code: 'ERR_FRAME_MALFORMED', message: 'bad' }
  t.same(decodeShareResponse(encodeFrame(error)), error)
  t.throws(() => decodeShareResponse(new TextEncoder().encode('{"type":"error","code":"oops","message":"x"}')), { code: 'ERR_FRAME_MALFORMED' })
})

t.test('rejects unsigned data beside the record', async t => {
  const extraBeside = { ...request, items: [{ kind: 'record', signed: { ...request.items[0]!.signed, injected: 'x' }, hops: [hop] }] }
  t.throws(() => decodeShareRequest(new TextEncoder().encode(JSON.stringify(extraBeside))), { code: 'ERR_FRAME_MALFORMED' })
  const extraHeader = { ...request, items: [{ kind: 'record', signed: { record: { id: 'x' }, signature: { protected: 'a', signature: 'b', header: { kid: 'k' } } }, hops: [hop] }] }
  t.throws(() => decodeShareRequest(new TextEncoder().encode(JSON.stringify(extraHeader))), { code: 'ERR_FRAME_MALFORMED' })
})

t.test('accepts revocation and deletion items', async t => {
  const frame = { ...request, items: [{ kind: 'revocation' as const, revocation: 'a.b.c' }, { kind: 'deletion' as const, deletion: 'a.b.c' }] }
  t.same(decodeShareRequest(encodeFrame(frame)), frame)
})

t.test('rejects a record item without hops', async t => {
  const frame = { ...request, items: [{ ...request.items[0]!, hops: [] }] }
  t.throws(() => decodeShareRequest(new TextEncoder().encode(JSON.stringify(frame))), { code: 'ERR_FRAME_MALFORMED' })
})

t.test('rejects a hop of the withdrawn per-record form', async t => {
  const old = { jurisdiction: 'SE', to: 'DE', at: '2026-12-04T10:00:00.000Z', proof: 'a.b.c' }
  const bytes = new TextEncoder().encode(JSON.stringify({ ...request, items: [{ ...request.items[0]!, hops: [old] }] }))
  t.throws(() => decodeShareRequest(bytes), { code: 'ERR_FRAME_MALFORMED', message: /hops/ })
})
