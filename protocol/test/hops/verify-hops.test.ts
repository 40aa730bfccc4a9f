import t from 'tap'
import { CompactSign } from 'jose'
import { canonicalBytes } from '../../src/canonical.ts'
import { createHopVerifier } from '../../src/hops/verify-hops.ts'
import { signHopBatch } from '../../src/hops/sign-hops.ts'
import { buildMerkleTree } from '../../src/signature-v2/merkle-tree.ts'
import { hopLeafHash } from '../../src/hops/hop-leaf.ts'
import type { Hop } from '../../src/messages.ts'
import type { SigningKey } from '../../src/signature.ts'
import { testSigner } from '../signature-v2/helpers.ts'

const se = await testSigner()
const key = { privateKey: se.privateKey, kid: se.kid }
const AT = '2026-12-05T10:00:00.000Z'
const PATH_INVALID = { code: 'ERR_RECORD_PATH_INVALID' }

const leaves = Array.from({ length: 7 }, (_, i) => ({
  recordId: `urn:nfp:se:firearm:hop-${i}`,
  versionHash: `sha256:${String(i).repeat(64)}`,
  ...(i === 4 ? { removed: ['/shipFrom', '/offers/1'] } : {})
}))
const record = (i: number): { id: string, versionHash: string } => ({ id: leaves[i]!.recordId, versionHash: leaves[i]!.versionHash })
const hops = await signHopBatch(leaves, key, { by: 'SE', to: 'DE', at: AT })

/** Creates a resolver that returns SE's key only and counts its look-ups. */
function resolver (): { resolve: (jurisdiction: string, kid: string) => SigningKey | undefined, calls: number, revoke: () => void } {
  let revoked = false
  const state = {
    calls: 0,
    resolve: (jurisdiction: string, kid: string) => { state.calls++; return !revoked && jurisdiction === 'SE' && kid === se.kid ? se.publicKey : undefined },
    revoke: () => { revoked = true }
  }
  return state
}

async function signPayload (payload: Record<string, unknown>, typ = 'nfp-hop-batch+jws'): Promise<string> {
  return await new CompactSign(canonicalBytes(payload)).setProtectedHeader({ alg: 'EdDSA', kid: se.kid, typ }).sign(se.privateKey)
}

t.test('good batch verifies record by record', async t => {
  t.equal(new Set(hops.map(h => h.batch)).size, 1, 'one statement for the batch')
  t.same(hops.map(h => h.index), [0, 1, 2, 3, 4, 5, 6])
  t.same(hops[4]!.removed, ['/offers/1', '/shipFrom'], 'removed paths travel sorted')
  t.equal(hops[0]!.removed, undefined, 'no removed member when nothing was removed')
  const verify = createHopVerifier(resolver().resolve)
  const verified = await Promise.all(hops.map(async (hop, i) => await verify(hop, record(i))))
  t.same(verified[4], { jurisdiction: 'SE', to: 'DE', at: AT, removed: ['/offers/1', '/shipFrom'] })
  t.same(verified[0]!.removed, [])
})

t.test('repeated removed path is signed once', async t => {
  const [hop] = await signHopBatch([{ ...leaves[0]!, removed: ['/title', '/shipFrom', '/title'] }], key, { by: 'SE', to: 'DE', at: AT })
  t.same(hop!.removed, ['/shipFrom', '/title'])
  t.same((await createHopVerifier(resolver().resolve)(hop, record(0))).removed, ['/shipFrom', '/title'])
})

t.test('a batch of one needs no proof', async t => {
  const [hop] = await signHopBatch([leaves[0]!], key, { by: 'SE', to: 'DE', at: AT })
  t.same(hop!.proof, [])
  t.same((await createHopVerifier(resolver().resolve)(hop, record(0))).jurisdiction, 'SE')
})

t.test('other version hash is rejected', async t => {
  await t.rejects(createHopVerifier(resolver().resolve)(hops[2], { id: leaves[2]!.recordId, versionHash: `sha256:${'f'.repeat(64)}` }), { ...PATH_INVALID, message: /does not lead to the signed hop root/ })
})

t.test('other removed list is rejected', async t => {
  const verify = createHopVerifier(resolver().resolve)
  await t.rejects(verify({ ...hops[4], removed: ['/shipFrom'] }, record(4)), PATH_INVALID, 'a removal dropped from the list')
  await t.rejects(verify({ ...hops[2], removed: ['/title'] }, record(2)), PATH_INVALID, 'a removal added to the list')
  const { removed: _removed, ...withoutList } = hops[4] as Hop
  await t.rejects(verify(withoutList, record(4)), PATH_INVALID, 'the whole list dropped')
})

t.test('proof for another index is rejected', async t => {
  const verify = createHopVerifier(resolver().resolve)
  await t.rejects(verify({ ...hops[2], index: 3 }, record(2)), PATH_INVALID, 'index changed, proof kept')
  await t.rejects(verify({ ...hops[2], proof: hops[3]!.proof }, record(2)), PATH_INVALID, 'proof of another leaf')
  await t.rejects(verify(hops[3], record(2)), PATH_INVALID, 'the hop of another record')
})

t.test('statement in another name is rejected', async t => {
  const verify = createHopVerifier(resolver().resolve)
  await t.rejects(verify({ ...hops[0], jurisdiction: 'NL' }, record(0)), { ...PATH_INVALID, message: /does not match its signed batch statement/ })
  // SE signs a statement that claims to be by NL: the key is looked up under NL and not found.
  const forged = await signHopBatch([leaves[0]!], key, { by: 'NL', to: 'DE', at: AT })
  await t.rejects(verify(forged[0], record(0)), { ...PATH_INVALID, message: /does not list for NL/ })
})

t.test('other recipient or time is rejected', async t => {
  const verify = createHopVerifier(resolver().resolve)
  await t.rejects(verify({ ...hops[0], to: 'FR' }, record(0)), PATH_INVALID)
  await t.rejects(verify({ ...hops[0], at: '2026-12-05T10:00:01.000Z' }, record(0)), PATH_INVALID)
})

t.test('other statement type is rejected', async t => {
  const tree = buildMerkleTree([hopLeafHash(leaves[0]!)])
  const payload = { by: 'SE', to: 'DE', at: AT, root: tree.root.toString('base64url'), size: 1 }
  const verify = createHopVerifier(resolver().resolve)
  for (const typ of ['nfp-batch+jws', 'nfp-receipt+jws', 'nfp-hop+jws']) {
    const batch = await signPayload(payload, typ)
    await t.rejects(verify({ jurisdiction: 'SE', to: 'DE', at: AT, batch, index: 0, proof: [] }, record(0)), { ...PATH_INVALID, message: /expected `nfp-hop-batch\+jws`/ }, typ)
  }
  const good = await signPayload(payload)
  t.same((await verify({ jurisdiction: 'SE', to: 'DE', at: AT, batch: good, index: 0, proof: [] }, record(0))).to, 'DE')
})

t.test('cached statement with forged leaf is rejected', async t => {
  const verify = createHopVerifier(resolver().resolve)
  await verify(hops[1], record(1))
  await t.rejects(verify(hops[1], { id: 'urn:nfp:se:firearm:forged', versionHash: leaves[1]!.versionHash }), PATH_INVALID, 'another record id')
  await t.rejects(verify({ ...hops[1], removed: ['/title'] }, record(1)), PATH_INVALID, 'another removed list')
  await t.rejects(verify({ ...hops[1], index: 0, proof: hops[0]!.proof }, record(1)), PATH_INVALID, 'the proof of another leaf')
})

t.test('cached statement with removed key is rejected', async t => {
  const keys = resolver()
  const verify = createHopVerifier(keys.resolve)
  await verify(hops[0], record(0))
  const before = keys.calls
  await verify(hops[1], record(1))
  t.equal(keys.calls, before + 1, 'the key is looked up for every hop, cached or not')
  keys.revoke()
  await t.rejects(verify(hops[2], record(2)), { ...PATH_INVALID, message: /does not list for SE/ })
})

t.test('bad signature is rejected every time', async t => {
  const [header, payload, signature] = hops[0]!.batch.split('.') as [string, string, string]
  const broken = `${header}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`
  const verify = createHopVerifier(resolver().resolve)
  const checks = hops.map(async (hop, i) => await verify({ ...hop, batch: broken }, record(i)))
  const outcomes = await Promise.allSettled(checks)
  t.ok(outcomes.every(o => o.status === 'rejected' && (o.reason as { code: string }).code === 'ERR_RECORD_PATH_INVALID'), 'every record of the batch is rejected')
  await t.rejects(verify({ ...hops[0], batch: broken }, record(0)), { ...PATH_INVALID, message: /does not verify/ }, 'and again later')
})

t.test('oversized hop members are rejected', async t => {
  const verify = createHopVerifier(resolver().resolve)
  const hash = hops[0]!.proof[0] ?? 'A'.repeat(43)
  await t.rejects(verify({ ...hops[0], proof: Array.from({ length: 13 }, () => hash) }, record(0)), { ...PATH_INVALID, message: /at most 12/ })
  await t.rejects(verify({ ...hops[0], index: 4096 }, record(0)), PATH_INVALID)
  await t.rejects(verify({ ...hops[0], batch: `${'a'.repeat(2048)}.b.c` }, record(0)), PATH_INVALID)
  await t.rejects(verify({ ...hops[4], removed: ['/shipFrom', '/offers/1'] }, record(4)), { ...PATH_INVALID, message: /sorted/ })
  await t.rejects(verify({ ...hops[0], removed: [] }, record(0)), PATH_INVALID)
  await t.rejects(verify(null, record(0)), PATH_INVALID)
  const huge = await signPayload({ by: 'SE', to: 'DE', at: AT, root: buildMerkleTree([hopLeafHash(leaves[0]!)]).root.toString('base64url'), size: 4097 })
  await t.rejects(verify({ jurisdiction: 'SE', to: 'DE', at: AT, batch: huge, index: 0, proof: [] }, record(0)), { ...PATH_INVALID, message: /size/ })
})

t.test('removed path with lone surrogate is rejected', async t => {
  // Such a path has no canonical form, so the leaf hash cannot be computed from it.
  const verify = createHopVerifier(resolver().resolve)
  await t.rejects(verify({ ...hops[4], removed: ['/offers/1', '/ship\uD800'] }, record(4)), { ...PATH_INVALID, message: /lone surrogate/ })
})

t.test('empty or oversized batch is not signed', async t => {
  await t.rejects(signHopBatch([], key, { by: 'SE', to: 'DE', at: AT }), RangeError)
  await t.rejects(signHopBatch(Array.from({ length: 4097 }, () => leaves[0]!), key, { by: 'SE', to: 'DE', at: AT }), RangeError)
})

t.test('signed statement header with extra member is rejected', async t => {
  const payload = JSON.parse(Buffer.from(hops[0]!.batch.split('.')[1] as string, 'base64url').toString()) as Record<string, unknown>
  const verify = createHopVerifier(resolver().resolve)
  // Each header is signed by SE's key, so only the header check can reject it. jose itself
  // accepts `b64: true` listed in `crit`, and ignores members it does not know.
  const headers = [
    { b64: true, crit: ['b64'] },
    { cty: 'json' },
    { jwk: { kty: 'OKP', crv: 'Ed25519', x: 'A'.repeat(43) } }
  ]
  for (const extra of headers) {
    const batch = await new CompactSign(canonicalBytes(payload)).setProtectedHeader({ alg: 'EdDSA', kid: se.kid, typ: 'nfp-hop-batch+jws', ...extra }).sign(se.privateKey)
    await t.rejects(verify({ ...hops[0], batch }, record(0)), { ...PATH_INVALID, message: /must contain only `alg`, `kid` and `typ`/ }, Object.keys(extra).join(' '))
  }
})
