import t from 'tap'
import type { Test } from 'tap'
import { join } from 'node:path'
import { ChainScanner } from '../../src/audit/chain.ts'
import { openAuditLevels } from '../../src/audit/levels.ts'
import { NodeStore } from '../../src/store/store.ts'
import { editAuditEntry, flipEventByte, rewriteAuditHistory, truncateAuditLog, withDatabase, entryKey } from './helpers.ts'

/** Writes `count` audit entries through NodeStore into a fresh database and returns its path. */
async function logWith (t: Test, count: number): Promise<string> {
  const path = join(t.testdir(), 'db')
  const store = await NodeStore.open(path)
  for (let i = 1; i <= count; i++) {
    await store.commit({ audit: [{ event: 'record.created', recordId: `urn:nfp:se:firearm:c-${i}`, detail: `entry ${i}` }] })
  }
  await store.close()
  return path
}

async function scan (path: string): Promise<ReturnType<ChainScanner['state']>> {
  const { levels, close } = await openAuditLevels(path)
  try {
    return await new ChainScanner(levels.auditText).advance()
  } finally {
    await close()
  }
}

async function storeVerdict (path: string): Promise<number | undefined> {
  const store = await NodeStore.open(path)
  try {
    return await store.verifyAuditChain()
  } finally {
    await store.close()
  }
}

t.test('intact chain matches store check', async t => {
  const path = await logWith(t, 1200)
  const state = await scan(path)
  t.equal(state.entries, 1200)
  t.equal(state.head.seq, 1200)
  t.match(state.head.hash, /^sha256:[0-9a-f]{64}$/)
  t.equal(state.broken, undefined)
  t.equal(await storeVerdict(path), undefined, 'NodeStore agrees')
})

t.test('empty log has genesis head', async t => {
  const state = await scan(await logWith(t, 0))
  t.same(state, { entries: 0, head: { seq: 0, hash: 'sha256:' + '0'.repeat(64) } })
})

t.test('one changed byte is entry-hash', async t => {
  const path = await logWith(t, 10)
  await flipEventByte(path, 4, 'c', 'k')
  const state = await scan(path)
  t.equal(state.broken?.seq, 4)
  t.equal(state.broken?.problem, 'entry-hash')
  t.match(state.broken?.message, /^audit entry 4 has hash sha256:[0-9a-f]{64}, but its content hashes to sha256:[0-9a-f]{64}$/)
  t.equal(state.entries, 10, 'the entries after the break are still read')
  t.equal(await storeVerdict(path), 4, 'NodeStore agrees on the seq')
})

t.test('changed link is prev-hash', async t => {
  const path = await logWith(t, 10)
  await editAuditEntry(path, 6, text => text.replace(/"prevHash":"sha256:[0-9a-f]/, '"prevHash":"sha256:x'))
  const state = await scan(path)
  t.equal(state.broken?.seq, 6)
  t.equal(state.broken?.problem, 'prev-hash')
})

t.test('removed entry is a seq gap', async t => {
  const path = await logWith(t, 10)
  await withDatabase(path, async db => { await db.sublevel('audit', { valueEncoding: 'utf8' }).del(entryKey(5)) })
  const state = await scan(path)
  t.equal(state.broken?.seq, 6)
  t.equal(state.broken?.problem, 'seq')
  t.match(state.broken?.message, /entries 5 to 5 are missing/)
})

t.test('entry under wrong key is seq', async t => {
  const path = await logWith(t, 5)
  await editAuditEntry(path, 3, text => text.replace('"seq":3', '"seq":33'))
  const state = await scan(path)
  t.equal(state.broken?.seq, 3)
  t.equal(state.broken?.problem, 'seq')
})

t.test('broken JSON is unreadable', async t => {
  const path = await logWith(t, 5)
  await editAuditEntry(path, 2, text => text.slice(0, -1))
  const state = await scan(path)
  t.equal(state.broken?.seq, 2)
  t.equal(state.broken?.problem, 'unreadable')
})

t.test('recomputed chain passes the chain check', async t => {
  // Only signed heads can reveal this rewrite; see the rewrite tests.
  const path = await logWith(t, 8)
  await rewriteAuditHistory(path, 3, entry => { entry.detail = 'rewritten' })
  t.equal((await scan(path)).broken, undefined)
})

t.test('truncated tail passes the chain check', async t => {
  const path = await logWith(t, 8)
  t.equal(await truncateAuditLog(path, 7), 2)
  const state = await scan(path)
  t.equal(state.broken, undefined)
  t.equal(state.head.seq, 6)
})

t.test('advance reads only new entries', async t => {
  const path = join(t.testdir(), 'db')
  const store = await NodeStore.open(path)
  t.teardown(async () => { await store.close() })
  const scanner = new ChainScanner(store.auditHeadsLevels().auditText)
  await store.commit({ audit: [{ event: 'node.started' }, { event: 'record.created' }] })
  t.equal((await scanner.advance()).head.seq, 2)
  await store.commit({ audit: [{ event: 'record.updated' }] })
  const state = await scanner.advance()
  t.equal(state.entries, 3)
  t.equal(state.head.seq, 3)
  t.equal(state.broken, undefined)
})

t.test('missing database is not created', async t => {
  const path = join(t.testdir(), 'nothing-here')
  await t.rejects(openAuditLevels(path), { code: 'ERR_STORE_FAILURE', message: /does not exist/ })
})

t.test('database in use is reported', async t => {
  const path = await logWith(t, 1)
  const store = await NodeStore.open(path)
  t.teardown(async () => { await store.close() })
  await t.rejects(openAuditLevels(path), { code: 'ERR_STORE_FAILURE', message: /in use, probably by the running node/ })
})
