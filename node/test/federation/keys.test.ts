import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { generateSigningKey, importSigningKey, signRecord, withVersionHash } from '../../../protocol/src/index.ts'
import type { AnySignedRecord, NfpRecord, SignedRecord, SigningKeyPair } from '../../../protocol/src/index.ts'
import { revokeKey, rotateKey } from '../../src/federation/authority.ts'
import { firearmDraft } from '../helpers/cluster.ts'
import { startSignedFederation, waitFor } from './helpers.ts'

const federation = await startSignedFederation(['DE', 'SE'])
t.teardown(async () => { await federation.close() })

const de = () => federation.node('DE').service
const se = () => federation.node('SE').service
const verifyAtDe = async (signed: unknown): Promise<NfpRecord> => (await de().verifyRecord(signed)).record

/** Re-signs a copy of a stored record as modified at `modified`, with `key`, as a version 1 signature. */
async function resign (signed: AnySignedRecord, modified: string, key: SigningKeyPair | { kid: string, privateJwk?: undefined, privateKey: unknown }): Promise<SignedRecord> {
  const { versionHash: _v, ...rest } = signed.record
  const record = withVersionHash({ ...rest, provenance: { ...signed.record.provenance, modified } } as unknown as NfpRecord)
  const privateKey = 'privateJwk' in key && key.privateJwk !== undefined ? await importSigningKey(key.privateJwk) : (key as { privateKey: Parameters<typeof signRecord>[1]['privateKey'] }).privateKey
  return await signRecord(record, { privateKey, kid: key.kid })
}

async function publishAt (jurisdiction: string, signed: unknown): Promise<void> {
  await federation.node(jurisdiction).service.acceptMembership(signed, 'api')
}

const newKey = await generateSigningKey()
let oldRecord: AnySignedRecord

t.test('rotated key keeps old records valid', async t => {
  await se().ingest(firearmDraft('SE', 'rotation-old'))
  t.equal((await se().share('urn:nfp:se:firearm:rotation-old', 'DE', { waitMs: 5000 })).delivery.status, 'stored')
  oldRecord = (await de().store.getRecord('urn:nfp:se:firearm:rotation-old'))!.signed
  const oldKey = { kid: se().identity.signing.kid, privateKey: se().identity.signing.privateKey }

  const rotation = new Date(Date.now() + 1000)
  const v2 = await rotateKey(federation.current, 'SE', newKey.publicJwk, rotation)
  federation.current = v2
  await publishAt('DE', await federation.sign(v2))
  t.ok(await waitFor(() => se().membership.version === 2), 'SE received version 2 from DE')

  t.equal((await verifyAtDe(oldRecord)).id, 'urn:nfp:se:firearm:rotation-old', 'record signed before the rotation verifies')
  const lateOld = await resign(oldRecord, new Date(rotation.getTime() + 1).toISOString(), oldKey)
  await t.rejects(verifyAtDe(lateOld), { code: 'ERR_SIG_KEY_NOT_VALID' }, 'old key after the rotation is rejected')
  const earlyNew = await resign(oldRecord, new Date(rotation.getTime() - 1).toISOString(), newKey)
  await t.rejects(verifyAtDe(earlyNew), { code: 'ERR_SIG_KEY_NOT_VALID' }, 'new key before its validFrom is rejected')
  const lateNew = await resign(oldRecord, new Date(rotation.getTime() + 1).toISOString(), newKey)
  t.equal((await verifyAtDe(lateNew)).id, 'urn:nfp:se:firearm:rotation-old', 'new key after the rotation verifies')
})

t.test('restarted node signs with new key', async t => {
  await new Promise(resolve => setTimeout(resolve, 1100))
  await federation.stop('SE')
  const keyPath = join(federation.configs.get('SE')!.dataDir, 'keys', 'record-signing-key.jwk')
  writeFileSync(keyPath, JSON.stringify({ kid: newKey.kid, privateJwk: newKey.privateJwk, publicJwk: newKey.publicJwk }), { mode: 0o600 })
  await federation.start('SE')
  t.equal(se().identity.signing.kid, newKey.kid)
  t.equal(se().membership.version, 2, 'SE starts from the version it accepted')

  await se().ingest(firearmDraft('SE', 'rotation-new'))
  t.equal((await se().share('urn:nfp:se:firearm:rotation-new', 'DE', { waitMs: 5000 })).delivery.status, 'stored')
})

t.test('revoked key rejects later records', async t => {
  await se().ingest(firearmDraft('SE', 'revocation-before'))
  t.equal((await se().share('urn:nfp:se:firearm:revocation-before', 'DE', { waitMs: 5000 })).delivery.status, 'stored')
  await new Promise(resolve => setTimeout(resolve, 20))
  const revokedAt = new Date()
  await new Promise(resolve => setTimeout(resolve, 20))
  // Signed after the compromise but before the authority learned of it.
  await se().ingest(firearmDraft('SE', 'revocation-after'))
  t.equal((await se().share('urn:nfp:se:firearm:revocation-after', 'DE', { waitMs: 5000 })).delivery.status, 'stored')

  const v3 = await revokeKey(federation.current, 'SE', newKey.kid, revokedAt)
  federation.current = v3
  await publishAt('DE', await federation.sign(v3))

  const before = (await de().store.getRecord('urn:nfp:se:firearm:revocation-before'))!.signed
  const after = (await de().store.getRecord('urn:nfp:se:firearm:revocation-after'))!.signed
  t.equal((await verifyAtDe(before)).id, 'urn:nfp:se:firearm:revocation-before', 'record signed before revokedAt verifies')
  await t.rejects(verifyAtDe(after), { code: 'ERR_SIG_KEY_REVOKED' })

  // A new record from SE, still signing with the revoked key, is rejected by DE.
  await se().ingest(firearmDraft('SE', 'revocation-new'))
  await t.rejects(se().share('urn:nfp:se:firearm:revocation-new', 'DE', { waitMs: 5000 }), { code: 'ERR_PEER_REJECTED', message: /ERR_SIG_KEY_REVOKED/ }, 'share reports the revoked key')
  t.notOk(await de().store.getRecord('urn:nfp:se:firearm:revocation-new'), 'DE did not store it')
})

t.test('key listing shows affected records', async t => {
  const node = federation.node('DE')
  const response = await fetch(`${node.url}/keys/${newKey.kid}/records`, { headers: { authorization: `Bearer ${node.service.identity.apiToken}` } })
  t.equal(response.status, 200)
  const body = await response.json() as { kid: string, jurisdiction: string, key: { revokedAt?: string }, records: Array<{ id: string, status: string }> }
  t.equal(body.jurisdiction, 'SE')
  t.type(body.key.revokedAt, 'string')
  const status = Object.fromEntries(body.records.map(r => [r.id, r.status]))
  t.same(status, {
    'urn:nfp:se:firearm:revocation-after': 'revoked',
    'urn:nfp:se:firearm:revocation-before': 'valid',
    'urn:nfp:se:firearm:rotation-new': 'valid'
  })
})
