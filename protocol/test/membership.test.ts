import t from 'tap'
import { generateSigningKey } from '../src/keys.ts'
import { validateMembership } from '../src/membership.ts'

const se = await generateSigningKey()
const nl = await generateSigningKey()
const member = (jurisdiction: string, peerId: string, key: typeof se): Record<string, unknown> => ({
  jurisdiction,
  name: `${jurisdiction} node`,
  peerId,
  addresses: [],
  signingKeys: [{ kid: key.kid, jwk: { kty: 'OKP', crv: 'Ed25519', x: key.publicJwk.x } }]
})
const PEER_A = '12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'
const PEER_B = '12D3KooWHFrmLWTTDD4NodngtRMEVYgxrsDMp4F9aE3JvyBKsSEG'

t.test('accepts a valid membership', async t => {
  const membership = await validateMembership({ federation: 'f', version: 1, members: [member('SE', PEER_A, se), member('NL', PEER_B, nl)] })
  t.equal(membership.members.length, 2)
})

t.test('rejects a key id that is not the thumbprint', async t => {
  const bad = member('SE', PEER_A, se)
  ;(bad.signingKeys as any)[0].kid = nl.kid
  await t.rejects(validateMembership({ federation: 'f', version: 1, members: [bad] }), { code: 'ERR_MEMBERSHIP_INVALID', message: /not the RFC 7638 thumbprint/ })
})

t.test('rejects one key for two jurisdictions', async t => {
  await t.rejects(validateMembership({ federation: 'f', version: 1, members: [member('SE', PEER_A, se), member('NL', PEER_B, se)] }), { code: 'ERR_MEMBERSHIP_INVALID', message: /for both SE and NL/ })
})

t.test('rejects duplicate jurisdictions and peers', async t => {
  await t.rejects(validateMembership({ federation: 'f', version: 1, members: [member('SE', PEER_A, se), member('SE', PEER_B, nl)] }), { code: 'ERR_MEMBERSHIP_INVALID', message: /jurisdiction `SE` twice/ })
  await t.rejects(validateMembership({ federation: 'f', version: 1, members: [member('SE', PEER_A, se), member('NL', PEER_A, nl)] }), { code: 'ERR_MEMBERSHIP_INVALID', message: /peer id .* twice/ })
})

t.test('rejects unknown fields', async t => {
  await t.rejects(validateMembership({ federation: 'f', version: 1, members: [{ ...member('SE', PEER_A, se), colour: 'blue' }] }), { code: 'ERR_MEMBERSHIP_INVALID' })
})
