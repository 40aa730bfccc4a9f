import t from 'tap'
import { compareResponse } from '../../src/audit/compare.ts'
import type { PeerHistory, VerifiedResponse } from '../../src/audit/compare.ts'
import type { StoredHead } from '../../src/audit/heads-store.ts'

const hash = (n: number): string => 'sha256:' + n.toString(16).padStart(64, '0')
const head = (seq: number, h = hash(seq)): StoredHead => ({ jurisdiction: 'SE', seq, hash: h, at: '2026-12-04T10:00:00.000Z', jws: `jws-${seq}` })
const response = (headSeq: number | undefined, hashes: Array<[number, string | null]>, extra: Partial<VerifiedResponse> = {}): VerifiedResponse => ({
  ...(headSeq === undefined ? {} : { head: head(headSeq) }),
  hashes: new Map(hashes),
  ...extra
})

t.test('first response is stored', async t => {
  const result = compareResponse('SE', { asked: [] }, response(5, []))
  t.same(result.mismatches, [])
  t.equal(result.newHead?.seq, 5)
})

t.test('consistent newer response is stored', async t => {
  const history: PeerHistory = { latest: head(5), asked: [head(5), head(2)] }
  const result = compareResponse('SE', history, response(9, [[5, hash(5)], [2, hash(2)]]))
  t.same(result.mismatches, [])
  t.equal(result.newHead?.seq, 9)
})

t.test('same head again stores nothing', async t => {
  const history: PeerHistory = { latest: head(5), atHeadSeq: head(5), asked: [head(5)] }
  const result = compareResponse('SE', history, response(5, [[5, hash(5)]]))
  t.same(result.mismatches, [])
  t.equal(result.newHead, undefined)
})

t.test('changed hash at seen seq', async t => {
  const history: PeerHistory = { latest: head(5), asked: [head(5), head(2)] }
  const result = compareResponse('SE', history, response(9, [[5, hash(55)], [2, hash(2)]]))
  t.equal(result.mismatches.length, 1)
  t.match(result.mismatches[0], { peer: 'SE', seq: 5, kind: 'hash-changed', seen: hash(5), received: hash(55) })
  t.equal(result.newHead?.seq, 9, 'the newer head is still kept as evidence of what the peer signed')
})

t.test('head signed twice for one seq', async t => {
  const history: PeerHistory = { latest: head(5), atHeadSeq: head(5), asked: [head(5)] }
  const other = { ...head(5, hash(99)) }
  const result = compareResponse('SE', history, { head: other, hashes: new Map([[5, hash(99)]]) })
  t.equal(result.mismatches.length, 1, 'one mismatch although both checks find it')
  t.match(result.mismatches[0], { seq: 5, kind: 'hash-changed', seen: hash(5), received: hash(99) })
  t.equal(result.newHead, undefined)
})

t.test('head below seen seq', async t => {
  const history: PeerHistory = { latest: head(9), asked: [head(9)] }
  const result = compareResponse('SE', history, response(4, [[9, null]]))
  t.same(result.mismatches.map(m => [m.seq, m.kind]), [[9, 'seq-decreased'], [9, 'entry-missing']])
  t.equal(result.mismatches[0]?.received, '4')
  t.equal(result.newHead, undefined)
})

t.test('missing hash counts as missing entry', async t => {
  const history: PeerHistory = { latest: head(9), asked: [head(9), head(3)] }
  const result = compareResponse('SE', history, response(9, [[9, hash(9)]]))
  t.same(result.mismatches.map(m => [m.seq, m.kind]), [[3, 'entry-missing']])
})

t.test('peer reports its own break', async t => {
  const history: PeerHistory = { latest: head(9), asked: [head(9)] }
  const result = compareResponse('SE', history, response(undefined, [[9, hash(9)]], { brokenAt: 4 }))
  t.same(result.mismatches.map(m => [m.seq, m.kind]), [[4, 'chain-broken']])
  t.equal(result.newHead, undefined)
})
