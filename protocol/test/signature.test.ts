import t from 'tap'
import { generateSigningKey, importSigningKey } from '../src/keys.ts'
import { withVersionHash } from '../src/record.ts'
import { signRecord, verifySignedRecord } from '../src/signature.ts'
import { firearmRecord } from './fixtures.ts'

const pair = await generateSigningKey()
const other = await generateSigningKey()
const privateKey = await importSigningKey(pair.privateJwk)
const publicKey = await importSigningKey(pair.publicJwk)
const resolve = (jurisdiction: string, kid: string): typeof publicKey | undefined => jurisdiction === 'SE' && kid === pair.kid ? publicKey : undefined

const wire = (value: unknown): any => JSON.parse(JSON.stringify(value))

t.test('verifies a signed record', async t => {
  const signed = await signRecord(firearmRecord(), { privateKey, kid: pair.kid })
  const record = await verifySignedRecord(wire(signed), resolve)
  t.equal(record.id, 'urn:nfp:se:firearm:test-1')
})

t.test('verification ignores key order', async t => {
  const signed = wire(await signRecord(firearmRecord(), { privateKey, kid: pair.kid }))
  const reordered = Object.fromEntries(Object.entries(signed.record).reverse())
  t.equal((await verifySignedRecord({ ...signed, record: reordered }, resolve)).id, 'urn:nfp:se:firearm:test-1')
})

t.test('rejects a changed field', async t => {
  const signed = wire(await signRecord(firearmRecord(), { privateKey, kid: pair.kid }))
  signed.record.model = '19'
  await t.rejects(verifySignedRecord(signed, resolve), { code: 'ERR_SIG_INVALID', message: 'record signature verification failed' })
})

t.test('rejects an unsigned record', async t => {
  await t.rejects(verifySignedRecord({ record: firearmRecord() }, resolve), { code: 'ERR_SIG_MISSING' })
  await t.rejects(verifySignedRecord({ record: firearmRecord(), signature: { protected: '', signature: '' } }, resolve), { code: 'ERR_SIG_MISSING' })
})

t.test('rejects a signature by an unregistered key', async t => {
  const signed = await signRecord(firearmRecord(), { privateKey: await importSigningKey(other.privateJwk), kid: other.kid })
  await t.rejects(verifySignedRecord(wire(signed), resolve), { code: 'ERR_SIG_UNKNOWN_KEY' })
})

t.test('rejects another key under the registered key id', async t => {
  const signed = await signRecord(firearmRecord(), { privateKey: await importSigningKey(other.privateJwk), kid: pair.kid })
  await t.rejects(verifySignedRecord(wire(signed), resolve), { code: 'ERR_SIG_INVALID' })
})

t.test('rejects a record claiming another jurisdiction', async t => {
  const record = firearmRecord({ id: 'urn:nfp:de:firearm:test-1', provenance: { jurisdiction: 'DE', agency: 'BKA', created: '2026-01-05T10:00:00.000Z', modified: '2026-01-05T10:00:00.000Z' } })
  const signed = await signRecord(record, { privateKey, kid: pair.kid })
  await t.rejects(verifySignedRecord(wire(signed), resolve), { code: 'ERR_SIG_UNKNOWN_KEY' })
})

t.test('rejects a wrong version hash', async t => {
  const record = { ...firearmRecord(), versionHash: 'sha256:' + 'a'.repeat(64) }
  const signed = await signRecord(record, { privateKey, kid: pair.kid })
  await t.rejects(verifySignedRecord(wire(signed), resolve), { code: 'ERR_RECORD_VERSION_MISMATCH', field: 'versionHash' })
})

t.test('rejects a signed record with an unknown field', async t => {
  const record = withVersionHash({ ...firearmRecord(), colour: 'black' }) as any
  const signed = await signRecord(record, { privateKey, kid: pair.kid })
  await t.rejects(verifySignedRecord(wire(signed), resolve), { code: 'ERR_RECORD_INVALID', field: 'colour' })
})

t.test('rejects a header with another algorithm', async t => {
  const signed = wire(await signRecord(firearmRecord(), { privateKey, kid: pair.kid }))
  signed.signature.protected = Buffer.from(JSON.stringify({ alg: 'HS256', kid: pair.kid, typ: 'nfp-record+jws' })).toString('base64url')
  await t.rejects(verifySignedRecord(signed, resolve), { code: 'ERR_SIG_INVALID', message: /algorithm must be `EdDSA`/ })
})
