import t from 'tap'
import { join } from 'node:path'
import { pino } from 'pino'
import { errors } from '../../../protocol/src/index.ts'
import type { NfpRecord } from '../../../protocol/src/index.ts'
import { HitIndex } from '../../src/hits/hit-index.ts'
import { HitRateLimit } from '../../src/hits/rate-limit.ts'
import { HitResponder } from '../../src/hits/responder.ts'
import { NodeStore } from '../../src/store/store.ts'
import type { StoredRecord } from '../../src/store/store.ts'
import type { Decision, PolicyModule } from '../../src/policy/index.ts'
import type { decideHitQuery } from '../../src/policy/hit-queries.ts'

// The index reads only `effect`, `reasons` and `module.hash` of a decision, and the responder
// reads only `effect` of a hit query decision, so the policy module itself is never read.
const permit = { effect: 'permit', reasons: [{ ruleId: 'TEST-PERMIT' }], module: { hash: 'sha256:test' } } as unknown as Decision
const permitQuery = (() => ({ effect: 'permit' })) as unknown as typeof decideHitQuery

function stored (i: number): StoredRecord {
  const record = { id: `urn:nfp:se:firearm:${i}`, type: 'Firearm', provenance: { jurisdiction: 'SE' }, serialNumber: `S${i}`, make: 'Glock' } as unknown as NfpRecord
  return { signed: { record, signature: { protected: '', signature: '' } }, origin: 'local', hops: [], storedAt: '2026-12-04T10:00:00Z' } as StoredRecord
}

t.test('responder rejects queries while the index builds', async t => {
  const store = await NodeStore.open(join(t.testdir(), 'db'))
  const index = await HitIndex.open(store, () => permit)
  for (let i = 0; i < 300; i++) await store.commit({ record: stored(i), audit: [] })
  const responder = new HitResponder({
    jurisdiction: 'SE',
    store,
    index,
    rateLimit: new HitRateLimit(1000),
    policy: () => ({}) as PolicyModule,
    decide: permitQuery,
    memberOf: (peerId) => peerId === 'peer-de' ? 'DE' : undefined,
    log: pino({ level: 'silent' })
  })
  const filter = { type: 'hit-filter' as const, sender: 'DE', receiver: 'SE', identifierType: 'firearm-serial' as const }

  const rebuild = index.rebuildIfPolicyChanged('sha256:other')
  await t.rejects(responder.respond(filter, 'peer-de'), { code: errors.HitIndexBuildingError.code }, 'a filter request during the rebuild')
  await rebuild
  const reply = await responder.respond(filter, 'peer-de')
  t.equal(reply.type, 'hit-filter-result', 'answered once the rebuild is done')
  t.equal((reply as { total: number }).total, 300)
  await store.close()
})
