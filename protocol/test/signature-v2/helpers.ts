import { generateSigningKey, importSigningKey } from '../../src/keys.ts'
import type { SigningKey } from '../../src/signature.ts'

/** Returns a WebListing draft of SE that links one seller and three offered firearms. */
export function listingDraft (local: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    '@context': 'urn:ceasefire:context:v1',
    id: `urn:nfp:se:weblisting:${local}`,
    type: 'WebListing',
    provenance: { jurisdiction: 'SE', agency: 'Polismyndigheten NOA', created: '2026-01-05T10:00:00.000Z', modified: '2026-01-05T10:00:00.000Z', sourceReference: 'K-4711' },
    handlingCode: 'H1',
    grading: { sourceReliability: 'B', informationAccuracy: 2 },
    legalBasis: 'Directive (EU) 2023/977 Art. 7',
    reviewBy: '2029-01-05',
    platform: 'Agora',
    title: 'Glock 17 Gen 4',
    shipFrom: 'SE',
    seller: 'urn:nfp:se:onlineidentity:vendor-1',
    offers: ['urn:nfp:se:firearm:f-1', 'urn:nfp:se:firearm:f-2', 'urn:nfp:se:firearm:f-3'],
    ...overrides
  }
}

export interface TestSigner {
  kid: string
  privateKey: SigningKey
  publicKey: SigningKey
  resolve: (jurisdiction: string, kid: string) => SigningKey | undefined
}

/** Creates an Ed25519 record-signing key of SE and a resolver that returns only that key. */
export async function testSigner (): Promise<TestSigner> {
  const pair = await generateSigningKey()
  const publicKey = await importSigningKey(pair.publicJwk)
  return {
    kid: pair.kid,
    privateKey: await importSigningKey(pair.privateJwk),
    publicKey,
    resolve: (jurisdiction, kid) => jurisdiction === 'SE' && kid === pair.kid ? publicKey : undefined
  }
}

/** Returns a JSON copy, as the record would arrive over the wire. */
export const wire = (value: unknown): any => JSON.parse(JSON.stringify(value))
