/**
 * Writes the test vectors of record signature version 2 to conformance/vectors/signature-v2/:
 * valid records, a redacted record and tampered variants, each with the outcome and error code
 * a verifier must give. Keys, seeds and times are fixed, and Ed25519 signatures are
 * deterministic, so the files come out the same on every run.
 *
 * Run it with `node conformance/scripts/make-signature-vectors.ts`; `--check` compares the
 * files with what the script would write and exits 1 on a difference, writing nothing.
 */
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'
import { CompactSign } from 'jose'
import {
  canonicalBytes, commitRecord, createRecordVerifier, keyIdOf, redactSignedRecord, signRecordBatch
} from '../../protocol/src/index.ts'
import type { NfpError, SignedRecordV2 } from '../../protocol/src/index.ts'
import { buildMerkleTree } from '../../protocol/src/signature-v2/merkle-tree.ts'

const OUT = fileURLToPath(new URL('../vectors/signature-v2/', import.meta.url))
const SIGNED_AT = new Date('2026-12-04T10:00:00.000Z')
// RFC 8410 PKCS #8 prefix of an Ed25519 private key; the 32-byte seed follows it.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

/** One vector file: what to verify, with which key, and the outcome a verifier must give. */
interface Vector {
  description: string
  publicKey: { jurisdiction: string, kid: string, jwk: Record<string, unknown> }
  input: unknown
  expected: { outcome: 'valid', id: string, removedPaths: string[] } | { outcome: 'invalid', code: string }
}

function fixedKey (): KeyObject {
  const seed = createHash('sha256').update('ceasefire signature-v2 test vector key').digest()
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' })
}

/** Derives a seed from the record id, so the vectors are stable; a node draws its seeds from its CSPRNG. */
function fixedSeed (id: string): string {
  return createHash('sha256').update(`test vector seed\n${id}`).digest().subarray(0, 16).toString('base64url')
}

function listing (local: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    '@context': 'urn:ceasefire:context:v1',
    id: `urn:nfp:se:weblisting:${local}`,
    type: 'WebListing',
    provenance: { jurisdiction: 'SE', agency: 'Polismyndigheten NOA', created: '2026-12-01T09:00:00.000Z', modified: '2026-12-01T09:00:00.000Z', sourceReference: 'K-2026-4711' },
    handlingCode: 'H1',
    grading: { sourceReliability: 'B', informationAccuracy: 2 },
    legalBasis: 'Directive (EU) 2023/977 Art. 7',
    reviewBy: '2029-12-01',
    platform: 'Agora',
    title: 'Glock 17 Gen 4',
    shipFrom: 'SE',
    seller: 'urn:nfp:se:onlineidentity:vector-vendor',
    offers: ['urn:nfp:se:firearm:vector-1', 'urn:nfp:se:firearm:vector-2', 'urn:nfp:se:firearm:vector-3'],
    ...overrides
  }
}

async function buildVectors (): Promise<Map<string, Vector>> {
  const privateKey = fixedKey()
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' }) as Record<string, unknown>
  const kid = await keyIdOf(jwk)
  const key = { privateKey, kid }
  const publicKey = { jurisdiction: 'SE', kid, jwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x } }
  const commit = (draft: Record<string, unknown>): ReturnType<typeof commitRecord> => commitRecord(draft, { seed: fixedSeed(draft.id as string) })
  const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T

  const [single] = await signRecordBatch([commit(listing('vector-single'))], key, 'SE', SIGNED_AT) as [SignedRecordV2]
  const batch = await signRecordBatch(Array.from({ length: 5 }, (_, i) => commit(listing(`vector-batch-${i}`, { title: `Listing ${i}` }))), key, 'SE', SIGNED_AT)
  const member = batch[2] as SignedRecordV2
  const neighbour = batch[3] as SignedRecordV2
  const redacted = redactSignedRecord(member, ['/provenance/sourceReference', '/shipFrom', { field: 'offers', element: 'urn:nfp:se:firearm:vector-2' }]).signed
  const neighbourRedacted = redactSignedRecord(neighbour, ['/shipFrom']).signed

  const valid = (description: string, input: SignedRecordV2, removedPaths: string[]): Vector =>
    ({ description, publicKey, input, expected: { outcome: 'valid', id: input.record.id, removedPaths } })
  const invalid = (description: string, base: SignedRecordV2, code: string, change: (c: any) => void): Vector => {
    const input = copy(base)
    change(input)
    return { description, publicKey, input, expected: { outcome: 'invalid', code } }
  }

  // A root over a forged record, presented under the signature of the real root.
  const forged = commit(listing('vector-batch-2', { title: 'Forged listing' }))
  const forgedRoot = buildMerkleTree([forged.commitment]).root.toString('base64url')
  const [header, payload, signature] = single.signature.batch.split('.') as [string, string, string]
  const forgedStatement = { ...JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')), root: forgedRoot }
  // A root correctly signed, but for another jurisdiction than the record's.
  const foreignBatch = await new CompactSign(canonicalBytes({ by: 'DE', root: buildMerkleTree([commit(listing('vector-single')).commitment]).root.toString('base64url'), size: 1, at: SIGNED_AT.toISOString() }))
    .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'nfp-batch+jws' }).sign(privateKey)

  return new Map<string, Vector>([
    ['valid-batch-of-one', valid('A record signed alone: the proof is empty and the root is its leaf hash.', single, [])],
    ['valid-batch-member', valid('Record 2 of a batch of 5, with its inclusion proof.', member, [])],
    ['valid-redacted', valid('Record 2 of the batch after a holder removed provenance.sourceReference, shipFrom and the second offered firearm.', redacted, ['/offers/1', '/provenance/sourceReference', '/shipFrom'])],
    ['invalid-added-field', invalid('A field the originator did not commit to was added to a whole record.', member, 'ERR_RECORD_VERSION_MISMATCH', c => { c.record.description = 'added later' })],
    ['invalid-added-field-with-salt', invalid('A field was added to a redacted copy with a salt copied from another field.', redacted, 'ERR_RECORD_VERSION_MISMATCH', c => {
      c.record.description = 'added later'
      c.signature.salts['/description'] = c.signature.salts['/title']
    })],
    ['invalid-added-field-without-salt', invalid('A field was added to a redacted copy without a salt.', redacted, 'ERR_SIG_DISCLOSURE_INVALID', c => { c.record.description = 'added later' })],
    ['invalid-altered-value', invalid('The title was changed after signing.', member, 'ERR_RECORD_VERSION_MISMATCH', c => { c.record.title = 'Glock 19' })],
    ['invalid-moved-value', invalid('The title was moved to the platform field.', member, 'ERR_RECORD_VERSION_MISMATCH', c => { c.record.platform = c.record.title; delete c.record.title })],
    ['invalid-reordered-links', invalid('The offered firearms were put in another order.', member, 'ERR_RECORD_VERSION_MISMATCH', c => { c.record.offers.reverse() })],
    ['invalid-swapped-disclosure', invalid('The title and its salt were taken from a redacted copy of another record of the same batch.', redacted, 'ERR_RECORD_VERSION_MISMATCH', c => {
      c.record.title = neighbourRedacted.record.title
      c.signature.salts['/title'] = neighbourRedacted.signature.salts?.['/title']
    })],
    ['invalid-identity-removed', invalid('The id was removed and declared removed with a digest.', redacted, 'ERR_SIG_REDACTION_FORBIDDEN', c => { delete c.record.id; c.signature.removed['/id'] = c.signature.removed['/shipFrom'] })],
    ['invalid-modified-removed', invalid('provenance.modified was removed and declared removed with a digest.', redacted, 'ERR_SIG_REDACTION_FORBIDDEN', c => { delete c.record.provenance.modified; c.signature.removed['/provenance/modified'] = c.signature.removed['/shipFrom'] })],
    ['invalid-replaced-digest', invalid('The digest of a removed field was replaced.', redacted, 'ERR_RECORD_VERSION_MISMATCH', c => { c.signature.removed['/shipFrom'] = c.signature.removed['/provenance/sourceReference'] })],
    ['invalid-seed-with-removed', invalid('A redacted copy also carries the seed, which would reveal the salts of the removed units.', redacted, 'ERR_SIG_DISCLOSURE_INVALID', c => { c.signature.seed = member.signature.seed })],
    ['invalid-reordered-proof', invalid('The inclusion proof hashes were reordered.', member, 'ERR_SIG_PROOF_INVALID', c => { c.signature.proof.reverse() })],
    ['invalid-foreign-proof', invalid('The record carries the leaf index and inclusion proof of another record of its batch.', member, 'ERR_SIG_PROOF_INVALID', c => {
      c.signature.index = neighbour.signature.index
      c.signature.proof = neighbour.signature.proof
    })],
    ['invalid-wrong-index', invalid('The leaf index names another position in the batch.', member, 'ERR_SIG_PROOF_INVALID', c => { c.signature.index = 3 })],
    ['invalid-forged-root', invalid('The batch statement names the root of a forged record but keeps the signature of the real root.', single, 'ERR_SIG_INVALID', c => {
      c.record = forged.record
      c.signature.seed = forged.seed
      c.signature.batch = `${header}.${Buffer.from(canonicalBytes(forgedStatement)).toString('base64url')}.${signature}`
    })],
    ['invalid-root-for-another-jurisdiction', invalid('The root is validly signed, but its statement names DE while the record originates at SE.', single, 'ERR_SIG_INVALID', c => { c.signature.batch = foreignBatch })],
    ['invalid-unknown-version', invalid('The signature names version 3.', single, 'ERR_SIG_VERSION_UNSUPPORTED', c => { c.signature.version = 3 })],
    ['invalid-short-salt', invalid('A salt shorter than 18 bytes in a redacted copy.', redacted, 'ERR_SIG_DISCLOSURE_INVALID', c => { c.signature.salts['/title'] = 'AAAAAAAA' })],
    ['invalid-short-seed', invalid('A seed shorter than 16 bytes.', single, 'ERR_SIG_DISCLOSURE_INVALID', c => { c.signature.seed = 'AAAAAAAA' })]
  ])
}

/** Verifies a vector with the reference verifier and returns the outcome it gives. */
async function outcomeOf (vector: Vector): Promise<Vector['expected']> {
  const { createPublicKey: toKey } = await import('node:crypto')
  const publicKey = toKey({ key: vector.publicKey.jwk as any, format: 'jwk' })
  const verify = createRecordVerifier((jurisdiction, kid) => jurisdiction === vector.publicKey.jurisdiction && kid === vector.publicKey.kid ? publicKey : undefined)
  try {
    const verified = await verify(JSON.parse(JSON.stringify(vector.input)))
    return { outcome: 'valid', id: verified.record.id, removedPaths: verified.removedPaths }
  } catch (err) {
    return { outcome: 'invalid', code: (err as NfpError).code ?? String(err) }
  }
}

async function main (): Promise<void> {
  const { values } = parseArgs({ options: { check: { type: 'boolean' } } })
  const vectors = await buildVectors()

  // The reference verifier must give every expected outcome before a file is written.
  for (const [name, vector] of vectors) {
    const actual = await outcomeOf(vector)
    if (JSON.stringify(actual) !== JSON.stringify(vector.expected)) {
      console.error(`vector ${name}: expected ${JSON.stringify(vector.expected)}, the verifier gives ${JSON.stringify(actual)}`)
      process.exit(1)
    }
  }

  const files = new Map(Array.from(vectors, ([name, vector]) => [`${name}.json`, JSON.stringify(vector, null, 2) + '\n']))
  if (values.check === true) {
    const present = existsSync(OUT) ? readdirSync(OUT).filter(f => f.endsWith('.json')) : []
    const differing = [...files].filter(([file, text]) => !existsSync(OUT + file) || readFileSync(OUT + file, 'utf8') !== text).map(([file]) => file)
    const extra = present.filter(file => !files.has(file))
    if (differing.length > 0 || extra.length > 0) {
      console.error(`vectors differ from the script: ${[...differing, ...extra.map(f => `${f} (not written by the script)`)].join(', ')}`)
      process.exit(1)
    }
    console.log(`${files.size} vectors match`)
    return
  }
  mkdirSync(OUT, { recursive: true })
  for (const [file, text] of files) writeFileSync(OUT + file, text)
  console.log(`wrote ${files.size} vectors to ${OUT}`)
}

await main()
