import t from 'tap'
import { join } from 'node:path'
import { evaluateDirect, hitTokensOf, normaliseIdentifier, oprfInputOf } from '../../../protocol/src/index.ts'
import type { IdentifierInput, IdentifierType, NfpRecord } from '../../../protocol/src/index.ts'
import { HitIndex } from '../../src/hits/hit-index.ts'
import { NodeStore } from '../../src/store/store.ts'
import type { StoredRecord } from '../../src/store/store.ts'
import type { Decision } from '../../src/policy/index.ts'

// The index only reads `effect`, `reasons` and `module.hash` of a decision.
const permit = { effect: 'permit', reasons: [{ ruleId: 'TEST-PERMIT' }], module: { hash: 'sha256:test' } } as unknown as Decision
const deny = { effect: 'deny', reasons: [{ ruleId: 'TEST-DENY' }], module: { hash: 'sha256:test' } } as unknown as Decision

function stored (id: string, fields: Record<string, unknown>): StoredRecord {
  const record = { id, type: 'Firearm', provenance: { jurisdiction: 'SE' }, ...fields } as unknown as NfpRecord
  return { signed: { record, signature: { protected: '', signature: '' } }, origin: 'local', hops: [], storedAt: '2026-12-04T10:00:00Z' } as StoredRecord
}

async function tokenOf (store: NodeStore, input: IdentifierInput): Promise<{ token: string, tag: string }> {
  const identifier = normaliseIdentifier(input)
  const key = await store.read<{ secretKey: string }>('hit-index', `k!${identifier.type}`)
  const { tag, token } = hitTokensOf(evaluateDirect(Uint8Array.from(Buffer.from(key!.secretKey, 'hex')), oprfInputOf(identifier)))
  return { token: Buffer.from(token).toString('hex'), tag: Buffer.from(tag).toString('hex') }
}

const serial = (serialNumber: string): IdentifierInput => ({ type: 'firearm-serial', serialNumber, make: 'Glock' })

t.test('hit index follows writes and deletions', async t => {
  const path = join(t.testdir(), 'db')
  const store = await NodeStore.open(path)
  const index = await HitIndex.open(store, () => permit)
  const type: IdentifierType = 'firearm-serial'

  await store.commit({ record: stored('urn:nfp:se:firearm:1', { serialNumber: 'ABC-123', make: 'Glock' }), audit: [] })
  const first = await tokenOf(store, serial('abc123'))
  t.same(await index.lookup(type, first.token), [{ recordId: 'urn:nfp:se:firearm:1', jurisdiction: 'SE' }])
  t.equal(index.filterState(type).version, 1)
  t.same((await index.filterPage(type, 0)).tags, [first.tag])

  await store.commit({ record: stored('urn:nfp:se:firearm:1', { serialNumber: 'XYZ-999', make: 'Glock' }), audit: [] })
  const second = await tokenOf(store, serial('XYZ999'))
  t.same(await index.lookup(type, first.token), [], 'old serial is gone after an update')
  t.equal((await index.lookup(type, second.token)).length, 1)
  t.equal(index.filterState(type).version, 2)
  t.same(await index.deltaSince(type, 1), { added: [second.tag], removed: [first.tag], version: 2 })
  t.same(await index.deltaSince(type, 0), { added: [second.tag], removed: [], version: 2 }, 'deltas combine')

  await store.commit({ deleteRecordId: 'urn:nfp:se:firearm:1', audit: [] })
  t.same(await index.lookup(type, second.token), [], 'deleted record leaves the index')
  t.equal((await index.filterPage(type, 0)).total, 0)
  t.equal(index.filterState(type).version, 3)
  await store.close()
})

t.test('hit index survives a restart', async t => {
  const path = join(t.testdir(), 'db')
  let store = await NodeStore.open(path)
  await HitIndex.open(store, () => permit)
  await store.commit({ record: stored('urn:nfp:se:firearm:1', { serialNumber: 'ABC123', make: 'Glock' }), audit: [] })
  await store.commit({ record: stored('urn:nfp:se:firearm:2', { serialNumber: 'abc 123', make: 'GLOCK' }), audit: [] })
  const { token } = await tokenOf(store, serial('ABC123'))
  await store.close()

  store = await NodeStore.open(path)
  const index = await HitIndex.open(store, () => permit)
  t.same((await index.lookup('firearm-serial', token)).map(match => match.recordId).sort(), ['urn:nfp:se:firearm:1', 'urn:nfp:se:firearm:2'])
  t.equal((await index.filterPage('firearm-serial', 0)).total, 1, 'two records with one serial share one tag')
  t.equal(await index.size('firearm-serial'), 2)
  await store.close()
})

t.test('hit index policy keeps records out', async t => {
  const store = await NodeStore.open(join(t.testdir(), 'db'))
  const index = await HitIndex.open(store, () => deny)
  const { audit } = await store.commit({ record: stored('urn:nfp:se:firearm:1', { serialNumber: 'ABC123', make: 'Glock' }), audit: [] })
  const { token } = await tokenOf(store, serial('ABC123'))
  t.same(await index.lookup('firearm-serial', token), [])
  t.equal((await index.filterPage('firearm-serial', 0)).total, 0)
  t.equal(audit[0]?.event, 'hit.index', 'the index decision is audited')
  t.equal(audit[0]?.decision, 'deny')
  t.same(audit[0]?.rules, ['TEST-DENY'])
  await store.close()
})

t.test('hit index skips invalid identifiers', async t => {
  const store = await NodeStore.open(join(t.testdir(), 'db'))
  const index = await HitIndex.open(store, () => permit)
  const wallet = stored('urn:nfp:se:cryptowallet:1', { type: 'CryptoWallet', chain: 'bitcoin', address: '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb' })
  await store.commit({ record: wallet, audit: [] })
  t.equal((await index.filterPage('wallet-address', 0)).total, 0, 'an address with a bad checksum is not indexed')
  t.equal((await store.listRecords({ limit: 10 })).length, 1, 'the record itself is stored')
  await store.close()
})

t.test('hit index commit of several records makes one version', async t => {
  const store = await NodeStore.open(join(t.testdir(), 'db'))
  const index = await HitIndex.open(store, () => permit)
  const type: IdentifierType = 'firearm-serial'
  const records = [
    stored('urn:nfp:se:firearm:1', { serialNumber: 'ABC123', make: 'Glock' }),
    stored('urn:nfp:se:firearm:2', { serialNumber: 'ABC 123', make: 'GLOCK' }),
    stored('urn:nfp:se:firearm:3', { serialNumber: 'XYZ999', make: 'Glock' })
  ]
  await store.commit({ records: records.map(record => ({ record, audit: [] })), audit: [] })
  const shared = await tokenOf(store, serial('ABC123'))
  const other = await tokenOf(store, serial('XYZ999'))

  t.equal(index.filterState(type).version, 1, 'one commit, one version')
  const delta = await index.deltaSince(type, 0)
  t.same(delta?.added.sort(), [shared.tag, other.tag].sort(), 'the delta holds the tags of every record in the commit')
  t.same(delta?.removed, [])
  t.equal((await index.lookup(type, shared.token)).length, 2, 'two records with one serial share a token')
  t.equal((await index.filterPage(type, 0)).total, 2)
  t.equal(await index.size(type), 3)

  // Deleting one of the two records that share a serial keeps its tag in the filter.
  await store.commit({ deleteRecordId: 'urn:nfp:se:firearm:1', audit: [] })
  t.equal(index.filterState(type).version, 1, 'a change that keeps the set of tags makes no version')
  t.same((await index.lookup(type, shared.token)).map(match => match.recordId), ['urn:nfp:se:firearm:2'])
  t.equal(await index.size(type), 2)
  await store.close()
})

t.test('hit index reads tokens from a database without token entries', async t => {
  const path = join(t.testdir(), 'db')
  let store = await NodeStore.open(path)
  await HitIndex.open(store, () => permit)
  await store.commit({ record: stored('urn:nfp:se:firearm:1', { serialNumber: 'ABC123', make: 'Glock' }), audit: [] })
  const { token, tag } = await tokenOf(store, serial('ABC123'))
  // Take the database back to the layout before token entries: record entries only.
  const tokenKeys = (await store.range('hit-index', { gte: 't!', lt: 't"' })).map(([key]) => key)
  t.equal(tokenKeys.length, 1)
  await store.commit({ writes: [...tokenKeys, 'layout'].map(key => ({ collection: 'hit-index' as const, key })), audit: [] })
  await store.close()

  store = await NodeStore.open(path)
  const index = await HitIndex.open(store, () => permit)
  t.same(await index.lookup('firearm-serial', token), [{ recordId: 'urn:nfp:se:firearm:1', jurisdiction: 'SE' }])
  t.same((await index.filterPage('firearm-serial', 0)).tags, [tag])
  t.same(await store.read('hit-index', 'layout'), { layout: 2 })
  await store.close()
})

t.test('hit index rebuild closes the index until done', async t => {
  const path = join(t.testdir(), 'db')
  const store = await NodeStore.open(path)
  let effect: 'permit' | 'deny' = 'permit'
  const index = await HitIndex.open(store, () => effect === 'permit' ? permit : deny)
  for (let i = 0; i < 600; i++) await store.commit({ record: stored(`urn:nfp:se:firearm:${i}`, { serialNumber: `S${i}`, make: 'Glock' }), audit: [] })
  await index.loaded()
  t.equal(index.building, false)

  effect = 'deny'
  const rebuild = index.rebuildIfPolicyChanged('sha256:deny-all')
  t.equal(index.building, true, 'building from the call on')
  t.equal(await rebuild, 600)
  t.equal(index.building, false)
  t.equal(await index.size('firearm-serial'), 0, 'the new policy keeps every record out')
  t.equal((await index.filterPage('firearm-serial', 0)).total, 0)
  t.equal(await index.rebuildIfPolicyChanged('sha256:deny-all'), 0, 'nothing to do under the same policy')
  await store.close()
})

t.test('hit index rebuild resumes after a stop', async t => {
  const path = join(t.testdir(), 'db')
  let store = await NodeStore.open(path)
  let index = await HitIndex.open(store, () => permit)
  for (let i = 0; i < 600; i++) await store.commit({ record: stored(`urn:nfp:se:firearm:${String(i).padStart(3, '0')}`, { serialNumber: `S${i}`, make: 'Glock' }), audit: [] })
  // The checkpoint a stop leaves after the first page of 250 records.
  await store.commit({ writes: [{ collection: 'hit-index', key: 'rebuild', value: { policyHash: 'sha256:next', after: 'urn:nfp:se:firearm:249' } }], audit: [] })
  await index.close()
  await store.close()

  store = await NodeStore.open(path)
  index = await HitIndex.open(store, () => permit)
  t.equal(await index.rebuildIfPolicyChanged('sha256:next'), 350, 'only the records after the checkpoint')
  t.same(await store.read('hit-index', 'meta'), { policyHash: 'sha256:next' })
  t.equal(await store.read('hit-index', 'rebuild'), undefined, 'the checkpoint is gone')
  t.equal(await index.size('firearm-serial'), 600)
  await store.close()
})
