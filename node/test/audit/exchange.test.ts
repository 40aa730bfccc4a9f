import t from 'tap'
import { membershipKeyResolver, verifyAuditHead } from '../../src/audit/signed-head.ts'
import { firearmDraft, startCluster } from '../helpers/cluster.ts'

const cluster = await startCluster(['DE', 'SE'])
t.teardown(async () => { await cluster.close() })

const de = (): any => cluster.node('DE')
const se = (): any => cluster.node('SE')
const call = async (node: any, method: 'GET' | 'POST', url: string, payload?: object): Promise<{ status: number, body: any }> => {
  const response = await node.app.inject({ method, url, headers: { authorization: `Bearer ${node.service.identity.apiToken}` }, ...(payload === undefined ? {} : { payload }) })
  return { status: response.statusCode, body: response.json() }
}
const resolveKey = membershipKeyResolver(() => ({ federation: 'test', version: 1, members: Array.from(cluster.members.values()) }))

t.test('own head is signed and verifies', async t => {
  const head = await se().auditHeads.signHead()
  t.equal(head.jurisdiction, 'SE')
  const verified = await verifyAuditHead(head.jws, 'SE', resolveKey)
  t.equal(verified.seq, head.seq)
  t.equal(verified.hash, head.hash)

  const entries = await se().service.store.listAudit(head.seq - 1, 1)
  t.equal(entries[0]?.hash, head.hash, 'the head names the hash of the entry at its seq')

  const again = await se().auditHeads.signHead()
  t.equal(again.jws, head.jws, 'no new head while the log has not grown')
  await se().service.ingest(firearmDraft('SE', 'heads-1'))
  const grown = await se().auditHeads.signHead()
  t.ok(grown.seq > head.seq, 'a new head once the log grew')
  const header = JSON.parse(Buffer.from(grown.jws.split('.')[0], 'base64url').toString('utf8'))
  t.equal(header.kid, se().service.identity.signing.kid, 'signed with the record-signing key')
})

t.test('exchange stores peer heads', async t => {
  const [first] = await de().auditHeads.exchangeNow(['SE'])
  t.equal(first.peer, 'SE')
  t.equal(first.status, 'consistent')
  t.equal(first.storedNewHead, true)
  t.same(first.mismatches, [])

  await se().service.ingest(firearmDraft('SE', 'heads-2'))
  const [second] = await de().auditHeads.exchangeNow(['SE'])
  t.equal(second.status, 'consistent')
  t.equal(second.storedNewHead, true)
  t.ok(second.head.seq > first.head.seq)

  const [third] = await de().auditHeads.exchangeNow(['SE'])
  t.equal(third.storedNewHead, false, 'an unchanged head is not stored twice')

  const status = await de().auditHeads.status()
  const peer = status.peers.find((p: any) => p.jurisdiction === 'SE')
  t.equal(peer.headsStored, 2)
  t.equal(peer.latest.seq, second.head.seq)
  t.equal(peer.mismatch, false)
  t.equal(peer.connected, true)
  t.equal(peer.lastExchange.status, 'consistent')
  t.equal((await verifyAuditHead(peer.latest.jws, 'SE', resolveKey)).seq, second.head.seq, 'the stored head keeps its signature')
})

t.test('exchange works in both directions', async t => {
  const [outcome] = await se().auditHeads.exchangeNow()
  t.equal(outcome.peer, 'DE')
  t.equal(outcome.status, 'consistent')
  const audit = await se().service.store.listAudit(0, 10000)
  t.notOk(audit.some((e: any) => e.event === 'audit.peer-mismatch'), 'no mismatch is audited')
})

t.test('heads route lists own and peer heads', async t => {
  const { status, body } = await call(de(), 'GET', '/audit/heads')
  t.equal(status, 200)
  t.equal(body.jurisdiction, 'DE')
  t.ok(body.own.count >= 1)
  t.match(body.own.latest.jws, /^[\w-]+\.[\w-]+\.[\w-]+$/)
  t.same(body.peers.map((p: any) => p.jurisdiction), ['SE'])
  t.equal(body.peers[0].headsStored, 2)
  t.equal(body.peers[0].mismatch, false)
  t.same(body.peers[0].mismatches, [])
  t.equal(body.checks.brokenAt, undefined)
})

t.test('exchange route returns outcomes', async t => {
  const all = await call(de(), 'POST', '/audit/heads/exchange')
  t.equal(all.status, 200)
  t.same(all.body.outcomes.map((o: any) => [o.peer, o.status]), [['SE', 'consistent']])
  const named = await call(de(), 'POST', '/audit/heads/exchange', { peers: ['SE'] })
  t.equal(named.status, 200)
  t.equal(named.body.outcomes[0].head.jurisdiction, 'SE')

  const unknown = await call(de(), 'POST', '/audit/heads/exchange', { peers: ['FR'] })
  t.equal(unknown.status, 404)
  t.equal(unknown.body.code, 'ERR_PEER_UNKNOWN')
  const self = await call(de(), 'POST', '/audit/heads/exchange', { peers: ['DE'] })
  t.equal(self.status, 404)
  t.equal(self.body.code, 'ERR_PEER_UNKNOWN')
  const invalid = await call(de(), 'POST', '/audit/heads/exchange', { peers: ['se'] })
  t.equal(invalid.status, 400)
  t.equal(invalid.body.code, 'ERR_HTTP_REQUEST_INVALID')
  const extra = await call(de(), 'POST', '/audit/heads/exchange', { everyone: true })
  t.equal(extra.status, 400)
  t.equal(extra.body.code, 'ERR_HTTP_REQUEST_INVALID')
})

t.test('verify route reports intact log', async t => {
  const { status, body } = await call(se(), 'GET', '/audit/verify')
  t.equal(status, 200)
  t.equal(body.intact, true)
  t.equal(body.chain.intact, true)
  t.ok(body.chain.entries >= 3)
  t.equal(body.ownHeads.intact, true)
  t.ok(body.ownHeads.checked >= 2)
  t.equal(body.brokenAt, undefined)
})

t.test('audit routes need the token', async t => {
  for (const [method, url] of [['GET', '/audit/verify'], ['GET', '/audit/heads'], ['POST', '/audit/heads/exchange']] as const) {
    const response = await de().app.inject({ method, url })
    t.equal(response.statusCode, 401, url)
    t.equal(response.json().code, 'ERR_AUTH_REQUIRED', url)
  }
})

t.test('unreachable peer is a failed outcome', async t => {
  await cluster.stop('SE')
  t.teardown(async () => { await cluster.start('SE') })
  const [outcome] = await de().auditHeads.exchangeNow(['SE'])
  t.equal(outcome.status, 'failed')
  t.equal(outcome.code, 'ERR_PEER_UNREACHABLE')
  t.equal(outcome.storedNewHead, false)
  const status = await de().auditHeads.status()
  t.equal(status.peers[0].lastExchange.code, 'ERR_PEER_UNREACHABLE')
})

t.test('restarted peer stays consistent', async t => {
  const [outcome] = await de().auditHeads.exchangeNow(['SE'])
  t.equal(outcome.status, 'consistent')
  t.same(outcome.mismatches, [])
  t.equal(outcome.storedNewHead, true, 'the restart added entries, so the head is new')
})
