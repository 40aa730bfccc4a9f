/**
 * Measures a sync round between two nodes that already share `--records` records (SE sent
 * them all to DE, and DE acknowledged them): the round with nothing new, and the round that
 * brings 1,000 (`--new`) records queued while DE was unreachable. Time and the bytes on the
 * wire, handshakes included, are measured through a counting TCP relay in front of DE. The
 * baseline is the same no-change round between two empty nodes in the same run.
 *
 *   node bench/catch-up.ts [--records N] [--new M] [--write]
 *
 * The stores are filled before the nodes start, straight through NodeStore in batches: on SE
 * the records, their delivered outbox items, disclosures and cursor, on DE the received copies
 * and its cursor. Their signatures are placeholders, since the round never reads these records.
 * SE runs in this process and DE as a separate `nfp start` process.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { pino } from 'pino'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Membership } from '../protocol/src/index.ts'
import { loadConfig } from '../node/src/config.ts'
import { itemKey, disclosureKey } from '../node/src/delivery/outbox.ts'
import type { Disclosure, OutboxItem } from '../node/src/delivery/outbox.ts'
import { startNode } from '../node/src/runtime.ts'
import type { RunningNode } from '../node/src/runtime.ts'
import { NodeStore } from '../node/src/store/store.ts'
import { createNodeSet, stopAll } from '../scripts/node-processes.ts'
import type { NodeProcess } from '../scripts/node-processes.ts'
import { seedRecords, seedStore } from './lib/nodes.ts'
import { CountingProxy } from './lib/proxy.ts'
import { count, describeMachine, ms, printSection, today, writeSection } from './lib/report.ts'

const SECTION = 'catch-up'
const AIM_NO_CHANGE_MS = 1000
/** No-change rounds measured per pair; the table shows the median, so a cold first connection does not decide it. */
const NO_CHANGE_ROUNDS = 5

interface Round { ms: number, bytes: number }
interface Outcome { records: number, seedSeconds: number, noChange: Round, withNew?: Round }

async function runPair (records: number, fresh: number, log: (line: string) => void): Promise<Outcome> {
  const root = mkdtempSync(join(tmpdir(), 'nfp-bench-catch-up-'))
  const nodes = await createNodeSet({ root, jurisdictions: ['SE', 'DE'], logLevel: 'warn' })
  const seProcess = nodes.get('SE') as NodeProcess
  const de = nodes.get('DE') as NodeProcess
  let se: RunningNode | undefined
  let proxy: CountingProxy | undefined
  try {
    const seedStarted = performance.now()
    await seedPair(seProcess, de, records, log)
    const seedSeconds = (performance.now() - seedStarted) / 1000

    // SE reaches DE only through the relay, so every byte between them is counted.
    const deConfig = loadConfig(de.configPath)
    const dePort = Number(/\/tcp\/(\d+)/.exec(deConfig.p2p.listen[0] as string)?.[1])
    proxy = await CountingProxy.start(dePort)
    const federationPath = join(root, 'federation.json')
    const membership = JSON.parse(readFileSync(federationPath, 'utf8')) as Membership
    const deMember = membership.members.find(m => m.jurisdiction === 'DE')!
    deMember.addresses = [`/ip4/127.0.0.1/tcp/${proxy.port}/p2p/${deMember.peerId}`]
    writeFileSync(federationPath, JSON.stringify(membership, null, 2) + '\n')

    // The first start on a seeded store builds the hit index over every record in the background.
    // That build would take CPU from the rounds, so they start only after both builds end.
    await de.start({ timeoutMs: 1_800_000 })
    se = await startNode(loadConfig(seProcess.configPath), pino({ level: 'silent' }))
    const running = se
    await waitFor(async () => !running.hits.index.building && !(await de.request<{ building: boolean }>('GET', '/hits/index')).building, INDEX_BUILD_TIMEOUT_MS, 'hit index builds of both nodes')
    log(`hit indexes built (${((performance.now() - seedStarted) / 1000 - seedSeconds).toFixed(0)} s after seeding)`)
    const dePeer = peerIdFromString(deMember.peerId)
    // Identify adds the port DE listens on to SE's peer store, so each dial is pointed back at the relay.
    const throughProxy = async (): Promise<void> => {
      await se!.service.network.peerStore.patch(dePeer, { multiaddrs: [multiaddr(deMember.addresses[0] as string)] })
    }
    await throughProxy()
    await se.service.network.dial(dePeer)
    await settle(se)

    log(`rounds with nothing new (${count(records)} records on each side)`)
    const rounds: Round[] = []
    for (let i = 0; i < NO_CHANGE_ROUNDS; i++) {
      await se.service.network.hangUp(dePeer)
      await sleep(200)
      await throughProxy()
      proxy.reset()
      const roundStarted = performance.now()
      await se.service.network.dial(dePeer)
      await settle(se)
      rounds.push({ ms: performance.now() - roundStarted - SETTLE_QUIET_MS, bytes: proxy.sent + proxy.received })
    }
    const noChange = rounds.sort((a, b) => a.ms - b.ms)[Math.floor(NO_CHANGE_ROUNDS / 2)] as Round

    if (fresh === 0) return { records, seedSeconds, noChange }

    log(`round with ${count(fresh)} new records`)
    const ids = await seedRecords(se, fresh, { prefix: 'fresh', sign: true })
    proxy.pause()
    await se.service.network.hangUp(dePeer)
    await throughProxy()
    const outcomes = await se.service.shareMany(ids, 'DE')
    const last = Math.max(...outcomes.map(o => o.status === 'queued' ? o.seq : 0))
    await sleep(300)
    await throughProxy()
    proxy.reset()
    proxy.resume()
    const started = performance.now()
    await se.service.network.dial(dePeer)
    await waitAcked(se, last)
    const withNew = { ms: performance.now() - started, bytes: proxy.sent + proxy.received }
    return { records, seedSeconds, noChange, withNew }
  } finally {
    await se?.stop()
    await stopAll([de])
    await proxy?.close()
    rmSync(root, { recursive: true, force: true })
  }
}

/** Maximum wait for the hit index builds after the first start on seeded stores. */
const INDEX_BUILD_TIMEOUT_MS = 1_800_000

/** Polls `done` every half second until it returns true, or throws after `timeoutMs`. */
async function waitFor (done: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!(await done())) {
    if (performance.now() > deadline) throw new Error(`${what} timed out after ${timeoutMs / 1000} s`)
    await sleep(500)
  }
}

/** Time without delivery activity after which a round counts as finished; subtracted from the round time. */
const SETTLE_QUIET_MS = 100

/** Waits until SE's delivery to DE has been idle for SETTLE_QUIET_MS. */
async function settle (se: RunningNode): Promise<void> {
  let quietSince = performance.now()
  while (performance.now() - quietSince < SETTLE_QUIET_MS) {
    await sleep(2)
    if (se.service.delivery.states().some(s => s.sending)) quietSince = performance.now()
  }
}

async function waitAcked (se: RunningNode, seq: number): Promise<void> {
  const deadline = Date.now() + 300_000
  for (;;) {
    const cursor = await se.service.store.read<{ acked: number }>('cursors', 'out!DE')
    if ((cursor?.acked ?? 0) >= seq) return
    if (Date.now() > deadline) throw new Error(`DE acknowledged ${cursor?.acked ?? 0} of ${seq} items within 300 s`)
    await sleep(2)
  }
}

/** Fills both stores as if SE had sent `records` records to DE and DE had acknowledged them all. */
async function seedPair (se: NodeProcess, de: NodeProcess, records: number, log: (line: string) => void): Promise<void> {
  if (records === 0) return
  const progress = (who: string) => (done: number): void => { if (done % 100_000 === 0 || done === records) log(`${who}: ${count(done)} of ${count(records)} records written`) }
  const seStore = await NodeStore.open(join(se.dataDir, 'db'))
  try {
    await seedStore(seStore, {
      jurisdiction: 'SE',
      total: records,
      prefix: 'sync',
      origin: 'local',
      onProgress: progress('SE'),
      writesFor: (stored, index) => {
        const seq = index + 1
        const record = stored.signed.record
        const item: OutboxItem = { seq, peer: 'DE', item: { kind: 'record', signed: stored.signed, hops: [{ jurisdiction: 'SE', to: 'DE', at: record.provenance.modified, batch: 'placeholder', index: 0, proof: [] }] }, recordId: record.id, versionHash: record.versionHash, enqueuedAt: record.provenance.modified, status: 'delivered', result: { status: 'stored' } }
        const disclosure: Disclosure = { recordId: record.id, peer: 'DE', versionHash: record.versionHash, seq, status: 'delivered', at: record.provenance.modified }
        return [{ collection: 'delivery', key: itemKey('DE', seq), value: item }, { collection: 'disclosures', key: disclosureKey(record.id, 'DE'), value: disclosure }]
      }
    })
    await seStore.commit({ writes: [{ collection: 'cursors', key: 'out!DE', value: { next: records + 1, acked: records } }], audit: [] })
  } finally {
    await seStore.close()
  }
  const deStore = await NodeStore.open(join(de.dataDir, 'db'))
  try {
    await seedStore(deStore, { jurisdiction: 'SE', total: records, prefix: 'sync', origin: 'received', from: 'SE', holder: 'DE', onProgress: progress('DE') })
    await deStore.commit({ writes: [{ collection: 'cursors', key: 'in!SE', value: { applied: records } }], audit: [] })
  } finally {
    await deStore.close()
  }
}

async function sleep (msToWait: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, msToWait))
}

function kib (bytes: number): string {
  return (bytes / 1024).toFixed(1)
}

async function main (): Promise<void> {
  const { values } = parseArgs({ options: { write: { type: 'boolean' }, records: { type: 'string' }, new: { type: 'string' } } })
  const records = Number(values.records ?? 100_000)
  const fresh = Number(values.new ?? 1000)
  if (!Number.isInteger(records) || records < 1) throw new RangeError(`--records must be a positive integer, got ${String(values.records)}`)
  if (!Number.isInteger(fresh) || fresh < 1) throw new RangeError(`--new must be a positive integer, got ${String(values.new)}`)
  const log = (line: string): void => { console.log(line) }

  log('baseline: two empty nodes')
  const empty = await runPair(0, 0, log)
  const full = await runPair(records, fresh, log)
  const withNew = full.withNew as Round

  const lines = [
    '## Catch-up: a sync round between two nodes',
    '',
    `Measured ${today()} with \`node bench/catch-up.ts --records ${records} --new ${fresh}\` (script \`bench/catch-up.ts\`; \`npm run bench\` runs it with its defaults).`,
    '',
    `Machine: ${describeMachine()}. SE runs in the benchmark process, DE as a separate \`nfp start\` process.`,
    '',
    `Both nodes hold ${count(records)} records that SE sent to DE and DE acknowledged, written straight into`,
    `their stores before start (${full.seedSeconds.toFixed(0)} s for both). Both nodes build their hit indexes in the background`,
    'after that first start, and the rounds begin only when both builds have ended, so the builds take no CPU',
    'from the rounds. A round starts when SE connects to DE and ends',
    'when SE has delivered everything queued for DE and holds its receipts. Bytes are counted in',
    'both directions on the TCP connection through a relay and include the Noise and Yamux',
    'handshakes and libp2p identify. Time includes the connection set-up. A no-change round is the',
    `median of ${NO_CHANGE_ROUNDS}, each on a new connection.`,
    '',
    '| round | records held on each side | time (ms) | bytes (KiB) | time ÷ baseline |',
    '| --- | ---: | ---: | ---: | ---: |',
    `| nothing new, empty stores (baseline) | 0 | ${ms(empty.noChange.ms)} | ${kib(empty.noChange.bytes)} | 1.00 |`,
    `| nothing new | ${count(records)} | ${ms(full.noChange.ms)} | ${kib(full.noChange.bytes)} | ${(full.noChange.ms / empty.noChange.ms).toFixed(2)} |`,
    `| ${count(fresh)} new records | ${count(records)} | ${ms(withNew.ms)} | ${kib(withNew.bytes)} | ${(withNew.ms / empty.noChange.ms).toFixed(2)} |`,
    '',
    'The sender reads one cursor and one empty key range of its outbox, so a round with nothing',
    'new costs the same at any store size; new records cost their frames and receipts.',
    '',
    `Aim: a no-change round under ${AIM_NO_CHANGE_MS} ms at 1,000,000 records. ${records >= 1_000_000 ? (full.noChange.ms < AIM_NO_CHANGE_MS ? 'Met.' : `Missed by ${ms(full.noChange.ms - AIM_NO_CHANGE_MS)} ms.`) : `Measured here at ${count(records)} records; run with \`--records 1000000\` for the aim.`}`
  ]
  printSection(lines)
  if (values.write === true) writeSection(SECTION, lines)
}

await main()
