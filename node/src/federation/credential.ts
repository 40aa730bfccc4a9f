import * as vc from '@digitalbazaar/vc'
import { DataIntegrityProof } from '@digitalbazaar/data-integrity'
import { cryptosuite } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite'
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey'
import { driver as didKeyDriver } from '@digitalbazaar/did-method-key'
import { contexts as credentialContexts } from '@digitalbazaar/credentials-context'
import type { JWK } from 'jose'
import type { Member } from '@ceasefire/protocol'

export const CREDENTIALS_V2_URL = 'https://www.w3.org/ns/credentials/v2'

/**
 * Terms of the membership credential. They are given inline, so verifiers need no network
 * access and no extra context file; `@protected` stops a later context from redefining them.
 */
export const MEMBERSHIP_CONTEXT = {
  '@protected': true,
  FederationMembershipCredential: 'urn:ceasefire:vocab:FederationMembershipCredential',
  FederationMember: 'urn:ceasefire:vocab:FederationMember',
  federation: 'urn:ceasefire:vocab:federation',
  membershipVersion: { '@id': 'urn:ceasefire:vocab:membershipVersion', '@type': 'http://www.w3.org/2001/XMLSchema#integer' },
  jurisdiction: 'urn:ceasefire:vocab:jurisdiction',
  peerId: 'urn:ceasefire:vocab:peerId',
  memberName: 'urn:ceasefire:vocab:memberName',
  agencyRole: 'urn:ceasefire:vocab:agencyRole'
} as const

const resolver = didKeyDriver()
resolver.use({ multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from })

/**
 * Resolves the contexts of a membership credential and did:key URLs without network access;
 * any other URL is refused, so verification never fetches from the internet.
 */
export async function documentLoader (url: string): Promise<{ contextUrl: null, documentUrl: string, document: unknown }> {
  const context = credentialContexts.get(url)
  if (context !== undefined) return { contextUrl: null, documentUrl: url, document: context }
  if (url.startsWith('did:key:')) return { contextUrl: null, documentUrl: url, document: await resolver.get({ url }) }
  throw new Error(`document loader is offline and does not serve \`${url}\``)
}

/** Returns the did:key of an Ed25519 public JWK (multicodec ed25519-pub, base58btc). */
export async function didKeyOf (jwk: JWK): Promise<string> {
  const key = await Ed25519Multikey.fromJwk({ jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x } })
  return `did:key:${key.publicKeyMultibase}`
}

/**
 * Issues the W3C Verifiable Credential (VC Data Model 2.0) that states a member's membership,
 * signed by the federation authority with an eddsa-rdfc-2022 Data Integrity proof. The
 * subject is the did:key of the member's current record-signing key.
 */
export async function issueMembershipCredential (options: {
  member: Member
  federation: string
  version: number
  authorityJwk: JWK
  validFrom?: string
}): Promise<Record<string, unknown>> {
  const { member } = options
  const current = member.signingKeys.find(k => k.validUntil === undefined && k.revokedAt === undefined) ?? member.signingKeys[member.signingKeys.length - 1]
  if (current === undefined) throw new TypeError(`member ${member.jurisdiction} has no record-signing key`)
  const subject = member.did ?? await didKeyOf(current.jwk)

  const authority = await Ed25519Multikey.fromJwk({ jwk: options.authorityJwk, secretKey: true })
  const issuer = `did:key:${authority.publicKeyMultibase}`
  authority.id = `${issuer}#${authority.publicKeyMultibase}`
  authority.controller = issuer

  const credential = {
    '@context': [CREDENTIALS_V2_URL, MEMBERSHIP_CONTEXT],
    type: ['VerifiableCredential', 'FederationMembershipCredential'],
    issuer,
    validFrom: options.validFrom ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    credentialSubject: {
      id: subject,
      type: 'FederationMember',
      federation: options.federation,
      membershipVersion: options.version,
      jurisdiction: member.jurisdiction,
      memberName: member.name,
      peerId: member.peerId,
      ...(member.agencies === undefined ? {} : { agencyRole: Array.from(new Set(member.agencies.flatMap(a => a.roles))) })
    }
  }
  const suite = new DataIntegrityProof({ signer: authority.signer(), cryptosuite })
  return await vc.issue({ credential, suite, documentLoader })
}

/** Verifies a membership credential with the issuing library; tests also check it with an independent verifier. */
export async function verifyMembershipCredential (credential: object): Promise<{ verified: boolean, error?: Error }> {
  const result = await vc.verifyCredential({ credential, suite: new DataIntegrityProof({ cryptosuite }), documentLoader })
  return result.error === undefined ? { verified: result.verified } : { verified: result.verified, error: result.error }
}
