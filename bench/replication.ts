/**
 * Measures replication of 1 KiB records from one node to another over libp2p on 127.0.0.1,
 * fully processed: outbound policy, hop signing, framing, record and hop verification, JSON-LD
 * expansion, inbound policy, the synced LevelDB commit and the signed receipt. Baselines in
 * the same run: the same frame bytes over a bare libp2p protocol handler (TCP, Noise, Yamux,
 * no processing), the raw Ed25519 verification rate of node:crypto on one thread, and the CPU
 * time of the protocol's hop verifier alone on one hop batch.
 *
 *   node bench/replication.ts [--records N] [--latency-samples N] [--write]
 *
 * The sender runs in this process, so the benchmark can queue records and time it directly.
 * The receiver runs as a separate `nfp start` process, as a deployed node does.
 */
import { generateKeyPairSync, sign, verify } from 'node:crypto'
import { cpus, loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { createLibp2p } from 'libp2p'
import type { Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { lpStream } from '@libp2p/utils'
import type { Stream } from '@libp2p/interface'
import { MAX_FRAME_BYTES, canonicalBytes, createHopVerifier, encodeFrame, generateSigningKey, importSigningKey, signHopBatch } from '../protocol/src/index.ts'
import type { ShareRequest } from '../protocol/src/index.ts'
import { MAX_BATCH_ITEMS, MAX_FRAMES_IN_FLIGHT } from '../node/src/delivery/worker.ts'
import { HOP_BATCH_RECORDS } from '../node/src/service.ts'
import type { OutboxItem } from '../node/src/delivery/outbox.ts'
import { benchRecord, canonicalSize, seedRecords, startCluster, startProcessPair } from './lib/nodes.ts'
import type { RunningNode } from '../node/src/runtime.ts'
import { count, describeMachine, ms, printSection, quantile, today, writeSection } from './lib/report.ts'

const SECTION = 'replication'
/** Records one shareMany call queues; the worker cuts them into frames. */
const SHARE_CHUNK = 1000
const AIM_RECORDS_PER_SECOND = 20_000
const AIM_P99_MS = 10

interface Figures {
  /** One-minute load averages when the run started and when it ended. */
  load: [number, number]
  records: number
  recordBytes: number
  frameBytes: number
  seconds: number
  latencies: number[]
  rawSeconds: number
  verifyPerSecond: number
  hopMicros: number
  senderMicros: number
  receiverMicros: number
  receiverBareMicros: number
}

async function measureReplication (se: RunningNode, records: number, latencySamples: number): Promise<Omit<Figures, 'rawSeconds' | 'verifyPerSecond' | 'hopMicros' | 'senderMicros' | 'receiverMicros' | 'receiverBareMicros' | 'load'> & { frames: Uint8Array[] }> {
  const warmup = 500
  console.log(`seeding ${count(records + warmup + latencySamples)} signed records on SE`)
  const ids = await seedRecords(se, records + warmup + latencySamples, { prefix: 'rep', sign: true })

  const shareAll = async (batch: string[]): Promise<number> => {
    let last = 0
    for (let i = 0; i < batch.length; i += SHARE_CHUNK) {
      const outcomes = await se.service.shareMany(batch.slice(i, i + SHARE_CHUNK), 'DE')
      for (const outcome of outcomes) {
        if (outcome.status !== 'queued') throw new Error(`share of ${outcome.recordId} was rejected: ${outcome.code}: ${outcome.message}`)
        last = outcome.seq
      }
    }
    return last
  }

  console.log('warm-up')
  await waitAcked(se, await shareAll(ids.slice(0, warmup)), 120_000)

  console.log(`replicating ${count(records)} records`)
  const started = performance.now()
  const last = await shareAll(ids.slice(warmup, warmup + records))
  await waitAcked(se, last, 600_000)
  const seconds = (performance.now() - started) / 1000

  // Frames as the worker built them, to send the same bytes over the bare handler.
  const items = await se.service.outbox.list('DE', last - records, records)
  const frames = toFrames(items)

  console.log(`single shares on an idle pair: ${latencySamples}`)
  const latencies: number[] = []
  for (const id of ids.slice(warmup + records)) {
    const t0 = performance.now()
    const outcome = await se.service.share(id, 'DE', { waitMs: 10_000 })
    latencies.push(performance.now() - t0)
    if (outcome.delivery.status !== 'stored') throw new Error(`single share of ${id} ended ${outcome.delivery.status}`)
  }

  return { records, recordBytes: canonicalSize(benchRecord('SE', 'size')), frameBytes: frames.reduce((n, f) => n + f.byteLength, 0), seconds, latencies, frames }
}

async function waitAcked (se: RunningNode, seq: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const cursor = await se.service.store.read<{ acked: number }>('cursors', 'out!DE')
    if ((cursor?.acked ?? 0) >= seq) return
    if (Date.now() > deadline) throw new Error(`DE acknowledged ${cursor?.acked ?? 0} of ${seq} items within ${timeoutMs} ms`)
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}

function toFrames (items: OutboxItem[]): Uint8Array[] {
  const frames: Uint8Array[] = []
  for (let i = 0; i < items.length; i += MAX_BATCH_ITEMS) {
    const batch = items.slice(i, i + MAX_BATCH_ITEMS)
    const request: ShareRequest = { type: 'share', messageId: crypto.randomUUID(), sender: 'SE', receiver: 'DE', sentAt: new Date().toISOString(), seqFrom: batch[0]!.seq, items: batch.map(item => item.item) }
    frames.push(encodeFrame(request))
  }
  return frames
}

/**
 * Measures each side's work per record as CPU time of this process (the JavaScript thread and
 * the libuv threads that run LevelDB and WebCrypto jobs), with no network in between, so other
 * load on the machine does not count. First SE's `shareMany` (outbound policy, hop signature,
 * outbox commit) runs with its delivery stopped. Then DE handles the same items in frames of
 * MAX_BATCH_ITEMS (verification, JSON-LD, inbound policy, commit, receipt). Every other frame
 * includes the linking and triage of its stored records, waited for, and the others leave them
 * out. The first third of the frames is not counted. Both nodes run in this process.
 */
async function measureBreakdown (records: number): Promise<{ senderMicros: number, receiverMicros: number, receiverBareMicros: number }> {
  const cluster = await startCluster(['SE', 'DE'])
  try {
    const se = cluster.node('SE')
    const de = cluster.node('DE')
    se.service.delivery.stop()
    const ids = await seedRecords(se, records, { prefix: 'parts', sign: true })
    const cpuMicros = (since: NodeJS.CpuUsage): number => {
      const used = process.cpuUsage(since)
      return used.user + used.system
    }
    const sendStarted = process.cpuUsage()
    for (let i = 0; i < ids.length; i += SHARE_CHUNK) await se.service.shareMany(ids.slice(i, i + SHARE_CHUNK), 'DE')
    const senderMicros = cpuMicros(sendStarted) / records

    const items = await se.service.outbox.list('DE', 0, records)
    // Frames alternate between the node as deployed and the node without the linking and triage
    // that follow each stored record, so both see the same store size and the same warm-up.
    const linkAndTriage = de.service.onRecordStored
    // The first third of the frames warms up the code of both modes and is not counted.
    const warmupFrames = 2 * Math.floor(Math.ceil(items.length / MAX_BATCH_ITEMS) / 6)
    const spent = { deployed: { micros: 0, records: 0 }, bare: { micros: 0, records: 0 } }
    for (let i = 0, frame = 0; i < items.length; i += MAX_BATCH_ITEMS, frame++) {
      const batch = items.slice(i, i + MAX_BATCH_ITEMS)
      const mode = frame % 2 === 0 ? 'deployed' : 'bare'
      de.service.onRecordStored = mode === 'deployed' ? linkAndTriage : async () => {}
      const started = process.cpuUsage()
      const response = await de.service.receive({ type: 'share', messageId: crypto.randomUUID(), sender: 'SE', receiver: 'DE', sentAt: new Date().toISOString(), seqFrom: batch[0]!.seq, items: batch.map(item => item.item) }, se.service.identity.peerId)
      if (response.type !== 'share-result' || response.results.some(r => r.status !== 'stored')) throw new Error('DE did not store every record of a frame in the breakdown run')
      // Linking and triage run from a queue after the receipt; their work counts for this frame.
      await de.models.settled()
      if (frame < warmupFrames) continue
      spent[mode].micros += cpuMicros(started)
      spent[mode].records += batch.length
    }
    const receiverMicros = spent.deployed.micros / spent.deployed.records
    const receiverBareMicros = spent.bare.micros / spent.bare.records
    return { senderMicros, receiverMicros, receiverBareMicros }
  } finally {
    await cluster.close()
  }
}

/**
 * Sends the frames over a bare protocol handler that reads each frame and responds with 64 bytes,
 * one stream per frame and MAX_FRAMES_IN_FLIGHT streams at once, as the node's worker does.
 */
async function measureRawLibp2p (frames: Uint8Array[]): Promise<number> {
  const create = async (): Promise<Libp2p> => await createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
  const [receiver, sender] = await Promise.all([create(), create()])
  const reply = new Uint8Array(64)
  await receiver.handle('/bench/raw/1.0.0', async (stream: Stream) => {
    const lp = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES })
    await lp.read()
    await lp.write(reply)
    await stream.close()
  }, { maxInboundStreams: 64 })
  const target = receiver.getMultiaddrs()[0]!
  const send = async (frame: Uint8Array): Promise<void> => {
    const stream = await sender.dialProtocol(target, '/bench/raw/1.0.0')
    const lp = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES })
    await lp.write(frame)
    await lp.read()
    await stream.close()
  }
  try {
    await send(frames[0]!)
    const started = performance.now()
    let next = 0
    await Promise.all(Array.from({ length: MAX_FRAMES_IN_FLIGHT }, async () => {
      while (next < frames.length) await send(frames[next++]!)
    }))
    return (performance.now() - started) / 1000
  } finally {
    await Promise.all([sender.stop(), receiver.stop()])
  }
}

/** Ed25519 verifications per second of node:crypto on one thread, over a record's canonical bytes. */
function measureVerify (): number {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const message = canonicalBytes(benchRecord('SE', 'verify'))
  const signature = sign(null, message, privateKey)
  let done = 0
  const until = performance.now() + 2000
  const started = performance.now()
  while (performance.now() < until) {
    for (let i = 0; i < 100; i++) if (verify(null, message, publicKey, signature)) done++
  }
  return done / ((performance.now() - started) / 1000)
}

/**
 * CPU time per record of the receiver's hop checks on SHARE_CHUNK records in hop batches of
 * HOP_BATCH_RECORDS, as `shareMany` signs them: one statement signature per batch (verified
 * once, then cached) and one Merkle proof per record. A fresh verifier per round, so every round
 * pays the signature checks.
 */
async function measureHopVerify (): Promise<number> {
  const pair = await generateSigningKey()
  const key = { privateKey: await importSigningKey(pair.privateJwk), kid: pair.kid }
  const publicKey = await importSigningKey(pair.publicJwk)
  const leaves = Array.from({ length: SHARE_CHUNK }, (_, i) => ({ recordId: `urn:nfp:se:firearm:hop-${i}`, versionHash: `sha256:${i.toString(16).padStart(64, '0')}` }))
  const hops = []
  for (let i = 0; i < leaves.length; i += HOP_BATCH_RECORDS) {
    hops.push(...await signHopBatch(leaves.slice(i, i + HOP_BATCH_RECORDS), key, { by: 'SE', to: 'DE', at: new Date().toISOString() }))
  }
  const records = leaves.map(l => ({ id: l.recordId, versionHash: l.versionHash }))
  const rounds = 20
  const started = process.cpuUsage()
  for (let round = 0; round < rounds; round++) {
    const verifyHop = createHopVerifier(() => publicKey)
    await Promise.all(hops.map(async (hop, i) => await verifyHop(hop, records[i]!)))
  }
  const used = process.cpuUsage(started)
  return (used.user + used.system) / (rounds * SHARE_CHUNK)
}

async function main (): Promise<void> {
  const { values } = parseArgs({ options: { write: { type: 'boolean' }, records: { type: 'string' }, 'latency-samples': { type: 'string' } } })
  const records = Number(values.records ?? 20_000)
  const latencySamples = Number(values['latency-samples'] ?? 300)
  if (!Number.isInteger(records) || records < 6 * MAX_BATCH_ITEMS) throw new RangeError(`--records must be an integer of at least ${6 * MAX_BATCH_ITEMS}, got ${String(values.records)}`)
  if (!Number.isInteger(latencySamples) || latencySamples < 10) throw new RangeError(`--latency-samples must be an integer of at least 10, got ${String(values['latency-samples'])}`)

  const loadAtStart = loadavg()[0]!
  const pair = await startProcessPair(['SE', 'DE'])
  let figures
  try {
    figures = await measureReplication(pair.sender, records, latencySamples)
  } finally {
    await pair.close()
  }
  console.log('raw libp2p baseline')
  const rawSeconds = await measureRawLibp2p(figures.frames)
  console.log('raw Ed25519 verification')
  const verifyPerSecond = measureVerify()
  console.log('hop checks of one hop batch, CPU time')
  const hopMicros = await measureHopVerify()
  console.log('cost per record of each side, one thread, no network')
  const parts = await measureBreakdown(Math.min(records, 5000))
  const lines = report({ ...figures, rawSeconds, verifyPerSecond, hopMicros, ...parts, load: [loadAtStart, loadavg()[0]!] })
  printSection(lines)
  if (values.write === true) writeSection(SECTION, lines)
}

function report (f: Figures): string[] {
  const rate = f.records / f.seconds
  const rawRate = f.records / f.rawSeconds
  const p50 = quantile(f.latencies, 0.5)
  const p99 = quantile(f.latencies, 0.99)
  const command = `node bench/replication.ts --records ${f.records} --latency-samples ${f.latencies.length}`
  return [
    '## Replication, one node to another',
    '',
    `Measured ${today()} with \`${command}\` (script \`bench/replication.ts\`; \`npm run bench\` runs it with its defaults).`,
    '',
    `Machine: ${describeMachine()}. The sender runs in the benchmark process and the receiver as a separate \`nfp start\` process; the bare libp2p baseline runs both ends in one process. The one-minute load average was ${f.load[0].toFixed(1)} at the start and ${f.load[1].toFixed(1)} at the end on ${cpus().length} logical CPUs; other work on the machine slows the records/s and latency figures, but not the CPU times below.`,
    '',
    `Workload: ${count(f.records)} Firearm records of ${count(f.recordBytes)} bytes in canonical form, SE to DE, queued by`,
    `\`shareMany\` in chunks of ${count(SHARE_CHUNK)}; ${count(f.frameBytes / 2 ** 10)} KiB of share frames (${MAX_BATCH_ITEMS} items each, up to ${MAX_FRAMES_IN_FLIGHT} in flight).`,
    'Each record passes the outbound policy, gets a signed hop and is framed. The receiver verifies',
    'its signature and hop, checks its JSON-LD, applies the inbound policy and commits it in a',
    'synced LevelDB batch with its audit entries. Each frame gets a signed receipt that the sender',
    'verifies and stores. Records carry signature version 2, signed in batches of 1,000 under one',
    'root, so the receiver checks one root signature per batch (then cached) and a Merkle proof per',
    `record. Hops are signed the same way: one hop batch statement per ${HOP_BATCH_RECORDS} records of a \`shareMany\` call,`,
    'so the receiver checks one hop signature per statement (then cached) and a Merkle proof per record.',
    '',
    '| measurement | records/s | node ÷ this |',
    '| --- | ---: | ---: |',
    `| node to node, fully processed | ${count(rate)} | 1.00 |`,
    `| same frame bytes over a bare libp2p handler (TCP, Noise, Yamux) | ${count(rawRate)} | ${(rate / rawRate).toFixed(3)} |`,
    `| Ed25519 verifications, node:crypto, one thread | ${count(f.verifyPerSecond)} | ${(rate / f.verifyPerSecond).toFixed(3)} |`,
    '',
    `Single share on an idle pair (\`share\` with a wait for the receipt, ${f.latencies.length} samples): p50 ${ms(p50)} ms, p99 ${ms(p99)} ms.`,
    '',
    'What bounds it, measured in the same run with both nodes in one process and no network. Each',
    'figure is CPU time of the process per record, counting the JavaScript thread and the libuv',
    'threads that run LevelDB and WebCrypto jobs, so other load on the machine does not count:',
    '',
    '| CPU time per record | µs | records/s at this cost on one core |',
    '| --- | ---: | ---: |',
    `| sender: outbound policy, outgoing copy, share of the hop batch signature, outbox commit (\`shareMany\`) | ${count(f.senderMicros)} | ${count(1e6 / f.senderMicros)} |`,
    `| receiver: a decoded frame's items, as deployed: record proof and batch root, hop proof and hop batch signature, schema, version hash, JSON-LD check, path, inbound policy, synced commit, receipt, and the queued linking and triage of each stored record | ${count(f.receiverMicros)} | ${count(1e6 / f.receiverMicros)} |`,
    `| receiver, the same without linking and triage | ${count(f.receiverBareMicros)} | ${count(1e6 / f.receiverBareMicros)} |`,
    `| of which the hop checks: one hop batch signature per ${HOP_BATCH_RECORDS} records and a Merkle proof per record (CPU time of the hop verifier alone) | ${f.hopMicros.toFixed(1)} | ${count(1e6 / f.hopMicros)} |`,
    `| for comparison, one Ed25519 verification per record, as the earlier per-record hop statement cost, at the raw rate above | ${count(1e6 / f.verifyPerSecond)} | ${count(f.verifyPerSecond)} |`,
    '',
    'The receiver returns the receipt before it links and triages the stored records, but that work',
    'runs from a queue on the same thread. The queue is at most 1,000 records behind and is taken up',
    'to 200 at a time with one index commit and one model run, so at a sustained rate it still takes',
    'its share of the thread. The two receiver rows show its cost per record. The benchmark records all share',
    'make, model and calibre, so those blocks pass 50 records early on and are skipped from then on',
    'as too common. Each record is then compared only with records that share a serial key, and',
    'never with more than 100, so the cost of linking a record does not grow with the records held.',
    'Each node handles its side on one JavaScript thread, so the slower side caps the pair.',
    `The pair reached ${Math.round(100 * rate * f.receiverMicros / 1e6)}% of the rate that the receiver's CPU time per record allows on one core.`,
    'The sender, the receiver and the benchmark share the machine\'s cores with its other load, but',
    'the rest of that gap was not traced. The hop',
    'checks are no longer a fixed Ed25519 check per record but a hash path plus a share of one',
    'signature, and the salted field digests of signature version 2 add hashing per field. The',
    'rest is spread over the synced LevelDB commit (the JSON encoding of the record, its index',
    'entries and its two audit entries with their RFC 8785 hashes), the inbound policy, schema',
    'validation and the version hash. The JSON-LD check expands a record only when no record of',
    'the same shape expanded before. The frames themselves are not the limit, because the bare',
    'libp2p handler moves the same bytes many times faster. A single share waits for three synced',
    'writes in turn (the sender\'s outbox entry, the receiver\'s commit and the sender\'s receipt).',
    'The rest of its path is the policy decision and the hop batch signature, opening a stream, the',
    'receiver\'s checks, and the signature and verification of the receipt.',
    '',
    `Aims: ${count(AIM_RECORDS_PER_SECOND)} records/s (${rate >= AIM_RECORDS_PER_SECOND ? 'met' : `missed by a factor of ${(AIM_RECORDS_PER_SECOND / rate).toFixed(1)}`}); p99 under ${AIM_P99_MS} ms (${p99 < AIM_P99_MS ? 'met' : `missed by ${ms(p99 - AIM_P99_MS)} ms`}).`,
    '',
    `With each node on one thread, ${count(AIM_RECORDS_PER_SECOND)} records/s leaves each side ${count(1e6 / AIM_RECORDS_PER_SECOND)} µs of CPU per record. The receiver spends ${(f.receiverMicros * AIM_RECORDS_PER_SECOND / 1e6).toFixed(1)} times that and the sender ${(f.senderMicros * AIM_RECORDS_PER_SECOND / 1e6).toFixed(1)} times.`
  ]
}

await main()
