import t from 'tap'
import { generateSigningKey } from '../../../protocol/src/index.ts'
import type { Member } from '../../../protocol/src/index.ts'
import { didKeyOf, issueMembershipCredential, verifyMembershipCredential } from '../../src/federation/credential.ts'
import { verifyIndependently } from './independent-vc-verifier.ts'

const authority = await generateSigningKey()
const signing = await generateSigningKey()
const member: Member = {
  jurisdiction: 'SE',
  name: 'Sweden NFP',
  agencies: [{ name: 'Polismyndigheten NOA', roles: ['single-point-of-contact', 'law-enforcement'] }, { name: 'Tullverket', roles: ['customs'] }],
  peerId: '12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN',
  addresses: [],
  signingKeys: [{ kid: signing.kid, jwk: signing.publicJwk }]
}
const credential = await issueMembershipCredential({ member, federation: 'test federation', version: 3, authorityJwk: authority.privateJwk })

t.test('credential names member and authority', async t => {
  const subject = credential.credentialSubject as Record<string, unknown>
  t.equal(credential.issuer, await didKeyOf(authority.publicJwk))
  t.equal(subject.id, await didKeyOf(signing.publicJwk))
  t.match(String(subject.id), /^did:key:z6Mk/)
  t.equal(subject.jurisdiction, 'SE')
  t.equal(subject.membershipVersion, 3)
  t.same(subject.agencyRole, ['single-point-of-contact', 'law-enforcement', 'customs'])
  t.equal((credential.proof as Record<string, unknown>).cryptosuite, 'eddsa-rdfc-2022')
})

t.test('issuing library verifies credential', async t => {
  t.equal((await verifyMembershipCredential(credential)).verified, true)
})

t.test('independent verifier accepts credential', async t => {
  t.equal(await verifyIndependently(credential), undefined)
})

t.test('both verifiers reject tampered credential', async t => {
  const tampered = { ...credential, credentialSubject: { ...(credential.credentialSubject as object), jurisdiction: 'DE' } }
  t.equal(await verifyIndependently(tampered), 'signature does not verify')
  t.equal((await verifyMembershipCredential(tampered)).verified, false)
})

t.test('independent verifier rejects other issuer', async t => {
  const other = await generateSigningKey()
  t.equal(await verifyIndependently({ ...credential, issuer: await didKeyOf(other.publicJwk) }), 'proof is not made by the issuer')
})
