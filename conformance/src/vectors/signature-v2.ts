import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { canonicalBytes, commitRecord, redactSignedRecord, signRecordBatch } from '@ceasefire/protocol'
import type { SignedRecordV2, SigningKey } from '@ceasefire/protocol'
import { VECTORS_DIR } from './records.ts'
import { compactJws } from './jws.ts'
import type { VectorKey } from './jws.ts'

/** A vector file in `vectors/signature-v2/`, as conformance/scripts/make-signature-vectors.ts writes it. */
export interface SignatureV2Vector {
  /** The file name without `.json`. */
  name: string
  description: string
  expected: { outcome: 'valid', id: string, removedPaths: string[] } | { outcome: 'invalid', code: string }
}

/** Reads the signature version 2 vectors, each named after its file. */
export function readSignatureV2Vectors (): SignatureV2Vector[] {
  const dir = join(VECTORS_DIR, 'signature-v2')
  return readdirSync(dir).filter(f => f.endsWith('.json')).sort().map((file) => {
    const vector = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Omit<SignatureV2Vector, 'name'>
    return { name: file.slice(0, -'.json'.length), description: vector.description, expected: vector.expected }
  })
}

/** Five listings of one batch signed by the test member, the third of them redacted, for the live tests. */
export interface MemberBatch {
  single: SignedRecordV2
  member: SignedRecordV2
  neighbour: SignedRecordV2
  redacted: SignedRecordV2
  /** Paths the redacted copy lacks, as the verifier reports them. */
  removedPaths: string[]
  /** A committed listing that was never signed, for the forged-root case. */
  forged: ReturnType<typeof commitRecord>
}

/** Builds a WebListing draft of `jurisdiction` with links to three firearms, the shape the vectors use. */
export function listingDraft (jurisdiction: string, local: string, title: string): Record<string, unknown> {
  const j = jurisdiction.toLowerCase()
  const at = new Date().toISOString()
  return {
    '@context': 'urn:ceasefire:context:v1',
    id: `urn:nfp:${j}:weblisting:${local}`,
    type: 'WebListing',
    provenance: { jurisdiction, agency: 'Conformance test member', created: at, modified: at, sourceReference: `CONF-${local}` },
    handlingCode: 'H1',
    grading: { sourceReliability: 'B', informationAccuracy: 2 },
    legalBasis: 'Directive (EU) 2023/977 Art. 7 (conformance test)',
    reviewBy: '2099-01-01',
    platform: 'Agora',
    title,
    shipFrom: jurisdiction,
    seller: `urn:nfp:${j}:onlineidentity:${local}-vendor`,
    offers: [1, 2, 3].map(n => `urn:nfp:${j}:firearm:${local}-offer-${n}`)
  }
}

/**
 * Signs a batch of five listings and a batch of one with the test member's key, and redacts
 * `provenance.sourceReference`, `shipFrom` and the second offer from a copy of the third
 * listing, as the vector generator does with its fixed key.
 */
export async function signMemberBatch (jurisdiction: string, key: { privateKey: SigningKey, kid: string }, local: string): Promise<MemberBatch> {
  const [single] = await signRecordBatch([commitRecord(listingDraft(jurisdiction, `${local}-single`, 'Glock 17 Gen 4'))], key, jurisdiction) as [SignedRecordV2]
  const batch = await signRecordBatch(Array.from({ length: 5 }, (_, i) => commitRecord(listingDraft(jurisdiction, `${local}-batch-${i}`, `Listing ${i}`))), key, jurisdiction)
  const member = batch[2] as SignedRecordV2
  const neighbour = batch[3] as SignedRecordV2
  const secondOffer = (member.record as unknown as { offers: string[] }).offers[1]
  const { signed: redacted, removed } = redactSignedRecord(member, ['/provenance/sourceReference', '/shipFrom', { field: 'offers', element: secondOffer }])
  const forged = commitRecord(listingDraft(jurisdiction, `${local}-batch-2`, 'Forged listing'))
  return { single, member, neighbour, redacted, removedPaths: removed, forged }
}

type Change = (copy: any, batch: MemberBatch, key: VectorKey, jurisdiction: string) => void

/**
 * The live form of each invalid vector: which record of the member's batch it starts from and
 * the change it makes. Each mirrors the case of the same name in make-signature-vectors.ts.
 */
export const V2_TAMPERING: Record<string, { base: 'single' | 'member' | 'redacted', change: Change }> = {
  'invalid-added-field': { base: 'member', change: c => { c.record.description = 'added later' } },
  'invalid-added-field-with-salt': {
    base: 'redacted',
    change: c => {
      c.record.description = 'added later'
      c.signature.salts['/description'] = c.signature.salts['/title']
    }
  },
  'invalid-added-field-without-salt': { base: 'redacted', change: c => { c.record.description = 'added later' } },
  'invalid-altered-value': { base: 'member', change: c => { c.record.title = 'Glock 19' } },
  'invalid-moved-value': { base: 'member', change: c => { c.record.platform = c.record.title; delete c.record.title } },
  'invalid-foreign-proof': {
    base: 'member',
    change: (c, b) => {
      c.signature.index = b.neighbour.signature.index
      c.signature.proof = b.neighbour.signature.proof
    }
  },
  'invalid-forged-root': {
    base: 'single',
    change: (c, b) => {
      // The statement names the root of a record the member never signed and keeps the
      // signature made over the real root.
      const [header, payload, signature] = (c.signature.batch as string).split('.') as [string, string, string]
      const statement = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>
      const root = b.forged.commitment.toString('base64url')
      c.record = b.forged.record
      c.signature.seed = b.forged.seed
      c.signature.batch = `${header}.${Buffer.from(canonicalBytes({ ...statement, root })).toString('base64url')}.${signature}`
    }
  },
  'invalid-identity-removed': { base: 'redacted', change: c => { delete c.record.id; c.signature.removed['/id'] = c.signature.removed['/shipFrom'] } },
  'invalid-modified-removed': { base: 'redacted', change: c => { delete c.record.provenance.modified; c.signature.removed['/provenance/modified'] = c.signature.removed['/shipFrom'] } },
  'invalid-reordered-links': { base: 'member', change: c => { c.record.offers.reverse() } },
  'invalid-reordered-proof': { base: 'member', change: c => { c.signature.proof.reverse() } },
  'invalid-replaced-digest': { base: 'redacted', change: c => { c.signature.removed['/shipFrom'] = c.signature.removed['/provenance/sourceReference'] } },
  'invalid-root-for-another-jurisdiction': {
    base: 'single',
    change: (c, _b, key, jurisdiction) => {
      // A root the member signed correctly, but whose statement names another jurisdiction.
      const statement = JSON.parse(Buffer.from((c.signature.batch as string).split('.')[1] as string, 'base64url').toString('utf8')) as Record<string, unknown>
      c.signature.batch = compactJws({ ...statement, by: jurisdiction === 'XO' ? 'XP' : 'XO' }, 'nfp-batch+jws', key)
    }
  },
  'invalid-seed-with-removed': { base: 'redacted', change: (c, b) => { c.signature.seed = b.member.signature.seed } },
  'invalid-short-salt': { base: 'redacted', change: c => { c.signature.salts['/title'] = 'AAAAAAAA' } },
  'invalid-short-seed': { base: 'single', change: c => { c.signature.seed = 'AAAAAAAA' } },
  'invalid-swapped-disclosure': {
    base: 'redacted',
    change: (c, b) => {
      const other = redactSignedRecord(b.neighbour, ['/shipFrom']).signed
      c.record.title = other.record.title
      c.signature.salts['/title'] = other.signature.salts?.['/title']
    }
  },
  'invalid-unknown-version': { base: 'single', change: c => { c.signature.version = 3 } },
  'invalid-wrong-index': { base: 'member', change: c => { c.signature.index = 3 } }
}

/** Applies the live form of an invalid vector to a fresh copy of the member's batch. */
export function tamper (name: string, batch: MemberBatch, key: VectorKey, jurisdiction: string): { record: Record<string, any>, signature: Record<string, any> } {
  const tampering = V2_TAMPERING[name]
  if (tampering === undefined) throw new Error(`no live form for signature vector ${name}; add one to V2_TAMPERING`)
  const copy = structuredClone(batch[tampering.base]) as unknown as { record: Record<string, any>, signature: Record<string, any> }
  tampering.change(copy, batch, key, jurisdiction)
  return copy
}
