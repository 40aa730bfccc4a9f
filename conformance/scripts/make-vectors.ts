/**
 * Writes the test vectors in conformance/vectors/ from fixed keys, so the files come out the
 * same on every run. Run it after changing a vector definition here, and commit the result:
 *
 *   node conformance/scripts/make-vectors.ts
 *
 * Record vectors are signed with the fixed keys in vectors/keys.json. These are test keys,
 * published on purpose, and must never be used for anything else. Policy vectors take the EU
 * and SE modules from policies/ and a small module written for the decision rules. Their
 * expected outcomes come from this repository's policy engine and are reviewed by hand before
 * committing.
 */
import { createHash, createPrivateKey } from 'node:crypto'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { JWK } from 'jose'
import { computeVersionHash, importSigningKey, keyIdOf, signHopBatch } from '@ceasefire/protocol'
import { buildSigned, VECTORS_DIR } from '../src/vectors/records.ts'
import type { Expectation, Mutation, RecordVector } from '../src/vectors/records.ts'
import type { VectorKey } from '../src/vectors/jws.ts'
import { evaluatePolicyVector } from '../src/vectors/policy.ts'
import type { PolicyVector } from '../src/vectors/policy.ts'
import type { FrameVector } from '../src/vectors/frames.ts'
import { compactJws } from '../src/vectors/jws.ts'
import type { StatementVector } from '../src/vectors/statements.ts'
import type { HopVector } from '../src/vectors/hops.ts'

const ORIGIN = 'XC'
const RECEIVER = 'XR'
const AT = '2026-12-01T09:00:00.000Z'

async function fixedKey (label: string): Promise<VectorKey & { publicJwk: JWK }> {
  const seed = createHash('sha256').update(`nfp-conformance vector key: ${label}`).digest()
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed])
  const privateJwk = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ format: 'jwk' }) as JWK
  const publicJwk: JWK = { kty: 'OKP', crv: 'Ed25519', x: privateJwk.x as string }
  const kid = await keyIdOf(publicJwk)
  return { kid, privateJwk: { ...privateJwk, kid }, publicJwk }
}

function firearm (local: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    '@context': 'urn:ceasefire:context:v1',
    id: `urn:nfp:${ORIGIN.toLowerCase()}:firearm:${local}`,
    type: 'Firearm',
    provenance: { jurisdiction: ORIGIN, agency: 'Conformance test agency', created: AT, modified: AT },
    handlingCode: 'H0',
    grading: { sourceReliability: 'B', informationAccuracy: 2 },
    legalBasis: 'Directive (EU) 2023/977 Art. 7 (test vector)',
    reviewBy: '2099-01-01',
    make: 'Glock',
    model: '17 Gen 4',
    calibre: '9x19mm Parabellum',
    firearmKind: 'pistol',
    serialNumber: 'VEC0001',
    ...extra
  }
}

/** Builds a Person draft of a synthetic person, with no real person's data. */
function person (local: string, subjectCategory: string | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    '@context': 'urn:ceasefire:context:v1',
    id: `urn:nfp:${ORIGIN.toLowerCase()}:person:${local}`,
    type: 'Person',
    provenance: { jurisdiction: ORIGIN, agency: 'Conformance test agency', created: AT, modified: AT },
    handlingCode: 'H0',
    grading: { sourceReliability: 'B', informationAccuracy: 2 },
    legalBasis: 'Directive (EU) 2023/977 Art. 7 (test vector)',
    reviewBy: '2099-01-01',
    ...(subjectCategory === undefined ? {} : { subjectCategory }),
    givenName: 'Vecta',
    familyName: 'Synthetic',
    dateOfBirth: '1980-02-03',
    ...extra
  }
}

const rejected = (code: string): Expectation => ({ outcome: 'rejected', code })

const recordCases: Array<{ id: string, description: string, section: string, requirement: string, draft: Record<string, unknown>, mutation: Mutation, expect: Expectation }> = [
  { id: 'valid-firearm', description: 'A valid Firearm record signed by its originator.', section: '6.5', requirement: 'SHARE-6.5-3', draft: firearm('vector-valid'), mutation: 'none', expect: { outcome: 'accepted' } },
  { id: 'valid-person-witness', description: 'A valid Person record of a witness (synthetic data).', section: '6.5', requirement: 'SHARE-6.5-3', draft: person('vector-witness', 'witness'), mutation: 'none', expect: { outcome: 'accepted' } },
  { id: 'empty-signature', description: 'The signature members are empty strings.', section: '5', requirement: 'SIG-5-1', draft: firearm('vector-empty-sig'), mutation: 'empty-signature', expect: rejected('ERR_SIG_MISSING') },
  { id: 'wrong-typ', description: 'The protected header says typ nfp-hop+jws; the signature itself is valid.', section: '5', requirement: 'SIG-5-2', draft: firearm('vector-wrong-typ'), mutation: 'wrong-typ', expect: rejected('ERR_SIG_INVALID') },
  { id: 'wrong-alg', description: 'The protected header says alg ES256 over an Ed25519 signature.', section: '5', requirement: 'SIG-5-2', draft: firearm('vector-wrong-alg'), mutation: 'wrong-alg', expect: rejected('ERR_SIG_INVALID') },
  { id: 'unknown-kid', description: 'Signed with a key the membership does not list, under that key\'s own kid.', section: '5', requirement: 'SIG-5-3', draft: firearm('vector-unknown-kid'), mutation: 'unknown-kid', expect: rejected('ERR_SIG_UNKNOWN_KEY') },
  { id: 'tampered-field', description: 'legalBasis changed after signing and versionHash recomputed; only the signature shows the change.', section: '5', requirement: 'SIG-5-4', draft: firearm('vector-tampered'), mutation: 'tamper-field', expect: rejected('ERR_SIG_INVALID') },
  { id: 'other-key-same-kid', description: 'Signed with another key under the originator\'s kid.', section: '5', requirement: 'SIG-5-4', draft: firearm('vector-other-key'), mutation: 'other-key-same-kid', expect: rejected('ERR_SIG_INVALID') },
  { id: 'version-hash-mismatch', description: 'Correctly signed, but versionHash does not match the content.', section: '5', requirement: 'SIG-5-5', draft: firearm('vector-hash-mismatch'), mutation: 'version-hash-mismatch', expect: rejected('ERR_RECORD_VERSION_MISMATCH') },
  { id: 'unknown-field', description: 'Correctly signed record with a field its schema does not define.', section: '3.1', requirement: 'REC-3.1-2', draft: firearm('vector-unknown-field', { colour: 'black' }), mutation: 'none', expect: rejected('ERR_RECORD_INVALID') },
  { id: 'id-other-jurisdiction', description: 'The id names jurisdiction zz while provenance names the originator.', section: '3.1', requirement: 'REC-3.1-1', draft: { ...firearm('x'), id: 'urn:nfp:zz:firearm:vector-other-jurisdiction' }, mutation: 'none', expect: rejected('ERR_RECORD_INVALID') },
  { id: 'id-other-type', description: 'A Firearm whose id names the type ammunition.', section: '3.1', requirement: 'REC-3.1-1', draft: { ...firearm('x'), id: `urn:nfp:${ORIGIN.toLowerCase()}:ammunition:vector-other-type` }, mutation: 'none', expect: rejected('ERR_RECORD_INVALID') },
  { id: 'person-without-category', description: 'A Person record without subjectCategory.', section: '3.1', requirement: 'REC-3.1-3', draft: person('vector-no-category', undefined), mutation: 'none', expect: rejected('ERR_RECORD_INVALID') },
  { id: 'other-context', description: 'A record that names another JSON-LD context.', section: '3.2', requirement: 'REC-3.2-1', draft: firearm('vector-other-context', { '@context': 'https://schema.org/' }), mutation: 'none', expect: rejected('ERR_RECORD_JSONLD_INVALID') },
  { id: 'bad-enum', description: 'handlingCode H9 is not a value the schema allows.', section: '3.1', requirement: 'REC-3.1-2', draft: firearm('vector-bad-enum', { handlingCode: 'H9' }), mutation: 'none', expect: rejected('ERR_RECORD_INVALID') }
]

const frameCases: FrameVector[] = [
  { id: 'share-not-json', protocol: '/nfp/share/2.0.0', section: '6.1', requirement: 'SHARE-6.1-3', description: 'The frame body is not JSON.', raw: 'share me{', expect: { code: 'ERR_FRAME_MALFORMED' } },
  { id: 'share-not-utf8', protocol: '/nfp/share/2.0.0', section: '6.1', requirement: 'SHARE-6.1-3', description: 'The frame body is not UTF-8 (bytes ff fe).', rawBase64: '//4=', expect: { code: 'ERR_FRAME_MALFORMED' } },
  { id: 'share-too-large', protocol: '/nfp/share/2.0.0', section: '6.1', requirement: 'SHARE-6.1-2', description: 'A frame of 1,048,577 bytes, one more than the limit.', oversize: 1048577, expect: { code: 'ERR_FRAME_TOO_LARGE' } },
  { id: 'share-unknown-type', protocol: '/nfp/share/2.0.0', section: '6.1', requirement: 'SHARE-6.1-3', description: 'A frame with type `push`.', frame: { type: 'push', messageId: '$MESSAGE_ID', sender: '$SENDER', receiver: '$RECEIVER', sentAt: '$NOW', seqFrom: '$SEQ', items: [{ kind: 'revocation', revocation: 'x' }] }, expect: { code: 'ERR_FRAME_MALFORMED' } },
  { id: 'share-no-items', protocol: '/nfp/share/2.0.0', section: '6.3', requirement: 'SHARE-6.3-2', description: 'A share request with an empty item list.', frame: { type: 'share', messageId: '$MESSAGE_ID', sender: '$SENDER', receiver: '$RECEIVER', sentAt: '$NOW', seqFrom: '$SEQ', items: [] }, expect: { code: 'ERR_FRAME_MALFORMED' } },
  { id: 'share-unsigned-member', protocol: '/nfp/share/2.0.0', section: '6.3', requirement: 'SHARE-6.3-3', description: 'An unsigned member `note` travels beside the signed record.', frame: { type: 'share', messageId: '$MESSAGE_ID', sender: '$SENDER', receiver: '$RECEIVER', sentAt: '$NOW', seqFrom: '$SEQ', items: [{ kind: 'record', signed: { record: { id: 'x' }, signature: { protected: 'x', signature: 'x' }, note: 'unsigned' }, hops: [{ jurisdiction: '$SENDER', to: '$RECEIVER', at: '$NOW', batch: 'x.y.z', index: 0, proof: [] }] }] }, expect: { code: 'ERR_FRAME_MALFORMED' } },
  { id: 'share-sender-mismatch', protocol: '/nfp/share/2.0.0', section: '6.3', requirement: 'SHARE-6.3-1', description: 'The frame names another sender than the authenticated connection.', frame: { type: 'share', messageId: '$MESSAGE_ID', sender: '$OTHER', receiver: '$RECEIVER', sentAt: '$NOW', seqFrom: '$SEQ', items: [{ kind: 'revocation', revocation: 'x' }] }, expect: { code: 'ERR_PEER_IDENTITY_MISMATCH' } },
  { id: 'share-receiver-mismatch', protocol: '/nfp/share/2.0.0', section: '6.3', requirement: 'SHARE-6.3-1', description: 'The frame is addressed to another receiver.', frame: { type: 'share', messageId: '$MESSAGE_ID', sender: '$SENDER', receiver: '$OTHER', sentAt: '$NOW', seqFrom: '$SEQ', items: [{ kind: 'revocation', revocation: 'x' }] }, expect: { code: 'ERR_PEER_IDENTITY_MISMATCH' } },
  { id: 'audit-head-seq-zero', protocol: '/nfp/audit-head/1.0.0', section: '8.3', requirement: 'AUD-8.3-1', description: 'An audit head request asking for seq 0.', frame: { type: 'audit-head-request', requestId: '$MESSAGE_ID', seqs: [0] }, expect: { code: 'ERR_FRAME_MALFORMED' } },
  { id: 'audit-head-too-many-seqs', protocol: '/nfp/audit-head/1.0.0', section: '8.3', requirement: 'AUD-8.3-1', description: 'An audit head request with 65 seqs, one more than allowed.', frame: { type: 'audit-head-request', requestId: '$MESSAGE_ID', seqs: Array.from({ length: 65 }, (_, i) => i + 1) }, expect: { code: 'ERR_FRAME_MALFORMED' } },
  { id: 'request-sender-mismatch', protocol: '/nfp/request/2.0.0', section: '9.1', requirement: 'REQ-9.1-1', description: 'A signed request message naming another sender than the connection.', signed: true, frame: { type: 'request', messageId: '$MESSAGE_ID', requestId: '$MESSAGE_ID', sender: '$OTHER', receiver: '$RECEIVER', sentAt: '$NOW', content: '$REQUEST_CONTENT' }, expect: { code: 'ERR_PEER_IDENTITY_MISMATCH' } },
  { id: 'request-missing-purpose', protocol: '/nfp/request/2.0.0', section: '9.2', requirement: 'REQ-9.2-1', description: 'A signed request whose content lacks the Art. 4 element `purpose`.', signed: true, frame: { type: 'request', messageId: '$MESSAGE_ID', requestId: '$MESSAGE_ID', sender: '$SENDER', receiver: '$RECEIVER', sentAt: '$NOW', content: '$REQUEST_CONTENT_WITHOUT_PURPOSE' }, expect: { code: 'ERR_REQUEST_INVALID', field: 'purpose' } }
]

function statementCases (main: VectorKey, other: VectorKey): StatementVector[] {
  const recordId = `urn:nfp:${ORIGIN.toLowerCase()}:firearm:vector-valid`
  const revocation = { by: ORIGIN, recordId, reason: 'withdrawn (test vector)', at: AT }
  const receipt = { by: ORIGIN, messageId: '4d6f3c1e-8a0b-4f61-9a43-3f1f2f7c9d10', sender: RECEIVER, seqFrom: 1, seqTo: 1, results: [{ index: 0, id: recordId, status: 'stored' }], at: AT }
  const signedRevocation = compactJws(revocation, 'nfp-revocation+jws', main)
  const [header, , signature] = signedRevocation.split('.') as [string, string, string]
  const changed = Buffer.from(JSON.stringify({ ...revocation, reason: 'changed in transit' })).toString('base64url')
  return [
    { id: 'valid-receipt', description: 'A receipt signed by the jurisdiction it names.', section: '6.2', requirement: 'SHARE-6.2-2', kind: 'receipt', jws: compactJws(receipt, 'nfp-receipt+jws', main), expect: { outcome: 'accepted' } },
    { id: 'valid-revocation', description: 'A revocation signed by the originator.', section: '6.2', requirement: 'SHARE-6.2-2', kind: 'revocation', jws: signedRevocation, expect: { outcome: 'accepted' } },
    { id: 'deletion-typ-as-revocation', description: 'A revocation payload signed with typ nfp-deletion+jws, checked as a revocation.', section: '6.2', requirement: 'SHARE-6.2-1', kind: 'revocation', jws: compactJws(revocation, 'nfp-deletion+jws', main), expect: rejected('ERR_SIG_INVALID') },
    { id: 'hop-as-receipt', description: 'A hop batch statement presented as a receipt.', section: '6.2', requirement: 'SHARE-6.2-1', kind: 'receipt', jws: compactJws({ by: ORIGIN, to: RECEIVER, at: AT, root: 'A'.repeat(43), size: 1 }, 'nfp-hop-batch+jws', main), expect: rejected('ERR_SIG_INVALID') },
    { id: 'in-another-name', description: 'A revocation whose `by` names XR, signed with the key of XC under its kid.', section: '6.2', requirement: 'SHARE-6.2-2', kind: 'revocation', jws: compactJws({ ...revocation, by: RECEIVER }, 'nfp-revocation+jws', main), expect: rejected('ERR_SIG_UNKNOWN_KEY') },
    { id: 'unlisted-key', description: 'A revocation signed by a key the membership does not list.', section: '6.2', requirement: 'SHARE-6.2-2', kind: 'revocation', jws: compactJws(revocation, 'nfp-revocation+jws', other), expect: rejected('ERR_SIG_UNKNOWN_KEY') },
    { id: 'tampered-payload', description: 'The payload of a signed revocation was changed after signing.', section: '6.2', requirement: 'SHARE-6.2-2', kind: 'revocation', jws: `${header}.${changed}.${signature}`, expect: rejected('ERR_SIG_INVALID') }
  ]
}

/**
 * Hop entries of one hop batch of three records signed by XC for XR, whose second record lost
 * `/shipFrom` at XC, with the outcome of the checks of SPEC section 6.6.
 */
async function hopCases (main: VectorKey, other: VectorKey): Promise<HopVector[]> {
  const records = [0, 1, 2].map(i => ({ id: `urn:nfp:${ORIGIN.toLowerCase()}:firearm:vector-hop-${i}`, versionHash: `sha256:${String(i + 1).repeat(64)}` }))
  const leaves = records.map((r, i) => ({ recordId: r.id, versionHash: r.versionHash, ...(i === 1 ? { removed: ['/shipFrom'] } : {}) }))
  const signer = async (key: VectorKey): Promise<{ privateKey: Awaited<ReturnType<typeof importSigningKey>>, kid: string }> => ({ privateKey: await importSigningKey(key.privateJwk), kid: key.kid })
  const hops = await signHopBatch(leaves, await signer(main), { by: ORIGIN, to: RECEIVER, at: AT }) as unknown as Array<Record<string, unknown>>
  const [first, second, third] = hops as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>]
  const payload = JSON.parse(Buffer.from(String(first.batch).split('.')[1] as string, 'base64url').toString('utf8')) as Record<string, unknown>
  const [inAnotherName] = await signHopBatch(leaves, await signer(main), { by: RECEIVER, to: RECEIVER, at: AT }) as unknown as Array<Record<string, unknown>>
  const [unlisted] = await signHopBatch(leaves, await signer(other), { by: ORIGIN, to: RECEIVER, at: AT }) as unknown as Array<Record<string, unknown>>
  const { removed: _removed, ...secondWithoutRemoved } = second
  const base = { section: '6.6', requirement: 'SHARE-6.6-1' }
  const pathInvalid = rejected('ERR_RECORD_PATH_INVALID')
  return [
    { id: 'valid-first', description: 'The hop of leaf 0 of a batch of three.', ...base, record: records[0]!, hop: first, expect: { outcome: 'accepted' } },
    { id: 'valid-removed', description: 'The hop of leaf 1, whose node removed /shipFrom.', ...base, record: records[1]!, hop: second, expect: { outcome: 'accepted' } },
    { id: 'valid-last', description: 'The hop of leaf 2, whose proof has one hash because the tree of three is unbalanced.', ...base, record: records[2]!, hop: third, expect: { outcome: 'accepted' } },
    { id: 'other-version', description: 'The hop of leaf 0 with a record of another version hash.', ...base, record: { ...records[0]!, versionHash: `sha256:${'f'.repeat(64)}` }, hop: first, expect: pathInvalid },
    { id: 'removed-dropped', description: 'The hop of leaf 1 without its removed list.', ...base, record: records[1]!, hop: secondWithoutRemoved, expect: pathInvalid },
    { id: 'removed-added', description: 'The hop of leaf 0 with a removed list its leaf does not have.', ...base, record: records[0]!, hop: { ...first, removed: ['/title'] }, expect: pathInvalid },
    { id: 'other-index', description: 'The hop of leaf 0 presented as leaf 2 with its own proof.', ...base, record: records[0]!, hop: { ...first, index: 2 }, expect: pathInvalid },
    { id: 'other-record', description: 'The hop of leaf 2 presented with the record of leaf 0.', ...base, record: records[0]!, hop: third, expect: pathInvalid },
    { id: 'jurisdiction-mismatch', description: 'The hop names XR, but its statement is by XC.', ...base, record: records[0]!, hop: { ...first, jurisdiction: RECEIVER }, expect: pathInvalid },
    { id: 'in-another-name', description: 'A statement whose `by` names XR, signed with the key of XC under its kid.', ...base, record: records[0]!, hop: inAnotherName!, expect: pathInvalid },
    { id: 'unlisted-key', description: 'A statement signed by a key the membership does not list.', ...base, record: records[0]!, hop: unlisted!, expect: pathInvalid },
    { id: 'batch-root-as-hop', description: 'The hop statement payload signed with typ nfp-batch+jws.', ...base, record: records[0]!, hop: { ...first, batch: compactJws(payload, 'nfp-batch+jws', main) }, expect: pathInvalid },
    { id: 'proof-too-long', description: 'A proof of 13 hashes, one more than a tree of 4,096 leaves needs.', ...base, record: records[0]!, hop: { ...first, proof: Array.from({ length: 13 }, () => 'A'.repeat(43)) }, expect: pathInvalid }
  ]
}

function policyCases (): Array<Omit<PolicyVector, 'expect'>> {
  const self = { jurisdiction: 'SE' }
  const now = '2026-12-04T10:00:00.000Z'
  const out = (id: string, description: string, record: Record<string, unknown>, module = 'se'): Omit<PolicyVector, 'expect'> =>
    ({ id, description, module, section: 'outbound', record: withHash(record), context: { self, recipient: { jurisdiction: 'DE' } }, now })
  const se = (r: Record<string, unknown>): Record<string, unknown> => JSON.parse(JSON.stringify(r).replaceAll('"XC"', '"SE"').replaceAll('urn:nfp:xc:', 'urn:nfp:se:'))
  const de = (r: Record<string, unknown>): Record<string, unknown> => JSON.parse(JSON.stringify(r).replaceAll('"XC"', '"DE"').replaceAll('urn:nfp:xc:', 'urn:nfp:de:'))
  return [
    out('se-outbound-firearm-permit', 'A plain Firearm record leaves Sweden for Germany.', se(firearm('p1', { provenance: { jurisdiction: 'SE', agency: 'Polisen', created: AT, modified: AT, sourceReference: 'case 12/2026' } }))),
    out('se-outbound-h3-deny', 'An H3 record does not leave.', se(firearm('p2', { handlingCode: 'H3', handlingConditions: 'Originator only' }))),
    out('se-outbound-h2-attach', 'An H2 record leaves with conditions attached.', se(firearm('p3', { handlingCode: 'H2' }))),
    out('se-outbound-informant-deny', 'A record of an informant does not leave.', se(person('p4', 'informant'))),
    out('se-outbound-witness-redact', 'A record of a witness leaves with fields removed.', se(person('p5', 'witness', { address: '1 Test Street' }))),
    out('se-outbound-expired-deny', 'A record past its review date does not leave.', se(firearm('p6', { reviewBy: '2026-01-01' }))),
    out('se-outbound-relay-without-consent', 'A record from Germany is not passed on without consent.', de(firearm('p7'))),
    { id: 'se-inbound-firearm-permit', description: 'Sweden accepts a plain Firearm record from Germany.', module: 'se', section: 'inbound', record: withHash(de(firearm('p8'))), context: { self, sender: { jurisdiction: 'DE' } }, now },
    { id: 'se-inbound-h3-approval', description: 'Sweden holds an H3 record from Germany for approval.', module: 'se', section: 'inbound', record: withHash(de(firearm('p9', { handlingCode: 'H3', handlingConditions: 'Originator only' }))), context: { self, sender: { jurisdiction: 'DE' } }, now },
    { id: 'se-inbound-expired-deny', description: 'Sweden refuses a record from Germany past its review date.', module: 'se', section: 'inbound', record: withHash(de(firearm('p10', { reviewBy: '2026-01-01' }))), context: { self, sender: { jurisdiction: 'DE' } }, now },
    { id: 'xt-default-deny', description: 'No permit rule matches: the decision is a deny by default.', module: 'xt', section: 'outbound', record: withHash(firearm('p11', { firearmKind: 'rifle' })), context: { self: { jurisdiction: 'XT' }, recipient: { jurisdiction: 'DE' } }, now },
    { id: 'xt-deny-beats-permit', description: 'A matching deny rule beats a matching permit rule.', module: 'xt', section: 'outbound', record: withHash(firearm('p12', { serialNumber: 'DENYME' })), context: { self: { jurisdiction: 'XT' }, recipient: { jurisdiction: 'DE' } }, now },
    { id: 'xt-approval-beats-permit', description: 'A matching require-approval rule beats a permit.', module: 'xt', section: 'outbound', record: withHash(firearm('p13', { make: 'Walther' })), context: { self: { jurisdiction: 'XT' }, recipient: { jurisdiction: 'FR' } }, now },
    { id: 'xt-error-counts-as-deny', description: 'A rule whose condition fails to evaluate (a missing optional field) counts as a matching deny.', module: 'xt', section: 'outbound', record: withHash(firearm('p14')), context: { self: { jurisdiction: 'XT' }, recipient: { jurisdiction: 'NL' } }, now }
  ]
}

/** Policy engines see records as they are stored, with their version hash. */
function withHash (record: Record<string, unknown>): Record<string, unknown> {
  return { ...record, versionHash: computeVersionHash(record) }
}

/** A small module that exercises the decision rules one at a time. */
const xtModule = {
  jurisdiction: 'XT',
  name: 'Conformance vector rules (not a real jurisdiction)',
  version: '2026-12-04.1',
  outbound: [
    { id: 'XT-PERMIT-PISTOL', title: 'Pistols may be shared.', sources: [{ act: 'Conformance test vector', article: 'Art. 1', checked: false }], appliesTo: ['Firearm'], when: "record.firearmKind == 'pistol'", effect: 'permit' },
    { id: 'XT-DENY-SERIAL', title: 'A serial number under investigation is not shared.', sources: [{ act: 'Conformance test vector', article: 'Art. 2', checked: false }], appliesTo: ['Firearm'], when: "record.serialNumber == 'DENYME'", effect: 'deny' },
    { id: 'XT-APPROVE-FR', title: 'Walther records to FR need a prosecutor.', sources: [{ act: 'Conformance test vector', article: 'Art. 3', checked: false }], appliesTo: ['Firearm'], when: "record.make == 'Walther' && recipient.jurisdiction == 'FR'", effect: 'require-approval', approval: { reason: 'Test reason', approvers: ['prosecutor'] } },
    { id: 'XT-NL-CONSENT', title: 'Records go to NL only with onward-sharing consent listing NL.', sources: [{ act: 'Conformance test vector', article: 'Art. 4', checked: false }], appliesTo: ['Firearm'], when: "recipient.jurisdiction == 'NL' && record.onwardSharingConsent.size() == 0", effect: 'deny' }
  ]
}

async function main (): Promise<void> {
  const main = await fixedKey('originator XC')
  const other = await fixedKey('a key no federation lists')
  for (const folder of ['records', 'frames', 'statements', 'hops', 'policy']) rmSync(join(VECTORS_DIR, folder), { recursive: true, force: true })
  mkdirSync(join(VECTORS_DIR, 'records'), { recursive: true })
  mkdirSync(join(VECTORS_DIR, 'frames'), { recursive: true })
  mkdirSync(join(VECTORS_DIR, 'statements'), { recursive: true })
  mkdirSync(join(VECTORS_DIR, 'hops'), { recursive: true })
  mkdirSync(join(VECTORS_DIR, 'policy', 'modules'), { recursive: true })
  mkdirSync(join(VECTORS_DIR, 'policy', 'cases'), { recursive: true })

  write('keys.json', {
    description: 'Fixed test keys the record vectors are signed with. Published on purpose: never trust them anywhere else.',
    originator: { jurisdiction: ORIGIN, kid: main.kid, publicJwk: main.publicJwk, privateJwk: main.privateJwk },
    unlisted: { kid: other.kid, publicJwk: other.publicJwk, privateJwk: other.privateJwk },
    receiver: RECEIVER,
    membership: {
      federation: 'conformance vectors', version: 1,
      members: [{ jurisdiction: ORIGIN, name: 'Vector originator', peerId: '12D3KooWAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', addresses: [], signingKeys: [{ kid: main.kid, jwk: main.publicJwk }] }]
    }
  })
  for (const c of recordCases) {
    const vector: RecordVector = { ...c, signed: buildSigned(c.draft, c.mutation, main, other) }
    write(`records/${c.id}.json`, vector)
  }
  for (const f of frameCases) write(`frames/${f.id}.json`, f)
  for (const v of statementCases(main, other)) write(`statements/${v.id}.json`, v)
  const hops = await hopCases(main, other)
  for (const v of hops) write(`hops/${v.id}.json`, v)

  const root = new URL('../../policies/', import.meta.url).pathname
  const modules: Record<string, unknown> = {
    eu: JSON.parse(readFileSync(join(root, 'eu/module.json'), 'utf8')),
    se: JSON.parse(readFileSync(join(root, 'se/module.json'), 'utf8')),
    xt: xtModule
  }
  for (const [name, content] of Object.entries(modules)) write(`policy/modules/${name}.json`, content)
  for (const c of policyCases()) write(`policy/cases/${c.id}.json`, { ...c, expect: evaluatePolicyVector(c, modules) })
  console.log(`wrote ${recordCases.length} record, ${frameCases.length} frame, ${statementCases(main, other).length} statement, ${hops.length} hop and ${policyCases().length} policy vectors to ${VECTORS_DIR}`)
}

function write (path: string, value: unknown): void {
  writeFileSync(join(VECTORS_DIR, path), JSON.stringify(value, null, 2) + '\n')
}

await main()
