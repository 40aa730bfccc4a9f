import t from 'tap'
import { CompactSign } from 'jose'
import { canonicalBytes } from '../../src/canonical.ts'
import { signRecord } from '../../src/signature.ts'
import { commitRecord } from '../../src/signature-v2/commit-record.ts'
import { buildMerkleTree, leafHash } from '../../src/signature-v2/merkle-tree.ts'
import { redactSignedRecord } from '../../src/signature-v2/redact.ts'
import { signRecordBatch } from '../../src/signature-v2/sign-batch.ts'
import type { SignedRecordV2 } from '../../src/signature-v2/types.ts'
import { createRecordVerifier } from '../../src/signature-v2/verify.ts'
import { firearmRecord } from '../fixtures.ts'
import { listingDraft, testSigner, wire } from './helpers.ts'

const signer = await testSigner()
const key = { privateKey: signer.privateKey, kid: signer.kid }
const signBatch = async (drafts: Array<Record<string, unknown>>): Promise<SignedRecordV2[]> =>
  await signRecordBatch(drafts.map(d => commitRecord(d)), key, 'SE')

t.test('batch of one verifies', async t => {
  const [signed] = await signBatch([listingDraft('one')])
  const verified = await createRecordVerifier(signer.resolve)(wire(signed))
  t.equal(verified.signatureVersion, 2)
  t.equal(verified.record.id, 'urn:nfp:se:weblisting:one')
  t.same(verified.removedPaths, [])
  t.same(signed?.signature.proof, [], 'a batch of one needs no proof')
})

t.test('batch of many verifies each record alone', async t => {
  const batch = await signBatch(Array.from({ length: 25 }, (_, i) => listingDraft(`many-${i}`)))
  t.equal(new Set(batch.map(s => s.signature.batch)).size, 1, 'one signature for the batch')
  for (const [i, signed] of batch.entries()) {
    // A fresh verifier per record, so nothing is cached and each record is verified alone.
    const verified = await createRecordVerifier(signer.resolve)(wire(signed))
    t.equal(verified.record.id, `urn:nfp:se:weblisting:many-${i}`)
  }
})

t.test('verified root is cached for the batch', async t => {
  const batch = await signBatch([listingDraft('cache-0'), listingDraft('cache-1')])
  const other = await testSigner()
  let calls = 0
  // Once the root verified, the second record needs only its proof: the key is resolved for
  // its validity, but a different key object under the same kid is never used to verify.
  const verify = createRecordVerifier((j, kid) => { calls++; return calls === 1 ? signer.resolve(j, kid) : other.publicKey })
  await verify(wire(batch[0]))
  const second = await verify(wire(batch[1]))
  t.equal(second.record.id, 'urn:nfp:se:weblisting:cache-1')
  t.equal(calls, 2)
  await t.rejects(createRecordVerifier(() => other.publicKey)(wire(batch[1])), { code: 'ERR_SIG_INVALID' })
})

t.test('salts differ per field and per record', async t => {
  const [a, b] = await signBatch([listingDraft('salt-a'), listingDraft('salt-b')]) as [SignedRecordV2, SignedRecordV2]
  const all = [...Object.values(a.signature.salts), ...Object.values(b.signature.salts)]
  t.equal(new Set(all).size, all.length, 'no salt repeats')
  t.ok(all.every(s => Buffer.from(s, 'base64url').length === 16), 'every salt has 128 bits')
  t.not(a.signature.digests['/title'], b.signature.digests['/title'], 'equal values get different digests')
})

t.test('redacted copy verifies and names removed paths', async t => {
  const [signed] = await signBatch([listingDraft('redact-1')]) as [SignedRecordV2]
  const first = redactSignedRecord(signed, ['/provenance/sourceReference', '/shipFrom'])
  const second = redactSignedRecord(wire(first.signed), [{ field: 'offers', element: 'urn:nfp:se:firearm:f-2' }])
  t.same(first.removed, ['/provenance/sourceReference', '/shipFrom'])
  t.same(second.removed, ['/offers/1'])

  const verified = await createRecordVerifier(signer.resolve)(wire(second.signed))
  t.same(verified.removedPaths, ['/offers/1', '/provenance/sourceReference', '/shipFrom'])
  t.same(verified.record.offers, ['urn:nfp:se:firearm:f-1', 'urn:nfp:se:firearm:f-3'])
  t.equal(verified.record.shipFrom, undefined)
  t.equal(verified.record.provenance.sourceReference, undefined)
  t.equal(verified.record.versionHash, signed.record.versionHash, 'the version hash survives redaction')
  t.notOk(JSON.stringify(second.signed).includes('K-4711'), 'no trace of the removed value')
  t.equal(signed.record.shipFrom, 'SE', 'the input is not changed')
})

t.test('removing every link removes the field', async t => {
  const [signed] = await signBatch([listingDraft('links-all')]) as [SignedRecordV2]
  const { signed: copy, removed } = redactSignedRecord(signed, ['/offers', '/seller'])
  t.same(removed, ['/offers/0', '/offers/1', '/offers/2', '/seller'])
  t.equal(copy.record.offers, undefined)
  const verified = await createRecordVerifier(signer.resolve)(wire(copy))
  t.same(verified.removedPaths, removed)
})

t.test('redaction of fixed or partial fields is refused', async t => {
  const [signed] = await signBatch([listingDraft('fixed-1')]) as [SignedRecordV2]
  for (const path of ['/id', '/type', '/provenance/jurisdiction', '/provenance/modified', '/handlingCode', '/reviewBy', '/title']) {
    t.throws(() => redactSignedRecord(signed, [path]), { code: 'ERR_SIG_REDACTION_FORBIDDEN', field: path }, path)
  }
  const person = (await signBatch([{
    ...listingDraft('p-1'), id: 'urn:nfp:se:person:p-1', type: 'Person', subjectCategory: 'witness', familyName: 'Berg',
    identityDocuments: [{ documentKind: 'passport', documentNumber: 'X1', issuingCountry: 'SE' }],
    platform: undefined, title: undefined, shipFrom: undefined, seller: undefined, offers: undefined
  }]))[0] as SignedRecordV2
  t.throws(() => redactSignedRecord(person, ['/identityDocuments/documentNumber']), { code: 'ERR_SIG_REDACTION_FORBIDDEN' })
  t.same(redactSignedRecord(person, ['/identityDocuments']).removed, ['/identityDocuments'])
})

t.test('tampered copies fail with their code', async t => {
  // Four records, so each proof has two different siblings to reorder.
  const [signed, neighbour] = await signBatch([listingDraft('tamper-1'), listingDraft('tamper-2', { title: 'Walther P99' }), listingDraft('tamper-3'), listingDraft('tamper-4')]) as [SignedRecordV2, SignedRecordV2]
  const verify = createRecordVerifier(signer.resolve)
  const fails = async (name: string, change: (copy: any) => void, code: string): Promise<void> => {
    const copy = wire(signed)
    change(copy)
    await t.rejects(verify(copy), { code }, name)
  }

  await fails('added field', c => { c.record.description = 'added later' }, 'ERR_SIG_DISCLOSURE_INVALID')
  await fails('added field with own salt and digest', c => {
    c.record.description = 'added later'
    c.signature.salts['/description'] = c.signature.salts['/title']
    c.signature.digests['/description'] = c.signature.digests['/title']
  }, 'ERR_SIG_DISCLOSURE_INVALID')
  await fails('altered value', c => { c.record.title = 'Glock 19' }, 'ERR_SIG_DISCLOSURE_INVALID')
  await fails('altered nested value', c => { c.record.provenance.agency = 'Someone else' }, 'ERR_SIG_DISCLOSURE_INVALID')
  await fails('reordered links', c => { c.record.offers.reverse() }, 'ERR_SIG_DISCLOSURE_INVALID')
  await fails('disclosure swapped between records', c => {
    c.record.title = neighbour.record.title
    c.signature.salts['/title'] = neighbour.signature.salts['/title']
  }, 'ERR_SIG_DISCLOSURE_INVALID')
  await fails('value removed but salt kept', c => { delete c.record.shipFrom }, 'ERR_SIG_DISCLOSURE_INVALID')
  await fails('identity field removed', c => { delete c.record.id; delete c.signature.salts['/id'] }, 'ERR_SIG_REDACTION_FORBIDDEN')
  await fails('jurisdiction removed', c => { delete c.record.provenance.modified; delete c.signature.salts['/provenance/modified'] }, 'ERR_SIG_REDACTION_FORBIDDEN')
  await fails('digest of a removed field replaced', c => {
    delete c.record.shipFrom
    delete c.signature.salts['/shipFrom']
    c.signature.digests['/shipFrom'] = c.signature.digests['/title']
  }, 'ERR_RECORD_VERSION_MISMATCH')
  await fails('version hash replaced', c => { c.record.versionHash = neighbour.record.versionHash }, 'ERR_RECORD_VERSION_MISMATCH')
  await fails('proof path reordered', c => { c.signature.proof.reverse() }, 'ERR_SIG_PROOF_INVALID')
  await fails('proof of the neighbour', c => { c.signature.index = 1 }, 'ERR_SIG_PROOF_INVALID')
  await fails('short salt', c => { c.signature.salts['/title'] = 'AAAA' }, 'ERR_SIG_DISCLOSURE_INVALID')
  await fails('unknown version', c => { c.signature.version = 3 }, 'ERR_SIG_VERSION_UNSUPPORTED')
  await fails('missing signature', c => { delete c.signature }, 'ERR_SIG_MISSING')
})

t.test('forged root under the original signature fails', async t => {
  const [signed] = await signBatch([listingDraft('root-1')]) as [SignedRecordV2]
  const forged = commitRecord(listingDraft('root-1', { title: 'Forged' }))
  const root = buildMerkleTree([leafHash(forged.commitment)]).root.toString('base64url')
  const [header, payload, signature] = signed.signature.batch.split('.') as [string, string, string]
  const statement = { ...JSON.parse(Buffer.from(payload, 'base64url').toString()), root }
  const batch = `${header}.${Buffer.from(canonicalBytes(statement)).toString('base64url')}.${signature}`
  const copy = { record: forged.record, signature: { ...signed.signature, batch, digests: forged.digests, salts: forged.salts } }
  await t.rejects(createRecordVerifier(signer.resolve)(wire(copy)), { code: 'ERR_SIG_INVALID' })
})

t.test('root signed for another jurisdiction fails', async t => {
  const committed = commitRecord(listingDraft('by-1'))
  const root = buildMerkleTree([leafHash(committed.commitment)]).root.toString('base64url')
  const batch = await new CompactSign(canonicalBytes({ by: 'DE', root, size: 1, at: '2026-01-05T10:00:00.000Z' }))
    .setProtectedHeader({ alg: 'EdDSA', kid: signer.kid, typ: 'nfp-batch+jws' }).sign(signer.privateKey)
  const copy = { record: committed.record, signature: { version: 2, batch, index: 0, proof: [], digests: committed.digests, salts: committed.salts } }
  await t.rejects(createRecordVerifier(signer.resolve)(wire(copy)), { code: 'ERR_SIG_INVALID', message: /signed for DE/ })
})

t.test('unknown key and foreign batch fail', async t => {
  const other = await testSigner()
  const [signed] = await signRecordBatch([commitRecord(listingDraft('key-1'))], { privateKey: other.privateKey, kid: other.kid }, 'SE')
  await t.rejects(createRecordVerifier(signer.resolve)(wire(signed)), { code: 'ERR_SIG_UNKNOWN_KEY' })
  await t.rejects(signRecordBatch([commitRecord(listingDraft('key-2'))], key, 'DE'), { code: 'ERR_RECORD_NOT_OWNED' })
})

t.test('version 1 signature is accepted unless disabled', async t => {
  const signed = await signRecord(firearmRecord(), key)
  const verified = await createRecordVerifier(signer.resolve)(wire(signed))
  t.equal(verified.signatureVersion, 1)
  await t.rejects(createRecordVerifier(signer.resolve, { acceptVersion1: false })(wire(signed)), { code: 'ERR_SIG_VERSION_UNSUPPORTED' })
})

t.test('derived commitment is repeatable', async t => {
  const original = commitRecord(listingDraft('derived-1'))
  const copy = listingDraft('derived-1', { reviewBy: '2027-01-01' })
  const a = commitRecord(copy, { derivedFrom: original.salts })
  const b = commitRecord(copy, { derivedFrom: original.salts })
  t.equal(a.record.versionHash, b.record.versionHash)
  t.not(a.record.versionHash, original.record.versionHash)
  t.not(a.salts['/title'], original.salts['/title'], 'derived salts are not the earlier salts')
})

t.test('concurrent records of a batch share one check', async t => {
  const batch = await signBatch(Array.from({ length: 8 }, (_, i) => listingDraft(`concurrent-${i}`)))
  const verify = createRecordVerifier(signer.resolve)
  const results = await Promise.all(batch.map(async signed => await verify(wire(signed))))
  t.same(results.map(r => r.record.id), batch.map(s => s.record.id))

  // A forged batch fails for every record that waits on its check, and is not cached.
  const forged = batch.map(signed => wire(signed))
  for (const copy of forged) copy.signature.batch = copy.signature.batch.replace(/\.[^.]+$/, '.' + Buffer.alloc(64).toString('base64url'))
  const outcomes = await Promise.allSettled(forged.map(async copy => await verify(copy)))
  t.ok(outcomes.every(o => o.status === 'rejected' && (o.reason as { code: string }).code === 'ERR_SIG_INVALID'))
  await t.rejects(verify(forged[0]), { code: 'ERR_SIG_INVALID' }, 'a failed check is not remembered as verified')
})

t.test('commitment equals canonical digest map', async t => {
  const { commitmentHash } = await import('../../src/signature-v2/digest.ts')
  const { canonicalize } = await import('../../src/canonical.ts')
  const { createHash } = await import('node:crypto')
  // Keys that sort differently by code unit than by code point or locale.
  const digests = { '/z': 'a', '/é': 'b', '/\u{1F600}': 'c', '/\uFFFD': 'd', '/A': 'e', '/a/10': 'f', '/a/9': 'g' }
  t.same(commitmentHash(digests), createHash('sha256').update(canonicalize(digests)).digest())
  const odd = { '/x': 1 as unknown as string, '/y': 'z' }
  t.same(commitmentHash(odd), createHash('sha256').update(canonicalize(odd)).digest(), 'a non-string value takes the general path')
  t.throws(() => commitmentHash({ '/x': '\uD800' }), { code: 'ERR_RECORD_NOT_CANONICAL' }, 'a lone surrogate is rejected')
})
