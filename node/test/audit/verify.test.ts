import t from 'tap'
import type { Test } from 'tap'
import { join } from 'node:path'
import { generateSigningKey, importSigningKey } from '../../../protocol/src/index.ts'
import type { Membership } from '../../../protocol/src/index.ts'
import { HeadsStore } from '../../src/audit/heads-store.ts'
import { membershipKeyResolver, signAuditHead } from '../../src/audit/signed-head.ts'
import { verifyAuditLog } from '../../src/audit/verify.ts'
import { NodeStore } from '../../src/store/store.ts'

const pair = await generateSigningKey()
const stranger = await generateSigningKey()
const key = { privateKey: await importSigningKey(pair.privateJwk), kid: pair.kid }
const membership: Membership = {
  federation: 'test',
  version: 1,
  members: [{ jurisdiction: 'SE', name: 'SE node', peerId: 'peer-SE', addresses: [], signingKeys: [{ kid: pair.kid, jwk: { kty: 'OKP', crv: 'Ed25519', x: pair.publicJwk.x as string } }] }]
}
const resolveKey = membershipKeyResolver(() => membership)

/** Opens a fresh store with `count` audit entries and a signed own head after every entry. */
async function signedLog (t: Test, count: number): Promise<{ store: NodeStore, heads: HeadsStore }> {
  const store = await NodeStore.open(join(t.testdir(), 'db'))
  t.teardown(async () => { await store.close() })
  const heads = new HeadsStore(store.auditHeadsLevels().heads)
  for (let i = 1; i <= count; i++) {
    const [entry] = (await store.commit({ audit: [{ event: 'record.created', detail: `entry ${i}` }] })).audit
    await heads.putOwnHead(await signAuditHead({ jurisdiction: 'SE', seq: entry!.seq, hash: entry!.hash, at: new Date().toISOString() }, key))
  }
  return { store, heads }
}

t.test('intact log and heads verify', async t => {
  const { store } = await signedLog(t, 5)
  const report = await verifyAuditLog(store.auditHeadsLevels(), { jurisdiction: 'SE', resolveKey })
  t.equal(report.intact, true)
  t.equal(report.brokenAt, undefined)
  t.equal(report.chain.entries, 5)
  t.equal(report.ownHeads.checked, 5)
  t.equal(report.ownHeads.latest?.seq, 5)
  t.same(report.ownHeads.problems, [])
})

t.test('head by another key fails', async t => {
  const { store, heads } = await signedLog(t, 3)
  const [entry] = (await store.commit({ audit: [{ event: 'record.updated' }] })).audit
  await heads.putOwnHead(await signAuditHead({ jurisdiction: 'SE', seq: entry!.seq, hash: entry!.hash, at: new Date().toISOString() }, { privateKey: await importSigningKey(stranger.privateJwk), kid: stranger.kid }))
  const report = await verifyAuditLog(store.auditHeadsLevels(), { jurisdiction: 'SE', resolveKey })
  t.equal(report.intact, false)
  t.equal(report.chain.intact, true)
  t.equal(report.ownHeads.problems[0]?.seq, 4)
  t.equal(report.ownHeads.problems[0]?.problem, 'signature')
  t.match(report.ownHeads.problems[0]?.message, /not list for SE/)
})

t.test('head beyond the log fails', async t => {
  const { store, heads } = await signedLog(t, 2)
  await heads.putOwnHead(await signAuditHead({ jurisdiction: 'SE', seq: 9, hash: 'sha256:' + '1'.repeat(64), at: new Date().toISOString() }, key))
  const report = await verifyAuditLog(store.auditHeadsLevels(), { jurisdiction: 'SE', resolveKey })
  t.equal(report.brokenAt, 9)
  t.equal(report.ownHeads.problems[0]?.problem, 'missing-entry')
})

t.test('damaged stored head fails', async t => {
  const { store } = await signedLog(t, 2)
  await store.auditHeadsLevels().heads.put('own!0000000000000002', { seq: 2, note: 'no signature here' })
  const report = await verifyAuditLog(store.auditHeadsLevels(), { jurisdiction: 'SE', resolveKey })
  t.equal(report.brokenAt, 2)
  t.equal(report.ownHeads.checked, 2)
  t.equal(report.ownHeads.problems[0]?.problem, 'signature')
  t.match(report.ownHeads.problems[0]?.message, /stored without its signed form/)
})

t.test('problem list is capped', async t => {
  const { store, heads } = await signedLog(t, 0)
  for (let seq = 1; seq <= 25; seq++) {
    await heads.putOwnHead(await signAuditHead({ jurisdiction: 'SE', seq, hash: 'sha256:' + '2'.repeat(64), at: new Date().toISOString() }, key))
  }
  const report = await verifyAuditLog(store.auditHeadsLevels(), { jurisdiction: 'SE', resolveKey })
  t.equal(report.ownHeads.problemCount, 25)
  t.equal(report.ownHeads.problems.length, 20)
  t.equal(report.brokenAt, 1)
})
