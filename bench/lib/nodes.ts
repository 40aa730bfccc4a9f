/**
 * Nodes and records for the benchmarks: real nodes started in this process (each with its own
 * LevelDB folder, keys and libp2p host on 127.0.0.1), and records of about 1 KiB written to a
 * store in large batches.
 */
import { canonicalize, computeVersionHash, signRecord, validateRecord } from '../../protocol/src/index.ts'
import type { NfpRecord, SignedRecord } from '../../protocol/src/index.ts'
import type { RunningNode } from '../../node/src/runtime.ts'
import type { RecordWrite, StoredRecord } from '../../node/src/store/store.ts'

export { startCluster } from '../../node/test/helpers/cluster.ts'
export type { Cluster } from '../../node/test/helpers/cluster.ts'

/** Records per store commit when seeding. */
const SEED_BATCH = 2000

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

/**
 * Writes `total` local records (ids `<prefix>-<n>`) into a node's store in batches, each with
 * its `record.created` audit entry, as ingest would. With `sign`, each record carries a real
 * signature; otherwise all carry the signature of the first record, which is enough for
 * benchmarks that never send or verify these records.
 */
export async function seedRecords (node: RunningNode, total: number, options: { prefix: string, sign: boolean, onProgress?: (done: number) => void }): Promise<string[]> {
  const jurisdiction = node.service.jurisdiction
  const key = { privateKey: node.service.identity.signing.privateKey, kid: node.service.identity.signing.kid }
  const ids: string[] = []
  let placeholder: SignedRecord['signature'] | undefined
  for (let from = 0; from < total; from += SEED_BATCH) {
    const records = Array.from({ length: Math.min(SEED_BATCH, total - from) }, (_, i) => benchRecord(jurisdiction, `${options.prefix}-${from + i}`))
    const signed = options.sign
      ? await Promise.all(records.map(async record => await signRecord(record, key)))
      : await Promise.all(records.map(async record => {
        placeholder ??= (await signRecord(record, key)).signature
        return { record, signature: placeholder }
      }))
    const writes: RecordWrite[] = signed.map(s => {
      const stored: StoredRecord = { signed: s, origin: 'local', hops: [], storedAt: s.record.provenance.modified }
      return { record: stored, audit: [{ event: 'record.created', recordId: s.record.id, recordType: s.record.type, versionHash: s.record.versionHash }] }
    })
    await node.service.store.commit({ records: writes, audit: [] })
    ids.push(...records.map(r => r.id))
    options.onProgress?.(ids.length)
  }
  return ids
}

/** Waits until every item queued for `peer` up to `seq` is acknowledged, or throws after `timeoutMs`. */
export async function waitDelivered (node: RunningNode, peer: string, seq: number, timeoutMs: number): Promise<void> {
  const done = await node.service.delivery.waitFor(peer, seq, timeoutMs)
  if (done !== undefined) return
  const cursor = await node.service.store.read<{ acked: number }>('cursors', `out!${peer}`)
  if ((cursor?.acked ?? 0) >= seq) return
  throw new Error(`items to ${peer} up to #${seq} were not acknowledged within ${timeoutMs} ms (acknowledged through #${cursor?.acked ?? 0})`)
}
