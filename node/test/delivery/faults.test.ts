import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { createLibp2p } from 'libp2p'
import type { Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import {
  MAX_FRAME_BYTES, SHARE_PROTOCOL, decodeShareResponse, encodeFrame, generateSigningKey, importSigningKey, signHopBatch, signRecord, withVersionHash
} from '../../../protocol/src/index.ts'
import type { NfpRecord, RecordItem, ShareRequest, ShareResponse, SigningKey } from '../../../protocol/src/index.ts'
import { loadIdentity } from '../../src/identity.ts'
import {
  createRandom, deliveryIsExact, firearmDraft, forEachAuditEntry, planKills, transferWithFaults, verifyDelivery, waitForOutbox, waitForRecords
} from '../../../scripts/fault-injection.ts'
import { createNodeSet, stopAll } from '../../../scripts/node-processes.ts'
import type { NodeProcess } from '../../../scripts/node-processes.ts'

// SE sends and DE receives. NL is a member whose keys the protocol test uses to speak to DE
// directly, and it never runs a node process.
const root = mkdtempSync(join(tmpdir(), 'nfp-faults-'))
// A share request waits up to shareTimeoutMs for its receipt. 3 s instead of the default 10 s
// keeps shares moving while the receiver is down, so the outbox fills and drains in every round.
const nodes = await createNodeSet({ root, jurisdictions: ['SE', 'DE', 'NL'], shareTimeoutMs: 3000 })
const se = nodes.get('SE') as NodeProcess
const de = nodes.get('DE') as NodeProcess
const nl = nodes.get('NL') as NodeProcess
t.teardown(async () => {
  await stopAll(nodes.values())
  rmSync(root, { recursive: true, force: true })
})
t.setTimeout(300000)
await Promise.all([se.start(), de.start()])

/** Every record the tests below sent from SE to DE, with the version hash SE stored. */
const sent = new Map<string, string>()

/** Restarts a node that an earlier failed test left down, so each test starts from two running nodes. */
async function ensureRunning (): Promise<void> {
  for (const node of [se, de]) {
    if (!node.running) await node.start()
  }
}

t.test('transfer survives repeated SIGKILLs', async t => {
  await ensureRunning()
  const log = (line: string): void => { t.comment(line) }
  // 3 x 1,700 records took 40 s alone and 53 s beside the rest of the suite on a 2-core VM
  // whose disk syncs in about 2 ms (about 130 and 95 records/s end to end, kills and
  // restarts included). The 10,000-record run is left to scripts/fault-injection.ts.
  const rounds = 3
  const records = 1700
  for (let round = 0; round < rounds; round++) {
    const seed = 1000 + round
    const kills = planKills({ seed, kills: 2, totalOps: records * 2, maxDowntimeMs: 1000 })
    t.same(kills.map(k => k.victim).sort(), ['receiver', 'sender'], `round ${round}: one kill each`)

    const deadline = Date.now() + 120000
    const transfer = await transferWithFaults({ sender: se, receiver: de, idPrefix: `kill${seed}`, records, kills, concurrency: 32, deadline, log })
    for (const [id, versionHash] of transfer.expected) sent.set(id, versionHash)
    t.equal(transfer.kills.length, 2, `round ${round}: both kills happened`)
    t.equal((await waitForOutbox(se, 'DE', deadline)).queued, 0, `round ${round}: sender outbox drains`)
    t.ok(await waitForRecords(de, 'SE', transfer.ids, deadline), `round ${round}: receiver lists every record`)

    const report = await verifyDelivery(se, de, sent)
    t.same(report.lost, [], `round ${round}: nothing lost`)
    t.same(report.duplicated, [], `round ${round}: nothing applied twice`)
    t.same(report.wrongVersion, [], `round ${round}: every version matches`)
    t.equal(report.unexpected, 0, `round ${round}: no unexpected records`)
    t.equal(report.rejectedEntries, 0, `round ${round}: nothing rejected`)
    t.ok(report.receiverChainValid, `round ${round}: receiver audit chain verifies`)
    t.ok(report.senderChainValid, `round ${round}: sender audit chain verifies`)
    t.same(report.auditAlarms, [], `round ${round}: no audit head alarm`)
    t.equal(report.received, sent.size, `round ${round}: receiver stores every record`)
  }
  t.equal(se.kills, rounds, 'sender was killed once per round')
  t.equal(de.kills, rounds, 'receiver was killed once per round')
})

t.test('stopped receiver catches up', async t => {
  await ensureRunning()
  const log = (line: string): void => { t.comment(line) }
  const records = 200
  await de.stop()
  t.notOk(de.running, 'receiver is down')

  // Every share waits up to the sender's shareTimeoutMs (3 s here) for a receipt, so all
  // shares run at once: the transfer takes about 3 s however many records there are.
  const deadline = Date.now() + 90000
  const transfer = await transferWithFaults({ sender: se, receiver: de, idPrefix: 'offline', records, kills: [], concurrency: records, deadline, log })
  for (const [id, versionHash] of transfer.expected) sent.set(id, versionHash)
  t.equal(transfer.queued, records, 'every share is queued while the receiver is down')
  t.equal(transfer.acknowledged, 0, 'no share is acknowledged while the receiver is down')

  await de.start()
  const restarted = Date.now()
  t.equal((await waitForOutbox(se, 'DE', deadline)).queued, 0, 'sender outbox drains after the restart')
  t.ok(await waitForRecords(de, 'SE', transfer.ids, deadline), 'receiver stores every record after its restart')
  // The sender retries with backoff (0.5 s doubling to 60 s). The restarted receiver does not
  // connect to it, so catch-up starts at the sender's next scheduled attempt.
  log(`catch-up of ${records} records finished ${((Date.now() - restarted) / 1000).toFixed(1)} s after the receiver was back`)

  const report = await verifyDelivery(se, de, sent)
  t.same(report.lost, [], 'nothing lost')
  t.same(report.duplicated, [], 'nothing applied twice')
  t.ok(deliveryIsExact(report), 'delivery is exact')
})

t.test('share handler survives hostile frames', async t => {
  await ensureRunning()
  const log = (line: string): void => { t.comment(line) }
  // NL's own keys: the probe is a member, so the gater admits it and the handler runs.
  const identity = await loadIdentity(nl.dataDir)
  const signingKey = { privateKey: identity.signing.privateKey, kid: identity.signing.kid }
  const host = await createLibp2p({ privateKey: identity.peerKey, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
  t.teardown(async () => { await host.stop() })
  const target = multiaddr(await memberAddress(de))

  // SE keeps sharing with DE during the probes, and the handler must keep serving it.
  const deadline = Date.now() + 90000
  const background = transferWithFaults({ sender: se, receiver: de, idPrefix: 'beside-probes', records: 300, kills: [], concurrency: 16, deadline, log })
  // Awaited below. The empty handler keeps an earlier failure from counting as unhandled.
  background.catch(() => {})

  const valid = await nlItem(signingKey, signingKey, 'probe-valid')
  const replayed = request([valid])
  const unknownKey = await generateSigningKey()
  const unknownSigner = { privateKey: await importSigningKey(unknownKey.privateJwk), kid: unknownKey.kid }
  const random = createRandom(7)
  const garbage = Uint8Array.from({ length: 4096 }, () => Math.floor(random() * 256))

  // The handler responds to a frame left open only when its read timeout (10 s) fires, so
  // this probe runs beside the others.
  const stalled = exchange(host, target, [...varint(1000), ...new TextEncoder().encode('{"type":"sh')], { endWrite: false, timeoutMs: 20000 })
  stalled.catch(() => {})

  const first = await exchange(host, target, frame(encodeFrame(replayed)))
  t.equal(result(first, 0)?.status, 'stored', 'valid record is stored')
  const replay = await exchange(host, target, frame(encodeFrame(replayed)))
  t.equal(result(replay, 0)?.status, 'unchanged', 'replayed message is unchanged')
  const copy = await exchange(host, target, frame(encodeFrame(request([valid]))))
  t.equal(result(copy, 0)?.status, 'unchanged', 'same item in a new message is unchanged')

  const cases: Array<{ name: string, bytes: number[] | Uint8Array, code: string }> = [
    { name: 'truncated frame, stream closed', bytes: [...varint(1000), ...new TextEncoder().encode('{"type":"share"')], code: 'ERR_FRAME_MALFORMED' },
    { name: 'truncated length prefix', bytes: [0x80], code: 'ERR_FRAME_MALFORMED' },
    { name: 'oversize frame', bytes: frame(new Uint8Array(MAX_FRAME_BYTES + 1).fill(0x20)), code: 'ERR_FRAME_TOO_LARGE' },
    { name: 'oversize length prefix only', bytes: varint(2 ** 40), code: 'ERR_FRAME_TOO_LARGE' },
    { name: 'empty frame', bytes: [0], code: 'ERR_FRAME_MALFORMED' },
    { name: 'garbage bytes', bytes: frame(garbage), code: 'ERR_FRAME_MALFORMED' },
    { name: 'JSON that is not an object', bytes: frame(json([1, 2, 3])), code: 'ERR_FRAME_MALFORMED' },
    { name: 'response frame as request', bytes: frame(json({ type: 'share-result', messageId: crypto.randomUUID(), receiver: 'DE', results: [], receipt: 'a.b.c' })), code: 'ERR_FRAME_MALFORMED' },
    { name: 'error frame as request', bytes: frame(json({ type: 'error', code: 'ERR_INTERNAL', message: 'probe' })), code: 'ERR_FRAME_MALFORMED' },
    { name: 'unknown message type', bytes: frame(json({ ...replayed, type: 'query' })), code: 'ERR_FRAME_MALFORMED' },
    { name: 'unknown item kind', bytes: frame(json({ ...replayed, items: [{ kind: 'command', command: 'delete everything' }] })), code: 'ERR_FRAME_MALFORMED' },
    { name: 'unsigned field beside record', bytes: frame(json({ ...replayed, items: [{ ...valid, signed: { ...valid.signed, note: 'unsigned' } }] })), code: 'ERR_FRAME_MALFORMED' },
    { name: 'empty item list', bytes: frame(json({ ...replayed, items: [] })), code: 'ERR_FRAME_MALFORMED' },
    { name: 'more than 100 items', bytes: frame(json({ ...replayed, items: Array.from({ length: 101 }, () => valid) })), code: 'ERR_FRAME_MALFORMED' },
    { name: 'wrong receiver', bytes: frame(json({ ...request([valid]), receiver: 'SE' })), code: 'ERR_PEER_IDENTITY_MISMATCH' },
    { name: 'wrong sender', bytes: frame(json({ ...request([valid]), sender: 'SE' })), code: 'ERR_PEER_IDENTITY_MISMATCH' }
  ]
  for (const probe of cases) {
    const response = await exchange(host, target, probe.bytes)
    t.equal(response.type, 'error', `${probe.name}: error frame`)
    t.equal(response.type === 'error' ? response.code : undefined, probe.code, `${probe.name}: ${probe.code}`)
  }

  // Records that must be rejected one by one, in a frame that is itself well formed.
  const unknownSigned = await nlItem(unknownSigner, signingKey, 'probe-unknown-key')
  const forgedKid = await nlItem({ privateKey: unknownSigner.privateKey, kid: signingKey.kid }, signingKey, 'probe-forged-kid')
  const tampered = await nlItem(signingKey, signingKey, 'probe-tampered')
  tampered.signed.record = { ...tampered.signed.record, serialNumber: 'CHANGED' } as NfpRecord
  const rejected = await exchange(host, target, frame(encodeFrame(request([unknownSigned, forgedKid, tampered]))))
  t.equal(result(rejected, 0)?.code, 'ERR_SIG_UNKNOWN_KEY', 'key not in the membership file is rejected')
  t.equal(result(rejected, 1)?.code, 'ERR_SIG_INVALID', 'signature by another key under a member kid is rejected')
  t.equal(result(rejected, 2)?.code, 'ERR_SIG_INVALID', 'record changed after signing is rejected')

  const timedOut = await stalled
  t.equal(timedOut.type, 'error', 'frame left open: error frame after the read timeout')
  t.equal(timedOut.type === 'error' ? timedOut.code : undefined, 'ERR_FRAME_MALFORMED', 'frame left open: ERR_FRAME_MALFORMED')

  const transfer = await background
  for (const [id, versionHash] of transfer.expected) sent.set(id, versionHash)
  t.equal((await waitForOutbox(se, 'DE', deadline)).queued, 0, 'SE outbox drains during the probes')
  t.ok(await waitForRecords(de, 'SE', transfer.ids, deadline), 'SE transfer completes during the probes')
  t.ok(de.running, 'receiver process is still running')

  const nlRecords = await de.request<{ items: Array<{ signed: { record: { id: string } } }> }>('GET', '/records?jurisdiction=NL&limit=100')
  t.same(nlRecords.items.map(r => r.signed.record.id), ['urn:nfp:nl:firearm:probe-valid'], 'only the valid NL record is stored')
  t.equal(await countAuditEvents(de, 'record.received', 'urn:nfp:nl:firearm:probe-valid'), 1, 'valid NL record was applied once')
  const audit = await de.request<{ chainValid: boolean }>('GET', '/audit?limit=1')
  t.ok(audit.chainValid, 'receiver audit chain verifies')

  const report = await verifyDelivery(se, de, sent)
  t.same(report.lost, [], 'no SE record lost')
  t.same(report.duplicated, [], 'no SE record applied twice')
})

/** Returns a node's own libp2p address as its GET /peers lists it. */
async function memberAddress (node: NodeProcess): Promise<string> {
  const health = await node.request<{ peerId: string }>('GET', '/health')
  const peers = await node.request<Array<{ peerId: string, addresses: string[] }>>('GET', '/peers')
  const self = peers.find(p => p.peerId === health.peerId)
  if (self?.addresses[0] === undefined) throw new Error(`node ${node.jurisdiction} lists no address of its own`)
  return self.addresses[0]
}

/** Builds a Firearm of NL signed with `signer`, as NL sends it to DE, with a hop signed by `hopSigner`. */
async function nlItem (signer: { privateKey: SigningKey, kid: string }, hopSigner: { privateKey: SigningKey, kid: string }, localId: string): Promise<RecordItem> {
  const at = new Date().toISOString()
  const record = withVersionHash({
    ...firearmDraft(`urn:nfp:nl:firearm:${localId}`, 0),
    provenance: { jurisdiction: 'NL', agency: 'NL fault-injection agency', created: at, modified: at }
  }) as unknown as NfpRecord
  const signed = await signRecord(record, signer)
  const [hop] = await signHopBatch([{ recordId: record.id, versionHash: record.versionHash }], hopSigner, { by: 'NL', to: 'DE', at })
  return { kind: 'record', signed, hops: [hop!] }
}

let nextSeq = 1
function request (items: RecordItem[]): ShareRequest {
  const seqFrom = nextSeq
  nextSeq += items.length
  return { type: 'share', messageId: crypto.randomUUID(), sender: 'NL', receiver: 'DE', sentAt: new Date().toISOString(), seqFrom, items }
}

function result (response: ProbeResponse, index: number): { status: string, code?: string } | undefined {
  return response.type === 'share-result' ? response.results[index] : undefined
}

/** Encodes an unsigned varint, the length prefix of a frame. */
function varint (value: number): number[] {
  const bytes: number[] = []
  let rest = value
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80)
    rest = Math.floor(rest / 0x80)
  }
  bytes.push(rest)
  return bytes
}

function frame (body: Uint8Array): Uint8Array {
  const prefix = varint(body.byteLength)
  const out = new Uint8Array(prefix.length + body.byteLength)
  out.set(prefix)
  out.set(body, prefix.length)
  return out
}

function json (value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value))
}

/** A response frame, or `no-response` with the reason when none could be read. */
type ProbeResponse = ShareResponse | { type: 'no-response', reason: string }

/**
 * Opens a share stream, writes raw bytes and reads one response frame. `endWrite` closes the
 * writing side afterwards, as a peer does that has nothing more to send.
 */
async function exchange (host: Libp2p, target: ReturnType<typeof multiaddr>, bytes: number[] | Uint8Array, options: { endWrite?: boolean, timeoutMs?: number } = {}): Promise<ProbeResponse> {
  const stream = await host.dialProtocol(target, SHARE_PROTOCOL, { signal: AbortSignal.timeout(5000) })
  const lp = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES })
  try {
    if (!stream.send(Uint8Array.from(bytes))) await stream.onDrain({ signal: AbortSignal.timeout(5000) })
    if (options.endWrite !== false) await stream.close({ signal: AbortSignal.timeout(5000) })
    const response = await lp.read({ signal: AbortSignal.timeout(options.timeoutMs ?? 5000) })
    return decodeShareResponse(response.subarray())
  } catch (err) {
    // A stream that ends without a readable response is an outcome the assertions report, not a crash of the test.
    return { type: 'no-response', reason: (err as Error).message }
  } finally {
    stream.abort(new Error('probe done'))
  }
}

async function countAuditEvents (node: NodeProcess, event: string, recordId: string): Promise<number> {
  let count = 0
  await forEachAuditEntry(node, (entry) => {
    if (entry.event === event && entry.recordId === recordId) count++
  })
  return count
}
