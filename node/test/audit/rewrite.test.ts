import t from 'tap'
import { join } from 'node:path'
import { HeadsStore } from '../../src/audit/heads-store.ts'
import { openAuditLevels } from '../../src/audit/levels.ts'
import { membershipKeyResolver } from '../../src/audit/signed-head.ts'
import { verifyAuditLog } from '../../src/audit/verify.ts'
import { firearmDraft, startCluster } from '../helpers/cluster.ts'
import type { Cluster } from '../helpers/cluster.ts'
import { deleteOwnHeads, rewriteAuditHistory, truncateAuditLog } from './helpers.ts'

// Someone with access to SE's files rewrites its past so that the chain verifies again. SE's own
// heads or, once those are deleted too, the heads DE stored must reveal it.
const cluster = await startCluster(['DE', 'SE'])
t.teardown(async () => { await cluster.close() })

const de = (): any => cluster.node('DE')
const se = (): any => cluster.node('SE')
const seDb = (c: Cluster): string => join(c.configs.get('SE')!.dataDir, 'db')
const resolveKey = (c: Cluster): ReturnType<typeof membershipKeyResolver> => membershipKeyResolver(() => ({ federation: 'test', version: 1, members: Array.from(c.members.values()) }))

async function verifyStopped (c: Cluster): Promise<Awaited<ReturnType<typeof verifyAuditLog>>> {
  const { levels, close } = await openAuditLevels(seDb(c))
  try {
    return await verifyAuditLog(levels, { jurisdiction: 'SE', resolveKey: resolveKey(c) })
  } finally {
    await close()
  }
}

async function ownHeadSeqs (c: Cluster): Promise<number[]> {
  const { levels, close } = await openAuditLevels(seDb(c))
  try {
    const seqs: number[] = []
    for await (const head of new HeadsStore(levels.heads).ownHeads(100)) seqs.push((head as { seq: number }).seq)
    return seqs
  } finally {
    await close()
  }
}

/** Ingests records at SE and lets DE store a head of SE after each one. */
async function grow (c: Cluster, ids: string[]): Promise<number[]> {
  const seqs: number[] = []
  for (const id of ids) {
    await c.node('SE').service.ingest(firearmDraft('SE', id))
    const [outcome] = await c.node('DE').auditHeads.exchangeNow(['SE'])
    if (outcome?.status !== 'consistent') throw new Error(`exchange after ${id} was ${outcome?.status ?? 'missing'}`)
    seqs.push(outcome.head!.seq)
  }
  return seqs
}

t.test('recomputed history fails own heads', async t => {
  const seqs = await grow(cluster, ['r-1', 'r-2', 'r-3', 'r-4'])
  const target = seqs[1]!
  await cluster.stop('SE')
  const signedFromTarget = (await ownHeadSeqs(cluster)).filter(s => s >= target).length
  await rewriteAuditHistory(seDb(cluster), target, entry => { entry.recordId = 'urn:nfp:se:firearm:other' })

  const report = await verifyStopped(cluster)
  t.equal(report.chain.intact, true, 'the recomputed chain verifies on its own')
  t.equal(report.intact, false)
  t.equal(report.brokenAt, target)
  t.equal(report.ownHeads.problems[0]?.seq, target)
  t.equal(report.ownHeads.problems[0]?.problem, 'hash-differs')
  t.equal(report.ownHeads.problemCount, signedFromTarget, 'every head signed from the rewritten entry on')
})

t.test('peer catches self-consistent rewrite', async t => {
  // With its own heads gone, SE remembers nothing it signed, checks as intact and signs new heads.
  t.ok(await deleteOwnHeads(seDb(cluster)) > 0)
  t.equal((await verifyStopped(cluster)).intact, true)

  await cluster.start('SE')
  t.equal((await se().auditHeads.status()).checks.brokenAt, undefined)

  const [outcome] = await de().auditHeads.exchangeNow(['SE'])
  t.equal(outcome.status, 'mismatch')
  t.ok(outcome.mismatches.length > 0)
  t.ok(outcome.mismatches.every((m: any) => m.kind === 'hash-changed'), 'each seen seq from the rewritten entry on has another hash now')
  const audit = await de().service.store.listAudit(0, 10000)
  const entries = audit.filter((e: any) => e.event === 'audit.peer-mismatch' && e.peer === 'SE')
  t.equal(entries.length, outcome.mismatches.length, 'one audit entry per mismatch')
  t.match(entries[0].detail, /^seq \d+: hash-changed: SE entry \d+ now has hash sha256:[0-9a-f]{64}, but had sha256:[0-9a-f]{64} when signed before$/)
})

t.test('truncated log is caught', async t => {
  // A second pair of nodes, so that DE's heads of SE are not already marked by the rewrite above.
  const fresh = await startCluster(['DE', 'SE'])
  t.teardown(async () => { await fresh.close() })
  const seqs = await grow(fresh, ['r-5', 'r-6', 'r-7'])
  await fresh.stop('SE')
  await truncateAuditLog(seDb(fresh), seqs[1]!)

  const report = await verifyStopped(fresh)
  t.equal(report.chain.intact, true)
  t.equal(report.intact, false)
  t.equal(report.ownHeads.problems[0]?.problem, 'missing-entry')
  t.equal(report.ownHeads.problems[0]?.seq, seqs[1])
  t.equal(report.brokenAt, seqs[1])

  await fresh.start('SE')
  // An ingest writes two entries (the record and its hit index decision), so one more after
  // the restart makes every seq DE saw exist again.
  await fresh.node('SE').service.ingest(firearmDraft('SE', 'r-8'))
  const [outcome] = await fresh.node('DE').auditHeads.exchangeNow(['SE'])
  t.equal(outcome?.status, 'mismatch')
  const found = outcome!.mismatches.map(m => `${m.kind}@${m.seq}`)
  t.ok(found.includes(`chain-broken@${seqs[1]}`), 'SE reports its own failed check')
  // SE wrote new entries after the restart, so the seqs DE saw exist again, with other hashes.
  t.ok(found.includes(`hash-changed@${seqs[2]}`), 'DE finds the latest entry it saw changed')
})
