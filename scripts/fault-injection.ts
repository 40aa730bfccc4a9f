/**
 * Fault injection for record delivery. Starts a sender (SE) and a receiver (DE) as separate
 * `nfp start` processes and ingests and shares records through the HTTP API. Meanwhile it
 * kills either node with SIGKILL at seeded-random points and restarts it. At the end it waits
 * until the sender's outbox (GET /peers) is empty, then checks that every record arrived, that
 * none was applied twice and that both audit logs and their signed heads still verify.
 *
 *   node_modules/.bin/node scripts/fault-injection.ts --records 10000 --kills 6 --seed 1
 *
 * The seed fixes the record ids, the kill points, the victims and the downtimes. The timing of
 * each kill relative to the nodes' work still depends on scheduling, so two runs with one seed
 * kill at the same operation count but not at the same instruction.
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { CONTEXT_URL, NfpError, errors } from '@ceasefire/protocol'
import { createNodeSet, sleep, stopAll } from './node-processes.ts'
import type { NodeProcess } from './node-processes.ts'

/** Pause before an API request is repeated while its node is down or restarting. */
const RETRY_DELAY_MS = 100

/** Pause between two checks of the sender's outbox or the receiver's records while the outbox drains. */
const DRAIN_POLL_MS = 500

/** Largest page GET /records and GET /audit return. */
const PAGE_LIMIT = 1000

export type Victim = 'sender' | 'receiver'

/** One planned SIGKILL. */
export interface KillStep {
  /** The kill happens once this many API operations (ingests plus shares) have completed. */
  afterOps: number
  victim: Victim
  /** Time the killed node stays down before it is restarted. */
  downtimeMs: number
}

/** One SIGKILL as it happened. */
export interface KillEvent extends KillStep {
  jurisdiction: string
  /** Time since the transfer started. */
  atMs: number
  /** Time from spawning the node again until it passed its health check. */
  restartMs: number
}

/**
 * Returns a seeded pseudo-random generator of numbers in [0, 1). Each value is the first 32
 * bits of SHA-256 over the seed and a counter: slow, but a run draws only a few dozen values,
 * and the sequence is the same on every platform.
 */
export function createRandom (seed: number): () => number {
  let counter = 0
  return () => createHash('sha256').update(`${seed}:${counter++}`).digest().readUInt32BE(0) / 2 ** 32
}

/**
 * Plans `kills` kills at seeded-random operation counts between 5 % and 95 % of `totalOps`.
 * Victims alternate before a seeded shuffle, so sender and receiver are each killed half of
 * the times (the sender once more when `kills` is odd).
 */
export function planKills (options: { seed: number, kills: number, totalOps: number, maxDowntimeMs: number }): KillStep[] {
  const random = createRandom(options.seed)
  const points = Array.from({ length: options.kills }, () => Math.floor((0.05 + 0.9 * random()) * options.totalOps)).sort((a, b) => a - b)

  const victims: Victim[] = Array.from({ length: options.kills }, (_, i) => i % 2 === 0 ? 'sender' : 'receiver')
  for (let i = victims.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const swap = victims[i] as Victim
    victims[i] = victims[j] as Victim
    victims[j] = swap
  }

  return points.map((afterOps, i) => ({ afterOps, victim: victims[i] as Victim, downtimeMs: Math.floor(random() * options.maxDowntimeMs) }))
}

/** Builds a schema-valid Firearm draft. The index goes into the serial number, so every record differs. */
export function firearmDraft (id: string, index: number): Record<string, unknown> {
  return {
    '@context': CONTEXT_URL,
    id,
    type: 'Firearm',
    handlingCode: 'H0',
    grading: { sourceReliability: 'B', informationAccuracy: 2 },
    legalBasis: 'Directive (EU) 2023/977 Art. 7',
    reviewBy: '2099-01-01',
    make: 'Glock',
    model: '17 Gen 4',
    calibre: '9x19mm Parabellum',
    firearmKind: 'pistol',
    serialNumber: `FI-${index}`
  }
}

/** Returns the record ids of one transfer in id order: `urn:nfp:<sender>:firearm:<prefix>-<zero-padded index>`. */
export function recordIds (senderJurisdiction: string, idPrefix: string, records: number): string[] {
  return Array.from({ length: records }, (_, i) => `urn:nfp:${senderJurisdiction.toLowerCase()}:firearm:${idPrefix}-${String(i).padStart(7, '0')}`)
}

export interface TransferOptions {
  sender: NodeProcess
  receiver: NodeProcess
  /** Prefix of the local part of the record ids, so that transfers with different prefixes never share a record. */
  idPrefix: string
  records: number
  kills: KillStep[]
  /** API requests in flight at once. */
  concurrency: number
  /** Time (epoch milliseconds) after which the transfer stops repeating requests and fails with ERR_PEER_TIMEOUT. */
  deadline: number
  log: (line: string) => void
}

export interface TransferResult {
  /** Record ids of the transfer in id order. */
  ids: string[]
  /** Version hash the sender stored for each record, by record id. */
  expected: Map<string, string>
  /** Shares that returned 200: the receiver's receipt arrived while the request waited. */
  acknowledged: number
  /** Shares that returned 202: queued in the sender's outbox. */
  queued: number
  /** API requests repeated because their node was down or was killed before it responded. */
  retries: number
  kills: KillEvent[]
  /** Time from the first request until the last share returned and the last killed node was restarted. */
  elapsedMs: number
}

/**
 * Ingests and shares `records` records at the sender with a bounded pool of API requests, and
 * meanwhile kills and restarts the nodes as `kills` plans. A request that fails because its
 * node is down is repeated until it succeeds, as an operator would repeat it. Any other error
 * ends the transfer. Returns when every share has returned. The outbox may still contain
 * items then, so call `waitForRecords` next.
 */
export async function transferWithFaults (options: TransferOptions): Promise<TransferResult> {
  const { sender, receiver } = options
  const ids = recordIds(sender.jurisdiction, options.idPrefix, options.records)
  const totalOps = options.records * 2
  const started = Date.now()
  const state = { ops: 0, next: 0, retries: 0, acknowledged: 0, queued: 0, poolDone: false, failure: undefined as unknown }
  const expected = new Map<string, string>()

  const retrying = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    for (;;) {
      if (state.failure !== undefined) throw new errors.InternalError('transfer stopped after an earlier failure')
      try {
        return await work()
      } catch (err) {
        if (!(err instanceof errors.ApiUnreachableError)) throw err
        if (Date.now() >= options.deadline) throw new errors.PeerTimeoutError(`${what} timed out: the node was still unreachable when the time limit passed (${err.message})`)
        state.retries++
        await sleep(RETRY_DELAY_MS)
      }
    }
  }

  const worker = async (): Promise<void> => {
    while (state.next < ids.length && state.failure === undefined) {
      const index = state.next++
      const id = ids[index] as string
      const ingested = await retrying(`ingest of ${id}`, async () => await sender.request<{ versionHash: string }>('POST', '/records', firearmDraft(id, index)))
      expected.set(id, ingested.versionHash)
      state.ops++

      const shared = await retrying(`share of ${id}`, async () => await sender.request<{ delivery: { status: string } }>('POST', `/records/${encodeURIComponent(id)}/share`, { to: receiver.jurisdiction }))
      if (shared.delivery.status === 'queued') state.queued++
      else state.acknowledged++
      state.ops++
    }
  }

  const killer = async (): Promise<KillEvent[]> => {
    const done: KillEvent[] = []
    for (const [i, step] of options.kills.entries()) {
      while (state.ops < step.afterOps && !state.poolDone && state.failure === undefined) {
        if (Date.now() >= options.deadline) throw new errors.PeerTimeoutError(`timed out before operation ${step.afterOps}, the point of kill ${i + 1}: only ${state.ops} operations completed before the time limit`)
        await sleep(5)
      }
      if (state.failure !== undefined) break
      const node = step.victim === 'sender' ? sender : receiver
      const atMs = Date.now() - started
      const atOps = state.ops
      await node.kill()
      await sleep(step.downtimeMs)
      const restartStarted = Date.now()
      await node.start()
      const event: KillEvent = { ...step, jurisdiction: node.jurisdiction, atMs, restartMs: Date.now() - restartStarted }
      done.push(event)
      options.log(`kill ${i + 1}/${options.kills.length} at ${seconds(atMs)} (operation ${atOps} of ${totalOps}): SIGKILL ${step.victim} ${node.jurisdiction}, down ${seconds(step.downtimeMs)}, restarted in ${seconds(event.restartMs)}`)
    }
    return done
  }

  const fail = (err: unknown): never => {
    state.failure ??= err
    throw err
  }
  const pool = Promise.all(Array.from({ length: options.concurrency }, async () => { await worker().catch(fail) }))
    .finally(() => { state.poolDone = true })
  const [poolOutcome, killOutcome] = await Promise.allSettled([pool, killer().catch(fail)])
  if (state.failure !== undefined) throw state.failure
  if (poolOutcome.status === 'rejected') throw poolOutcome.reason
  if (killOutcome.status === 'rejected') throw killOutcome.reason
  options.log(`all ${options.records} records ingested and shared after ${seconds(Date.now() - started)}`)
  return {
    ids,
    expected,
    acknowledged: state.acknowledged,
    queued: state.queued,
    retries: state.retries,
    kills: killOutcome.value,
    elapsedMs: Date.now() - started
  }
}

interface RecordPage {
  items: Array<{ signed: { record: { id: string, versionHash: string } } }>
  next: string | null
}

/** Calls `visit` for each record of `jurisdiction` at the node with an id after `after`, in id order. */
async function forEachRecord (node: NodeProcess, jurisdiction: string, after: string | undefined, visit: (id: string, versionHash: string) => void): Promise<void> {
  let cursor = after
  // The page count bounds the loop: a node that keeps returning `next` cannot hold it forever.
  for (let page = 0; page < 1_000_000; page++) {
    const query = `jurisdiction=${jurisdiction}&limit=${PAGE_LIMIT}${cursor === undefined ? '' : `&after=${encodeURIComponent(cursor)}`}`
    const result = await node.request<RecordPage>('GET', `/records?${query}`)
    for (const item of result.items) visit(item.signed.record.id, item.signed.record.versionHash)
    if (result.next === null) return
    cursor = result.next
  }
}

/**
 * Waits until the receiver lists every id in `ids` (sorted), and returns false if the deadline
 * passes first. Each check lists only from the first id still missing, so a nearly drained
 * outbox costs a page, not the whole store.
 */
export async function waitForRecords (receiver: NodeProcess, jurisdiction: string, ids: string[], deadline: number): Promise<boolean> {
  const seen = new Set<string>()
  let firstMissing = 0
  while (Date.now() < deadline) {
    await forEachRecord(receiver, jurisdiction, firstMissing === 0 ? undefined : ids[firstMissing - 1], (id) => { seen.add(id) })
    while (firstMissing < ids.length && seen.has(ids[firstMissing] as string)) firstMissing++
    if (firstMissing === ids.length) return true
    await sleep(DRAIN_POLL_MS)
  }
  return false
}

interface PeerEntry {
  jurisdiction: string
  delivery?: { queued: number, acknowledged: number, failures: number, nextAttemptAt?: string, lastError?: string }
}

/** The sender's delivery state for one peer, from its GET /peers. */
export interface OutboxState {
  /** Items after the last sequence number the peer acknowledged. */
  queued: number
  acknowledged: number
  failures: number
  lastError?: string
}

/** Returns the sender's outbox state for `peer`. */
export async function outboxState (sender: NodeProcess, peer: string): Promise<OutboxState> {
  const peers = await sender.request<PeerEntry[]>('GET', '/peers')
  const delivery = peers.find(p => p.jurisdiction === peer)?.delivery
  if (delivery === undefined) throw new errors.PeerUnknownError(`GET /peers of node ${sender.jurisdiction} shows no delivery state for ${peer}`)
  return { queued: delivery.queued, acknowledged: delivery.acknowledged, failures: delivery.failures, ...(delivery.lastError === undefined ? {} : { lastError: delivery.lastError }) }
}

/** Waits until the sender's outbox for `peer` is empty, and returns its last state either way. */
export async function waitForOutbox (sender: NodeProcess, peer: string, deadline: number): Promise<OutboxState> {
  let state = await outboxState(sender, peer)
  while (state.queued > 0 && Date.now() < deadline) {
    await sleep(DRAIN_POLL_MS)
    state = await outboxState(sender, peer)
  }
  return state
}

/** The fields of an audit entry that the checks read. */
export interface AuditEntry {
  seq: number
  event: string
  recordId?: string
  versionHash?: string
  detail?: string
}

interface AuditPage {
  entries: AuditEntry[]
  /** Present on the first page only: the node verifies the whole chain for that page. */
  chainValid?: boolean
}

/** Calls `visit` for every audit entry of the node in order, and returns whether the hash chain verified. */
export async function forEachAuditEntry (node: NodeProcess, visit: (entry: AuditEntry) => void): Promise<boolean> {
  let after = 0
  let chainValid = true
  for (let page = 0; page < 1_000_000; page++) {
    const result = await node.request<AuditPage>('GET', `/audit?after=${after}&limit=${PAGE_LIMIT}`)
    if (result.chainValid !== undefined) chainValid &&= result.chainValid
    for (const entry of result.entries) visit(entry)
    if (result.entries.length < PAGE_LIMIT) break
    after = (result.entries[result.entries.length - 1] as AuditEntry).seq
  }
  return chainValid
}

/** A record version that the receiver's audit log shows as applied more than once. */
export interface DuplicateApplication {
  recordId: string
  versionHash: string
  applied: number
}

export interface DeliveryReport {
  /** Records ingested and shared at the sender. */
  sent: number
  /** Of those, records the receiver stores in the version the sender stored. */
  received: number
  /** Records missing at the receiver. */
  lost: string[]
  /** Records the receiver stores in a version other than the one the sender stored. */
  wrongVersion: string[]
  /** Record versions with more than one `record.received` entry at the receiver. */
  duplicated: DuplicateApplication[]
  /** Records of the sender's jurisdiction at the receiver that no transfer sent. */
  unexpected: number
  /** `record.rejected` entries in the receiver's audit log. */
  rejectedEntries: number
  receiverChainValid: boolean
  senderChainValid: boolean
  /**
   * Problems that the signed audit heads show after an exchange between the two nodes: a
   * mismatch found in the other node's log, a node's own check failing, or an exchange that
   * failed. A SIGKILL must cause none of them.
   */
  auditAlarms: string[]
  /**
   * Deliveries with the result `unchanged`: a batch the receiver had stored before a kill was
   * sent again. Counted from the sender's audit log, only when requested, because paging
   * through a large log takes time.
   */
  redelivered?: number
}

/**
 * Compares the records the receiver stores, and the applications its audit log records, with
 * the records the sender stored. Both nodes must be running.
 */
export async function verifyDelivery (sender: NodeProcess, receiver: NodeProcess, expected: Map<string, string>, options: { countRedeliveries?: boolean } = {}): Promise<DeliveryReport> {
  const stored = new Map<string, string>()
  await forEachRecord(receiver, sender.jurisdiction, undefined, (id, versionHash) => { stored.set(id, versionHash) })

  const lost: string[] = []
  const wrongVersion: string[] = []
  for (const [id, versionHash] of expected) {
    const storedHash = stored.get(id)
    if (storedHash === undefined) lost.push(id)
    else if (storedHash !== versionHash) wrongVersion.push(id)
  }
  const unexpected = Array.from(stored.keys()).filter(id => !expected.has(id)).length

  const applications = new Map<string, number>()
  let rejectedEntries = 0
  const receiverChainValid = await forEachAuditEntry(receiver, (entry) => {
    if (entry.event === 'record.rejected') rejectedEntries++
    if (entry.event !== 'record.received' || entry.recordId === undefined) return
    const key = `${entry.recordId} ${entry.versionHash ?? ''}`
    applications.set(key, (applications.get(key) ?? 0) + 1)
  })
  const duplicated: DuplicateApplication[] = []
  for (const [key, applied] of applications) {
    if (applied < 2) continue
    const [recordId, versionHash] = key.split(' ') as [string, string]
    duplicated.push({ recordId, versionHash, applied })
  }

  let senderChainValid: boolean
  let redelivered: number | undefined
  if (options.countRedeliveries === true) {
    redelivered = 0
    senderChainValid = await forEachAuditEntry(sender, (entry) => {
      // The worker writes `record #<seq>: <result status>` into the detail of each delivery.
      if (entry.event === 'share.delivered' && entry.detail?.endsWith(': unchanged') === true) redelivered = (redelivered ?? 0) + 1
    })
  } else {
    senderChainValid = (await sender.request<AuditPage>('GET', '/audit?limit=1')).chainValid === true
  }
  const auditAlarms = [...await auditHeadAlarms(sender, receiver.jurisdiction), ...await auditHeadAlarms(receiver, sender.jurisdiction)]

  return {
    sent: expected.size,
    received: expected.size - lost.length - wrongVersion.length,
    lost,
    wrongVersion,
    duplicated,
    unexpected,
    rejectedEntries,
    receiverChainValid,
    senderChainValid,
    auditAlarms,
    ...(redelivered === undefined ? {} : { redelivered })
  }
}

interface ExchangeOutcome {
  peer: string
  status: 'consistent' | 'mismatch' | 'failed'
  code?: string
  message?: string
}

interface HeadsStatus {
  checks: { brokenAt?: number }
  peers: Array<{ jurisdiction: string, mismatches: Array<{ seq: number, kind: string, message: string }> }>
}

/** Exchanges signed audit heads with `peer` now and returns every problem the node then reports. */
async function auditHeadAlarms (node: NodeProcess, peer: string): Promise<string[]> {
  const alarms: string[] = []
  const { outcomes } = await node.request<{ outcomes: ExchangeOutcome[] }>('POST', '/audit/heads/exchange', { peers: [peer] })
  for (const outcome of outcomes) {
    if (outcome.status === 'failed') alarms.push(`${node.jurisdiction}: exchange with ${outcome.peer} failed: ${outcome.code ?? ''} ${outcome.message ?? ''}`)
  }
  const status = await node.request<HeadsStatus>('GET', '/audit/heads')
  if (status.checks.brokenAt !== undefined) alarms.push(`${node.jurisdiction}: own audit log fails its check at seq ${status.checks.brokenAt}`)
  for (const mismatch of status.peers.find(p => p.jurisdiction === peer)?.mismatches ?? []) {
    alarms.push(`${node.jurisdiction}: ${mismatch.kind} in the log of ${peer} at seq ${mismatch.seq}: ${mismatch.message}`)
  }
  return alarms
}

/**
 * Returns true when the report shows no lost, wrong, duplicated or unexpected record, both
 * audit chains verify and the signed audit heads show no problem.
 */
export function deliveryIsExact (report: DeliveryReport): boolean {
  return report.lost.length === 0 && report.wrongVersion.length === 0 && report.duplicated.length === 0 &&
    report.unexpected === 0 && report.receiverChainValid && report.senderChainValid && report.auditAlarms.length === 0
}

function seconds (ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}

function formatReport (transfer: TransferResult, report: DeliveryReport, run: { sender: NodeProcess, receiver: NodeProcess, elapsedMs: number, complete: boolean, outbox: OutboxState }): string {
  const sample = (ids: string[]): string => ids.length === 0 ? '' : `  (first: ${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''})`
  const rate = run.elapsedMs > 0 ? report.sent / (run.elapsedMs / 1000) : 0
  return [
    `records sent          ${report.sent}`,
    `records received      ${report.received}`,
    `lost                  ${report.lost.length}${sample(report.lost)}`,
    `duplicated            ${report.duplicated.length}${sample(report.duplicated.map(d => `${d.recordId} x${d.applied}`))}`,
    `wrong version         ${report.wrongVersion.length}${sample(report.wrongVersion)}`,
    `unexpected records    ${report.unexpected}`,
    `rejected (audit)      ${report.rejectedEntries}`,
    `re-delivered          ${report.redelivered ?? 'not counted'} (receiver result unchanged)`,
    `kills                 ${run.sender.jurisdiction} ${run.sender.kills}, ${run.receiver.jurisdiction} ${run.receiver.kills}`,
    `shares                ${transfer.acknowledged} acknowledged (200), ${transfer.queued} queued (202), ${transfer.retries} requests repeated`,
    `audit chains          ${run.sender.jurisdiction} ${report.senderChainValid ? 'valid' : 'BROKEN'}, ${run.receiver.jurisdiction} ${report.receiverChainValid ? 'valid' : 'BROKEN'}`,
    `audit head alarms     ${report.auditAlarms.length}${report.auditAlarms.length === 0 ? '' : `\n  ${report.auditAlarms.slice(0, 10).join('\n  ')}`}`,
    `outbox ${run.receiver.jurisdiction.padEnd(15)}${run.outbox.queued} queued, ${run.outbox.acknowledged} acknowledged${run.outbox.lastError === undefined ? '' : `, last error: ${run.outbox.lastError}`}`,
    `time                  ${seconds(run.elapsedMs)} (${rate.toFixed(0)} records/s end to end)${run.complete ? '' : ', time limit reached before the outbox drained'}`
  ].join('\n')
}

const USAGE = `Usage: node_modules/.bin/node scripts/fault-injection.ts --records N --kills K --seed S [options]
       npm run fault-injection -- --records N --kills K --seed S [options]

Starts a sender (SE) and a receiver (DE) as separate nfp processes in a temporary folder,
ingests and shares N records, kills the sender or the receiver with SIGKILL K times at
seeded-random points and restarts it, then reports lost and duplicated records.
Exits 1 if any record is lost or applied twice, or the run does not finish in time.

Options:
  --records <n>        Records to ingest and share (default 1000).
  --kills <n>          SIGKILLs, alternating between sender and receiver before a seeded shuffle (default 4).
  --seed <n>           Seed of record ids, kill points, victims and downtimes (default 1).
  --duration <s>       Time limit of the whole run in seconds (default 900).
  --concurrency <n>    API requests in flight at once (default 32).
  --max-downtime <ms>  Longest time a killed node stays down before its restart (default 2000).
  --keep               Keep the node folders and logs even when the run succeeds.
  --help, -h           Show this help.`

function integer (values: Record<string, string | boolean | undefined>, name: string, fallback: number, min: number, max: number): number {
  const value = values[name]
  if (value === undefined) return fallback
  if (typeof value !== 'string' || !/^[0-9]+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new RangeError(`--${name} must be an integer from ${min} to ${max}, got ${String(value)}`)
  }
  return Number(value)
}

async function main (argv: string[]): Promise<number> {
  let options
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        records: { type: 'string' },
        kills: { type: 'string' },
        seed: { type: 'string' },
        duration: { type: 'string' },
        concurrency: { type: 'string' },
        'max-downtime': { type: 'string' },
        keep: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' }
      }
    })
    if (values.help === true) {
      console.log(USAGE)
      return 0
    }
    options = {
      records: integer(values, 'records', 1000, 1, 10_000_000),
      kills: integer(values, 'kills', 4, 0, 1000),
      seed: integer(values, 'seed', 1, 0, 2 ** 31),
      durationS: integer(values, 'duration', 900, 1, 86400),
      concurrency: integer(values, 'concurrency', 32, 1, 1000),
      maxDowntimeMs: integer(values, 'max-downtime', 2000, 0, 600000),
      keep: values.keep === true
    }
  } catch (err) {
    console.error(`fault-injection: ${(err as Error).message}\n\n${USAGE}`)
    return 2
  }

  const deadline = Date.now() + options.durationS * 1000
  const root = mkdtempSync(join(tmpdir(), 'nfp-fault-'))
  console.log(`fault injection: ${options.records} records, ${options.kills} kills, seed ${options.seed}, folder ${root}`)
  let nodes = new Map<string, NodeProcess>()
  let exact = false
  try {
    nodes = await createNodeSet({ root, jurisdictions: ['SE', 'DE'] })
    const sender = nodes.get('SE') as NodeProcess
    const receiver = nodes.get('DE') as NodeProcess
    await Promise.all([sender.start(), receiver.start()])
    const kills = planKills({ seed: options.seed, kills: options.kills, totalOps: options.records * 2, maxDowntimeMs: options.maxDowntimeMs })
    const started = Date.now()
    const transfer = await transferWithFaults({
      sender, receiver, idPrefix: `fi${options.seed}`, records: options.records, kills, concurrency: options.concurrency, deadline, log: (line) => { console.log(line) }
    })
    console.log('waiting for the outbox to drain')
    const outbox = await waitForOutbox(sender, receiver.jurisdiction, deadline)
    const complete = outbox.queued === 0 && await waitForRecords(receiver, sender.jurisdiction, transfer.ids, deadline)
    const elapsedMs = Date.now() - started
    const report = await verifyDelivery(sender, receiver, transfer.expected, { countRedeliveries: true })
    console.log(formatReport(transfer, report, { sender, receiver, elapsedMs, complete, outbox }))
    exact = complete && deliveryIsExact(report)
    return exact ? 0 : 1
  } catch (err) {
    console.error(`fault-injection failed: ${err instanceof NfpError ? `${err.code}: ` : ''}${(err as Error).message}`)
    return 1
  } finally {
    await stopAll(nodes.values())
    if (exact && !options.keep) rmSync(root, { recursive: true, force: true })
    else console.log(`node folders and logs kept in ${root}`)
  }
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2))
