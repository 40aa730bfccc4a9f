import t from 'tap'
import { CompactSign, base64url } from 'jose'
import { canonicalBytes, generateSigningKey, importSigningKey } from '../../../protocol/src/index.ts'
import type { Membership, SigningKeyPair } from '../../../protocol/src/index.ts'
import { AUDIT_HEAD_TYP, membershipKeyResolver, signAuditHead, verifyAuditHead } from '../../src/audit/signed-head.ts'

const se = await generateSigningKey()
const de = await generateSigningKey()
const stranger = await generateSigningKey()

function member (jurisdiction: string, pair: SigningKeyPair): Membership['members'][number] {
  return { jurisdiction, name: `${jurisdiction} node`, peerId: `peer-${jurisdiction}`, addresses: [], signingKeys: [{ kid: pair.kid, jwk: { kty: 'OKP', crv: 'Ed25519', x: pair.publicJwk.x as string } }] }
}
const membership: Membership = { federation: 'test', version: 1, members: [member('SE', se), member('DE', de)] }
const resolveKey = membershipKeyResolver(() => membership)

const HEAD = { jurisdiction: 'SE', seq: 12, hash: 'sha256:' + 'ab'.repeat(32), at: '2026-12-04T10:00:00.000Z' }
const seKey = { privateKey: await importSigningKey(se.privateJwk), kid: se.kid }

/** Signs an arbitrary payload and header, as a faulty or hostile peer could. */
async function signRaw (payload: unknown, key: { privateKey: any, kid: string }, header: Record<string, unknown> = {}): Promise<string> {
  return await new CompactSign(canonicalBytes(payload)).setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: AUDIT_HEAD_TYP, ...header }).sign(key.privateKey)
}

t.test('signed head verifies under member key', async t => {
  const signed = await signAuditHead(HEAD, seKey)
  const header = JSON.parse(new TextDecoder().decode(base64url.decode(signed.jws.split('.')[0]!)))
  t.same(header, { alg: 'EdDSA', kid: se.kid, typ: 'nfp-audit-head+jws' })
  const verified = await verifyAuditHead(signed.jws, 'SE', resolveKey)
  t.same(verified, { ...HEAD, jws: signed.jws })
})

t.test('head signed by another member is rejected', async t => {
  // DE's key is a member key, but not one of SE's, so it cannot vouch for SE's log.
  const jws = await signRaw(HEAD, { privateKey: await importSigningKey(de.privateJwk), kid: de.kid })
  await t.rejects(verifyAuditHead(jws, 'SE', resolveKey), { code: 'ERR_SIG_UNKNOWN_KEY' })
})

t.test('head signed by wrong key is rejected', async t => {
  // A key that is not SE's, presented under SE's key id.
  const jws = await signRaw(HEAD, { privateKey: await importSigningKey(stranger.privateJwk), kid: se.kid })
  await t.rejects(verifyAuditHead(jws, 'SE', resolveKey), { code: 'ERR_SIG_INVALID', message: 'audit head signature verification failed' })
})

t.test('head naming another jurisdiction is rejected', async t => {
  const jws = await signRaw({ ...HEAD, jurisdiction: 'DE' }, seKey)
  await t.rejects(verifyAuditHead(jws, 'SE', resolveKey), { code: 'ERR_PEER_IDENTITY_MISMATCH' })
})

t.test('changed payload is rejected', async t => {
  const signed = await signAuditHead(HEAD, seKey)
  const [header, , signature] = signed.jws.split('.')
  const forged = base64url.encode(canonicalBytes({ ...HEAD, seq: 13 }))
  await t.rejects(verifyAuditHead(`${header}.${forged}.${signature}`, 'SE', resolveKey), { code: 'ERR_SIG_INVALID' })
})

t.test('wrong type or algorithm is rejected', async t => {
  const receipt = await signRaw(HEAD, seKey, { typ: 'nfp-receipt+jws' })
  await t.rejects(verifyAuditHead(receipt, 'SE', resolveKey), { code: 'ERR_SIG_INVALID', message: /type must be `nfp-audit-head\+jws`/ })
  const [, payload, signature] = (await signAuditHead(HEAD, seKey)).jws.split('.')
  const none = base64url.encode(JSON.stringify({ alg: 'none', kid: se.kid, typ: AUDIT_HEAD_TYP }))
  await t.rejects(verifyAuditHead(`${none}.${payload}.${signature}`, 'SE', resolveKey), { code: 'ERR_SIG_INVALID', message: /algorithm must be `EdDSA`/ })
  await t.rejects(verifyAuditHead('not-a-jws', 'SE', resolveKey), { code: 'ERR_SIG_INVALID', message: 'audit head is not a compact JWS' })
})

t.test('invalid head payloads are rejected', async t => {
  const cases: Array<[string, unknown]> = [
    ['extra field', { ...HEAD, note: 'x' }],
    ['negative seq', { ...HEAD, seq: -1 }],
    ['fractional seq', { ...HEAD, seq: 1.5 }],
    ['short hash', { ...HEAD, hash: 'sha256:abc' }],
    ['bad time', { ...HEAD, at: 'yesterday' }],
    ['lower-case jurisdiction', { ...HEAD, jurisdiction: 'se' }],
    ['array', [HEAD]]
  ]
  for (const [name, payload] of cases) {
    const jws = await signRaw(payload, seKey)
    await t.rejects(verifyAuditHead(jws, 'SE', resolveKey), { code: 'ERR_SIG_INVALID' }, name)
  }
})
