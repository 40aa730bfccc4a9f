import type { ShareItem, ShareItemResult } from '@ceasefire/protocol'
import type { AuditDraft, CollectionWrite, NodeStore } from '../store/store.ts'

/** One item waiting for, or done with, delivery to one peer. */
export interface OutboxItem {
  seq: number
  peer: string
  item: ShareItem
  recordId: string
  versionHash?: string
  enqueuedAt: string
  status: 'pending' | 'delivered'
  /** The receiver's outcome for the item, from its signed receipt. */
  result?: Pick<ShareItemResult, 'status' | 'code' | 'message'>
  deliveredAt?: string
  messageId?: string
}

/** Sequence state of the sending direction to one peer. */
export interface OutboundCursor {
  /** Sequence number the next enqueued item gets. */
  next: number
  /** Highest sequence number the peer has acknowledged with a receipt. */
  acked: number
}

/** A receipt the sender keeps as proof of delivery. */
export interface StoredReceipt {
  peer: string
  messageId: string
  seqFrom: number
  seqTo: number
  receipt: string
  receivedAt: string
}

/** What the node disclosed to a peer for one record: the basis for updates and revocations. */
export interface Disclosure {
  recordId: string
  peer: string
  versionHash: string
  seq: number
  status: 'queued' | 'delivered' | 'rejected' | 'revoked'
  at: string
}

/** An item to append to a peer's outbox. */
export interface OutboxEntry {
  item: ShareItem
  recordId: string
  versionHash?: string
  /** Records the disclosure of this record version to the peer, the basis for updates and revocations. */
  disclose?: boolean
}

const width = 16

export function itemKey (peer: string, seq: number): string {
  return `out!${peer}!${String(seq).padStart(width, '0')}`
}

export function receiptKey (peer: string, seqTo: number): string {
  return `${peer}!${String(seqTo).padStart(width, '0')}`
}

export function disclosureKey (recordId: string, peer: string): string {
  return `${recordId}!${peer}`
}

export async function readCursor (store: NodeStore, peer: string): Promise<OutboundCursor> {
  return await store.read<OutboundCursor>('cursors', `out!${peer}`) ?? { next: 1, acked: 0 }
}

/**
 * The durable outbox: items are numbered per peer and written in the same batch as their audit
 * entries and disclosure, so an item is either queued with its evidence or not at all. A
 * per-peer lock keeps sequence numbers gap-free when several shares run at once.
 */
export class Outbox {
  readonly #store: NodeStore
  readonly #locks = new Map<string, Promise<unknown>>()

  constructor (store: NodeStore) {
    this.#store = store
  }

  /** Appends an item for a peer and returns its sequence number. */
  async enqueue (peer: string, entry: OutboxEntry, audit: AuditDraft[]): Promise<number> {
    const [seq] = await this.enqueueMany(peer, [{ ...entry, audit }])
    return seq as number
  }

  /**
   * Appends items for a peer in one synced batch, each with its audit entries, and returns
   * their sequence numbers in order.
   */
  async enqueueMany (peer: string, entries: Array<OutboxEntry & { audit: AuditDraft[] }>): Promise<number[]> {
    return await this.#withLock(peer, async () => {
      const cursor = await readCursor(this.#store, peer)
      const now = new Date().toISOString()
      const writes: CollectionWrite[] = []
      const audit: AuditDraft[] = []
      const seqs: number[] = []
      for (const [offset, entry] of entries.entries()) {
        const seq = cursor.next + offset
        seqs.push(seq)
        const item: OutboxItem = { seq, peer, item: entry.item, recordId: entry.recordId, enqueuedAt: now, status: 'pending', ...(entry.versionHash === undefined ? {} : { versionHash: entry.versionHash }) }
        writes.push({ collection: 'delivery', key: itemKey(peer, seq), value: item })
        if (entry.disclose === true && entry.versionHash !== undefined) {
          const disclosure: Disclosure = { recordId: entry.recordId, peer, versionHash: entry.versionHash, seq, status: 'queued', at: now }
          writes.push({ collection: 'disclosures', key: disclosureKey(entry.recordId, peer), value: disclosure })
        }
        audit.push(...entry.audit.map(a => ({ ...a, detail: a.detail ?? `queued as ${peer} #${seq}` })))
      }
      writes.push({ collection: 'cursors', key: `out!${peer}`, value: { ...cursor, next: cursor.next + entries.length } })
      await this.#store.commit({ writes, audit })
      return seqs
    })
  }

  /** Returns up to `limit` pending items for a peer after its acknowledged sequence number, in order. */
  async pending (peer: string, limit: number): Promise<OutboxItem[]> {
    const cursor = await readCursor(this.#store, peer)
    const rows = await this.#store.range<OutboxItem>('delivery', { gt: itemKey(peer, cursor.acked), lt: `out!${peer}!~`, limit })
    return rows.map(([, item]) => item)
  }

  /** Lists a peer's items in sequence order, for operators. */
  async list (peer: string, after: number, limit: number): Promise<OutboxItem[]> {
    const rows = await this.#store.range<OutboxItem>('delivery', { gt: itemKey(peer, after), lt: `out!${peer}!~`, limit })
    return rows.map(([, item]) => item)
  }

  /**
   * Records a receipt: the items it covers become delivered with the receiver's result, the
   * cursor moves to its last sequence number, and the receipt is kept as proof of delivery.
   */
  async acknowledge (peer: string, items: OutboxItem[], results: ShareItemResult[], receipt: StoredReceipt, audit: AuditDraft[]): Promise<void> {
    await this.#withLock(peer, async () => {
      const cursor = await readCursor(this.#store, peer)
      const now = new Date().toISOString()
      const writes: CollectionWrite[] = [
        { collection: 'receipts', key: receiptKey(peer, receipt.seqTo), value: receipt },
        { collection: 'cursors', key: `out!${peer}`, value: { ...cursor, acked: Math.max(cursor.acked, receipt.seqTo) } }
      ]
      const disclosed = new Map(items.filter(i => i.item.kind === 'record' && i.versionHash !== undefined).map(i => [i.seq, disclosureKey(i.recordId, peer)]))
      const keys = [...new Set(disclosed.values())]
      const found = await this.#store.readMany<Disclosure>('disclosures', keys)
      const current = new Map(keys.map((key, i) => [key, found[i]]))
      for (const [index, item] of items.entries()) {
        const result = results.find(r => r.index === index)
        const done: OutboxItem = {
          ...item,
          status: 'delivered',
          deliveredAt: now,
          messageId: receipt.messageId,
          ...(result === undefined ? {} : { result: { status: result.status, ...(result.code === undefined ? {} : { code: result.code }), ...(result.message === undefined ? {} : { message: result.message }) } })
        }
        writes.push({ collection: 'delivery', key: itemKey(peer, item.seq), value: done })
        const key = disclosed.get(item.seq)
        if (key !== undefined && item.versionHash !== undefined) {
          const existing = current.get(key)
          // A later version may already be queued; only the disclosure of this version moves on.
          if (existing === undefined || existing.seq === item.seq) {
            const disclosure: Disclosure = { recordId: item.recordId, peer, versionHash: item.versionHash, seq: item.seq, status: result?.status === 'rejected' ? 'rejected' : 'delivered', at: now }
            writes.push({ collection: 'disclosures', key, value: disclosure })
          }
        }
      }
      await this.#store.commit({ writes, audit })
    })
  }

  async #withLock<T> (peer: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(peer) ?? Promise.resolve()
    const run = previous.then(work, work)
    this.#locks.set(peer, run.catch(() => {}))
    return await run
  }
}
