/**
 * Nodes and records for the benchmarks. Nodes are real, each with its own LevelDB folder, keys
 * and libp2p host on 127.0.0.1, and run in this process or as `nfp start` processes. Records
 * of about 1 KiB are written to a store in large batches.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { canonicalize, commitRecord, computeVersionHash, signRecordBatch, validateRecord } from '../../protocol/src/index.ts'
import type { AnySignedRecord, NfpRecord, SigningKey } from '../../protocol/src/index.ts'
import { loadConfig } from '../../node/src/config.ts'
import { startNode } from '../../node/src/runtime.ts'
import type { RunningNode } from '../../node/src/runtime.ts'
import { createNodeSet, stopAll } from '../../scripts/node-processes.ts'
import type { NodeProcess } from '../../scripts/node-processes.ts'
import type { CollectionWrite, NodeStore, RecordWrite, StoredRecord } from '../../node/src/store/store.ts'

export { startCluster } from '../../node/test/helpers/cluster.ts'
export type { Cluster } from '../../node/test/helpers/cluster.ts'

/** Records per store commit when seeding. */
const SEED_BATCH = 2000

/** Records under one batch signature when seeding, below the 1,024 that the node's signing queue puts under one root. */
const SIGN_BATCH = 1000

/** Text that pads a Firearm record's canonical form to about 1 KiB. */
const PADDING = 'Seized pistol, serial number partly filed off; grip panels replaced. '.repeat(9)

/** A Firearm record of `jurisdiction` with provenance and version hash, about 1 KiB in canonical form. */
export function benchRecord (jurisdiction: string, localId: string, modified = '2026-12-01T08:00:00.000Z'): NfpRecord {
  const draft: Record<string, unknown> = {
    '@context': 'urn:ceasefire:context:v1',
    id: `urn:nfp:${jurisdiction.toLowerCase()}:firearm:${localId}`,
    type: 'Firearm',
    handlingCode: 'H0',
    grading: { sourceReliability: 'B', informationAccuracy: 2 },
    legalBasis: 'Directive (EU) 2023/977 Art. 7',
    reviewBy: '2099-01-01',
    make: 'Glock',
    model: '17 Gen 4',
    calibre: '9x19mm Parabellum',
    firearmKind: 'pistol',
    serialNumber: `SN-${localId}`,
    description: PADDING.slice(0, 560),
    provenance: { jurisdiction, agency: `${jurisdiction} National Focal Point`, created: modified, modified }
  }
  return validateRecord({ ...draft, versionHash: computeVersionHash(draft) })
}

/** Bytes of a record's canonical form, to state the record size a benchmark used. */
export function canonicalSize (record: NfpRecord): number {
  return Buffer.byteLength(canonicalize(record))
}

/** Options of `seedStore`. */
export interface SeedOptions {
  jurisdiction: string
  total: number
  /** Record ids are `urn:nfp:<jurisdiction>:firearm:<prefix>-<n>`. */
  prefix: string
  /** `received` records are stored as if `from` had sent them to `holder`, with one hop. */
  origin: 'local' | 'received'
  from?: string
  holder?: string
  /** Signs every record with this key (signature version 2); without it, all records carry one placeholder signature. */
  key?: { privateKey: SigningKey, kid: string }
  /** Collection writes to add for each record, such as outbox items and disclosures. */
  writesFor?: (stored: StoredRecord, index: number) => CollectionWrite[]
  onProgress?: (done: number) => void
}

/**
 * Signs records with signature version 2 in batches of SIGN_BATCH under one root each, as a
 * node's signing queue does for records ingested together.
 */
async function signVersion2 (records: NfpRecord[], key: { privateKey: SigningKey, kid: string }, jurisdiction: string): Promise<AnySignedRecord[]> {
  const signed: AnySignedRecord[] = []
  for (let from = 0; from < records.length; from += SIGN_BATCH) {
    const committed = records.slice(from, from + SIGN_BATCH).map(record => {
      const { versionHash: _v1, ...content } = record
      const entry = commitRecord(content)
      validateRecord(entry.record)
      return entry
    })
    signed.push(...await signRecordBatch(committed, key, jurisdiction))
  }
  return signed
}

/**
 * Writes records straight into a store in batches of SEED_BATCH, each with the audit entry
 * ingest or receipt would write, and returns their ids. Without a key, the records carry a
 * placeholder signature, which is enough for benchmarks that never send or verify them.
 */
export async function seedStore (store: NodeStore, options: SeedOptions): Promise<string[]> {
  const ids: string[] = []
  const placeholder = { protected: 'eyJhbGciOiJFZERTQSJ9', signature: 'placeholder' }
  for (let from = 0; from < options.total; from += SEED_BATCH) {
    const records = Array.from({ length: Math.min(SEED_BATCH, options.total - from) }, (_, i) => benchRecord(options.jurisdiction, `${options.prefix}-${from + i}`))
    const key = options.key
    const signed: AnySignedRecord[] = key === undefined
      ? records.map(record => ({ record, signature: placeholder }))
      : await signVersion2(records, key, options.jurisdiction)
    const writes: RecordWrite[] = []
    const collections: CollectionWrite[] = []
    for (const [i, s] of signed.entries()) {
      const received = options.origin === 'received'
      const stored: StoredRecord = {
        signed: s,
        origin: options.origin,
        ...(received ? { receivedFrom: options.from as string } : {}),
        hops: received ? [{ jurisdiction: options.from as string, to: options.holder as string, at: s.record.provenance.modified, batch: 'placeholder', index: 0, proof: [] }] : [],
        storedAt: s.record.provenance.modified
      }
      writes.push({ record: stored, audit: [{ event: received ? 'record.received' : 'record.created', recordId: s.record.id, recordType: s.record.type, versionHash: s.record.versionHash }] })
      collections.push(...(options.writesFor?.(stored, from + i) ?? []))
    }
    await store.commit({ records: writes, writes: collections, audit: [] })
    ids.push(...records.map(r => r.id))
    options.onProgress?.(ids.length)
  }
  return ids
}

/** Writes `total` signed local records into a running node's store; see `seedStore`. */
export async function seedRecords (node: RunningNode, total: number, options: { prefix: string, sign: boolean }): Promise<string[]> {
  const key = { privateKey: node.service.identity.signing.privateKey, kid: node.service.identity.signing.kid }
  return await seedStore(node.service.store, { jurisdiction: node.service.jurisdiction, total, prefix: options.prefix, origin: 'local', ...(options.sign ? { key } : {}) })
}

/** A sender started in this process and receivers run as separate `nfp start` processes. */
export interface ProcessPair {
  sender: RunningNode
  receivers: NodeProcess[]
  close: () => Promise<void>
}

/**
 * Creates a federation of `jurisdictions` and starts the first in this process, so a benchmark
 * can drive and time it directly. The others run as separate processes, as deployed nodes do,
 * and are started unless `startReceivers` is false.
 */
export async function startProcessPair (jurisdictions: string[], options: { startReceivers?: boolean } = {}): Promise<ProcessPair & { root: string }> {
  const root = mkdtempSync(join(tmpdir(), 'nfp-bench-'))
  const nodes = await createNodeSet({ root, jurisdictions, logLevel: 'warn' })
  const receivers = jurisdictions.slice(1).map(j => nodes.get(j) as NodeProcess)
  if (options.startReceivers !== false) await Promise.all(receivers.map(async r => { await r.start() }))
  const senderProcess = nodes.get(jurisdictions[0] as string) as NodeProcess
  const sender = await startNode(loadConfig(senderProcess.configPath), pino({ level: 'silent' }))
  return {
    root,
    sender,
    receivers,
    close: async () => {
      await sender.stop()
      await stopAll(receivers)
      rmSync(root, { recursive: true, force: true })
    }
  }
}
