import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { pino } from 'pino'
import { generateSigningKey, importSigningKey } from '../../../protocol/src/index.ts'
import type { Member, Membership } from '../../../protocol/src/index.ts'
import { startAuditHeads } from '../../src/audit/audit-heads.ts'
import type { AuditHeads } from '../../src/audit/audit-heads.ts'
import { signAuditHead } from '../../src/audit/signed-head.ts'
import { freePorts } from '../../src/demo/federation.ts'
import { createIdentity } from '../../src/identity.ts'
import type { NodeIdentity } from '../../src/identity.ts'
import { AUDIT_HEAD_PROTOCOL } from '../../src/net/audit-heads.ts'
import { decodeAuditHeadRequest, decodeAuditHeadResponse } from '../../src/net/audit-head-frames.ts'
import type { AuditHeadRequest } from '../../src/net/audit-head-frames.ts'
import { createNetwork } from '../../src/net/network.ts'
import type { Network } from '../../src/net/network.ts'
import { NodeStore } from '../../src/store/store.ts'

// Two real nodes without HTTP (SE and DE) with short timers, and a hand-driven NL peer whose
// responses each test chooses, all on 127.0.0.1 with LevelDB in a temporary folder. SE's timer also
// talks to NL once they are connected, so the NL tests only assert what holds for every response.
const root = mkdtempSync(join(tmpdir(), 'nfp-audit-'))
const jurisdictions = ['SE', 'DE', 'NL']
const ports = await freePorts(jurisdictions.length)
const identities = new Map<string, NodeIdentity>()
const members: Member[] = []
for (const [i, jurisdiction] of jurisdictions.entries()) {
  const identity = await createIdentity(join(root, jurisdiction, 'data'))
  identities.set(jurisdiction, identity)
  members.push({
    jurisdiction,
    name: `${jurisdiction} test node`,
    peerId: identity.peerId,
    addresses: [`/ip4/127.0.0.1/tcp/${ports[i]}/p2p/${identity.peerId}`],
    signingKeys: [{ kid: identity.signing.kid, jwk: { kty: 'OKP', crv: 'Ed25519', x: identity.signing.publicJwk.x as string } }]
  })
}
const membership: Membership = { federation: 'test federation', version: 1, members }
const isMember = (peerId: string): boolean => members.some(m => m.peerId === peerId)

interface MiniNode { store: NodeStore, network: Network, heads: AuditHeads }
const nodes = new Map<string, MiniNode>()
for (const [i, jurisdiction] of ['SE', 'DE'].entries()) {
  const identity = identities.get(jurisdiction)!
  const store = await NodeStore.open(join(root, jurisdiction, 'data', 'db'))
  const network = await createNetwork({ privateKey: identity.peerKey, listen: [`/ip4/127.0.0.1/tcp/${ports[i]}`], isMember })
  const heads = await startAuditHeads({ store, identity, membership, network, log: pino({ level: 'silent' }), intervalMs: 150, requestTimeoutMs: 2000, readTimeoutMs: 300 })
  nodes.set(jurisdiction, { store, network, heads })
}

// NL responds with whatever `respond` returns: bytes to send, 'close' to end the stream without a
// response, or 'hang' to keep it open.
const nl = identities.get('NL')!
const nlKey = { privateKey: nl.signing.privateKey, kid: nl.signing.kid }
let respond: (request: AuditHeadRequest) => Promise<Uint8Array | 'close' | 'hang'> = async () => 'close'
const fake = await createNetwork({ privateKey: nl.peerKey, listen: [`/ip4/127.0.0.1/tcp/${ports[2]}`], isMember })
await fake.handle(AUDIT_HEAD_PROTOCOL, async (stream) => {
  const lp = lpStream(stream)
  const request = decodeAuditHeadRequest((await lp.read()).subarray())
  const response = await respond(request)
  if (response === 'hang') return
  if (response !== 'close') await lp.write(response)
  await stream.close().catch(() => {})
})

t.teardown(async () => {
  for (const node of nodes.values()) {
    await node.heads.stop()
    await node.network.stop()
    await node.store.close()
  }
  await fake.stop()
  rmSync(root, { recursive: true, force: true })
})

const se = nodes.get('SE')!
const de = nodes.get('DE')!
const HASH_A = 'sha256:' + 'a'.repeat(64)
const HASH_B = 'sha256:' + 'b'.repeat(64)
const frame = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))
const responseWith = async (request: AuditHeadRequest, head: { seq: number, hash: string }, key = nlKey, hashes?: Array<{ seq: number, hash: string | null }>): Promise<Uint8Array> => {
  const signed = await signAuditHead({ jurisdiction: 'NL', ...head, at: new Date().toISOString() }, key)
  return frame({ type: 'audit-head-response', requestId: request.requestId, head: signed.jws, hashes: hashes ?? request.seqs.map(seq => ({ seq, hash: seq === head.seq ? head.hash : HASH_A })) })
}

async function waitFor (what: string, check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
}

t.test('periodic round exchanges with connected members', async t => {
  await se.store.commit({ audit: [{ event: 'node.started' }, { event: 'record.created', recordId: 'urn:nfp:se:firearm:p-1' }] })
  t.equal((await de.heads.status()).peers.find(p => p.jurisdiction === 'SE')?.headsStored, 0, 'nothing before the nodes connect')

  await de.network.dial(multiaddr(members[0]!.addresses[0]!))
  await waitFor('DE to store a head of SE', async () => (await de.heads.status()).peers.find(p => p.jurisdiction === 'SE')!.headsStored > 0)
  await waitFor('SE to store a head of DE', async () => (await se.heads.status()).peers.find(p => p.jurisdiction === 'DE')!.headsStored > 0)

  await se.store.commit({ audit: [{ event: 'record.updated', recordId: 'urn:nfp:se:firearm:p-1' }] })
  await waitFor('DE to store SE\'s next head', async () => (await de.heads.status()).peers.find(p => p.jurisdiction === 'SE')!.latest?.seq === 3)

  const status = await de.heads.status()
  const nlStatus = status.peers.find(p => p.jurisdiction === 'NL')!
  t.equal(nlStatus.connected, false)
  t.equal(nlStatus.lastExchange, undefined, 'a member that is not connected is not dialled by the timer')
  t.equal(status.peers.find(p => p.jurisdiction === 'SE')!.lastExchange?.status, 'consistent')
  t.ok((await se.heads.status()).own.count >= 2, 'SE signed a head as its log grew')
})

t.test('head signed by wrong key is rejected', async t => {
  respond = async request => await responseWith(request, { seq: 10, hash: HASH_A })
  const [good] = await se.heads.exchangeNow(['NL'])
  t.equal(good?.status, 'consistent', 'a correctly signed head is accepted')
  t.equal(good?.storedNewHead, true)

  const stranger = await generateSigningKey()
  respond = async request => await responseWith(request, { seq: 11, hash: HASH_A }, { privateKey: await importSigningKey(stranger.privateJwk), kid: nl.signing.kid })
  const [forged] = await se.heads.exchangeNow(['NL'])
  t.equal(forged?.status, 'failed')
  t.equal(forged?.code, 'ERR_SIG_INVALID')
  t.equal(forged?.storedNewHead, false)

  const deKey = identities.get('DE')!.signing
  respond = async request => await responseWith(request, { seq: 11, hash: HASH_A }, { privateKey: deKey.privateKey, kid: deKey.kid })
  const [otherMember] = await se.heads.exchangeNow(['NL'])
  t.equal(otherMember?.status, 'failed')
  t.equal(otherMember?.code, 'ERR_SIG_UNKNOWN_KEY')

  const status = (await se.heads.status()).peers.find(p => p.jurisdiction === 'NL')!
  t.equal(status.headsStored, 1, 'only the correctly signed head is stored')
  t.equal(status.latest?.seq, 10)
  t.equal(status.mismatch, false)
})

t.test('bad responses are typed failures', async t => {
  const cases: Array<[string, (request: AuditHeadRequest) => Promise<Uint8Array | 'close' | 'hang'>, string]> = [
    ['not JSON', async () => new TextEncoder().encode('garbage'), 'ERR_FRAME_MALFORMED'],
    ['schema violation', async request => frame({ type: 'audit-head-response', requestId: request.requestId, hashes: [] }), 'ERR_FRAME_MALFORMED'],
    ['other request id', async request => await responseWith({ ...request, requestId: '00000000-0000-4000-8000-000000000000' }, { seq: 10, hash: HASH_A }), 'ERR_FRAME_MALFORMED'],
    ['oversize', async () => new Uint8Array(1024 * 1024 + 1).fill(0x20), 'ERR_FRAME_TOO_LARGE'],
    ['error frame', async request => frame({ type: 'error', requestId: request.requestId, code: 'ERR_INTERNAL', message: 'disk full' }), 'ERR_PEER_REJECTED'],
    ['no response', async () => 'close', 'ERR_PEER_UNREACHABLE'],
    ['too slow', async () => 'hang', 'ERR_PEER_TIMEOUT']
  ]
  for (const [name, response, code] of cases) {
    respond = response
    const [outcome] = await se.heads.exchangeNow(['NL'])
    t.equal(outcome?.status, 'failed', name)
    t.equal(outcome?.code, code, name)
  }
  t.match((await se.heads.status()).peers.find(p => p.jurisdiction === 'NL')!.lastExchange?.message, /within 2000 ms/)
})

t.test('second head for a seq is a mismatch', async t => {
  // Counted before NL changes its response, because SE's timer may find the mismatch first.
  const auditBefore = (await se.store.listAudit(0, 10000)).length
  respond = async request => await responseWith(request, { seq: 10, hash: HASH_B }, nlKey, request.seqs.map(seq => ({ seq, hash: HASH_B })))
  const [outcome] = await se.heads.exchangeNow(['NL'])
  t.equal(outcome?.status, 'mismatch')
  t.same(outcome?.mismatches.map(m => [m.seq, m.kind]), [[10, 'hash-changed']])

  const audit = await se.store.listAudit(auditBefore, 100)
  t.equal(audit.length, 1)
  t.equal(audit[0]?.event, 'audit.peer-mismatch')
  t.equal(audit[0]?.peer, 'NL')
  t.match(audit[0]?.detail, /^seq 10: hash-changed: /)

  const status = (await se.heads.status()).peers.find(p => p.jurisdiction === 'NL')!
  t.equal(status.mismatch, true)
  t.equal(status.mismatches[0]?.seen, HASH_A)
  t.equal(status.mismatches[0]?.received, HASH_B)
  t.match(status.mismatches[0]?.evidence, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'the conflicting signed head is kept')
  t.equal(status.latest?.hash, HASH_A, 'the first head for the seq stays stored')

  await se.heads.exchangeNow(['NL'])
  t.equal((await se.store.listAudit(auditBefore, 100)).length, 1, 'the same mismatch is audited once')
})

t.test('lower head seq is a mismatch', async t => {
  respond = async request => await responseWith(request, { seq: 4, hash: HASH_A }, nlKey, request.seqs.map(seq => ({ seq, hash: null })))
  const [outcome] = await se.heads.exchangeNow(['NL'])
  t.equal(outcome?.status, 'mismatch')
  t.same(outcome?.mismatches.map(m => [m.seq, m.kind]), [[10, 'seq-decreased'], [10, 'entry-missing']])
  t.equal(outcome?.storedNewHead, false)
})

t.test('idle request stream times out', async t => {
  const stream = await de.network.dialProtocol(multiaddr(members[0]!.addresses[0]!), AUDIT_HEAD_PROTOCOL)
  const lp = lpStream(stream)
  const started = Date.now()
  const response = decodeAuditHeadResponse((await lp.read({ signal: AbortSignal.timeout(5000) })).subarray())
  await stream.close().catch(() => {})
  t.equal(response.type, 'error')
  t.equal((response as any).code, 'ERR_FRAME_MALFORMED')
  t.equal((response as any).message, 'no complete request frame within 300 ms')
  t.ok(Date.now() - started >= 250, 'the handler waited for the read timeout')
})

t.test('stop signs a last head', async t => {
  // The head is read before the commit. The periodic signer (every 150 ms here) may cover the
  // new entry before stop does, and the test must pass whichever of them signs it.
  const before = (await de.heads.status()).own.latest?.seq ?? 0
  await de.store.commit({ audit: [{ event: 'record.created', recordId: 'urn:nfp:de:firearm:s-1' }] })
  await de.heads.stop()
  const last = await de.store.listAudit(0, 10000)
  const levels = de.store.auditHeadsLevels()
  const [row] = await levels.heads.iterator({ gt: 'own!', lt: 'own!\uffff', reverse: true, limit: 1 }).all()
  t.ok((row?.[1] as any).seq > before)
  t.equal((row?.[1] as any).seq, last[last.length - 1]?.seq, 'the last head covers the last entry')
})
