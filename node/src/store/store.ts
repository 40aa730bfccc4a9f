import { createHash } from 'node:crypto'
import { Level } from 'level'
import { canonicalize, errors } from '@ceasefire/protocol'
import type { AnySignedRecord, Hop } from '@ceasefire/protocol'

/** A part of a record that a holder removed after the originator signed it. */
export interface RemovedField {
  /** JSON Pointer of the disclosure unit, as the version 2 signature names it. */
  path: string
  /** Jurisdiction whose signed hop declares the removal; absent when no hop does. */
  by?: string
}

/** A record as this node keeps it: the signed original plus how it got here. */
export interface StoredRecord {
  signed: AnySignedRecord
  origin: 'local' | 'received'
  receivedFrom?: string
  /** Nodes the record passed through before reaching this one, originator first. */
  hops: Hop[]
  /** Units removed from the record on its way here; absent when nothing was removed. */
  removed?: RemovedField[]
  storedAt: string
}

/** Audit entry as a caller writes it; the store adds sequence number, time and chain hashes. */
export interface AuditDraft {
  event: string
  recordId?: string
  recordType?: string
  versionHash?: string
  peer?: string
  messageId?: string
  decision?: string
  /** Hash of the policy module version that decided. */
  policyHash?: string
  /** Who asked for the operation: the operator named in the request, or the node itself. */
  actor?: string
  /** Legal basis of the record disclosed, as the record states it. */
  legalBasis?: string
  rules?: string[]
  removedFields?: string[]
  code?: string
  detail?: string
}

export interface AuditEntry extends AuditDraft {
  seq: number
  at: string
  prevHash: string
  hash: string
}

export interface InboxEntry {
  seq: number
  messageId: string
  sender: string
  receivedAt: string
  results: Array<{ id?: string, status: string, code?: string }>
}

export interface RecordFilter {
  type?: string
  jurisdiction?: string
  after?: string
  limit: number
}

/** Sublevels that modules other than the store keep their state in. */
export const COLLECTIONS = ['delivery', 'receipts', 'disclosures', 'cursors', 'quarantine', 'requests', 'cases', 'request-outbox', 'request-inbox', 'copies', 'proposals', 'hit-index', 'hits', 'links', 'link-blocks', 'triage'] as const
export type CollectionName = typeof COLLECTIONS[number]

/**
 * A put (with `value`) or a delete (without) in one of the collections. With `update`, the
 * value put is computed from the stored one inside the commit queue, so concurrent commits
 * cannot lose each other's change (used for counters such as cursors).
 */
export interface CollectionWrite {
  collection: CollectionName
  key: string
  value?: unknown
  update?: (current: any) => unknown
}

/**
 * One record of a multi-record commit, with the audit entries that belong to it. When its
 * precondition throws, neither the record nor its audit entries are written, and the rest of
 * the commit goes ahead.
 */
export interface RecordWrite {
  /** Absent for an entry that only adds audit entries, such as a denied record. */
  record?: StoredRecord
  precondition?: (existing: StoredRecord | undefined) => void
  audit: AuditDraft[]
}

/** Changes that one `commit` writes atomically. */
export interface Commit {
  record?: StoredRecord
  /**
   * Records written in the same batch, in order. A later entry is checked against the version an
   * earlier one wrote, and their audit entries come before `audit` in the log.
   */
  records?: RecordWrite[]
  /**
   * Called after the preconditions ran, with the error each `records` entry was skipped for
   * (undefined when it was written). Returns audit entries that follow `audit`, such as a summary
   * of the skipped entries, and the inbox entry when it depends on them.
   */
  complete?: (skipped: Array<unknown | undefined>) => { audit: AuditDraft[], inbox?: Omit<InboxEntry, 'seq'> }
  /** Removes a stored record and its index entries. */
  deleteRecordId?: string
  /** Runs the record observer again for this stored record, unchanged, as when the hit index policy changed. */
  reobserveRecordId?: string
  /** Runs the record observer again for each of these stored records, as `reobserveRecordId` does for one. */
  reobserveRecordIds?: string[]
  writes?: CollectionWrite[]
  /**
   * Runs inside the commit queue with the stored version of `record`, before anything is
   * written; throwing aborts the commit. Checks against the stored version belong here, so no
   * other commit can change it between the check and the write.
   */
  precondition?: (existing: StoredRecord | undefined) => void
  inbox?: Omit<InboxEntry, 'seq'>
  audit: AuditDraft[]
  /**
   * False for work that may be lost in a crash and done again, such as a page of a hit index
   * rebuild. The batch is then not synced, which spares a disk flush. LevelDB applies batches
   * in order, so a crash loses only the last unsynced ones, never one before a synced batch.
   */
  durable?: boolean
}

type Json = Record<string, unknown>

/** Writes and audit entries that a record observer adds to a commit. */
export interface ObservedChange { writes: CollectionWrite[], audit: AuditDraft[], applied: () => void }

/**
 * Called inside `commit` for every stored record that is written or deleted, one call at a time,
 * with the stored version before and after. It returns writes and audit entries that go into the
 * same atomic batch, and `applied`, which runs once the batch is on disk. `batch` is one object
 * per commit, the same for every call of that commit, so an observer can see what earlier
 * records of the same commit changed. Throwing or rejecting aborts the commit.
 */
export type RecordObserver = (before: StoredRecord | undefined, after: StoredRecord | undefined, batch: object) =>
  ObservedChange | undefined | Promise<ObservedChange | undefined>

const GENESIS_HASH = 'sha256:' + '0'.repeat(64)

/**
 * Table files LevelDB keeps open. On 64-bit systems LevelDB maps each open table file into
 * memory, and every page read stays resident (as file pages, which the kernel can drop) until
 * the file is closed. LevelDB raises any value below 74 to 74, which keeps 64 tables of about
 * 2 MiB open, so this bounds that part of RSS to about 130 MiB. The classic-level default of
 * 1,000 let the audit check of a million-record store map about 500 MiB.
 */
const MAX_OPEN_FILES = 74

/** LevelDB's block cache of uncompressed blocks; 8 MiB is the classic-level default, stated so it stays bounded. */
const BLOCK_CACHE_BYTES = 8 * 1024 * 1024

/**
 * The node's LevelDB database, with sublevels for records, indexes, inbox, audit log and the
 * collections of the delivery code (outbox, cursors, receipts, disclosures). Every change goes
 * through `commit`, one atomic batch at a time, so a record is never
 * stored without its index and audit entries, and the audit hash chain follows commit order.
 */
export class NodeStore {
  readonly #db: Level<string, Json>
  readonly #records
  readonly #index
  readonly #inbox
  readonly #audit
  readonly #collections = new Map<CollectionName, any>()
  #auditSeq = 0
  #auditHead = GENESIS_HASH
  #inboxSeq = 0
  #queue: Promise<unknown> = Promise.resolve()
  #observer: RecordObserver | undefined

  private constructor (db: Level<string, Json>) {
    this.#db = db
    this.#records = db.sublevel<string, Json>('records', { valueEncoding: 'json' })
    this.#index = db.sublevel<string, string>('index', { valueEncoding: 'utf8' })
    this.#inbox = db.sublevel<string, Json>('inbox', { valueEncoding: 'json' })
    this.#audit = db.sublevel<string, Json>('audit', { valueEncoding: 'json' })
    for (const name of COLLECTIONS) this.#collections.set(name, db.sublevel<string, Json>(name, { valueEncoding: 'json' }))
  }

  /** Sets the observer that derived indexes (the hit index) use to follow record changes. */
  observeRecords (observer: RecordObserver | undefined): void {
    this.#observer = observer
  }

  /** Reads one value of a collection. */
  async read<T> (collection: CollectionName, key: string): Promise<T | undefined> {
    return await this.#collections.get(collection).get(key) as T | undefined
  }

  /** Reads several values of a collection in one request, in the order of `keys`. */
  async readMany<T> (collection: CollectionName, keys: string[]): Promise<Array<T | undefined>> {
    if (keys.length === 0) return []
    return await this.#collections.get(collection).getMany(keys) as Array<T | undefined>
  }

  /** Reads a key range of a collection in key order. */
  async range<T> (collection: CollectionName, range: { gt?: string, gte?: string, lt?: string, lte?: string, limit?: number, reverse?: boolean }): Promise<Array<[string, T]>> {
    return await this.#collections.get(collection).iterator(range).all() as Array<[string, T]>
  }

  /** Opens (or creates) the database in `path` and reads the current heads of its logs. */
  static async open (path: string): Promise<NodeStore> {
    const db = new Level<string, Json>(path, { valueEncoding: 'json', maxOpenFiles: MAX_OPEN_FILES, cacheSize: BLOCK_CACHE_BYTES })
    try {
      await db.open()
    } catch (err) {
      throw new errors.StoreFailureError(`cannot open database \`${path}\`: ${(err as Error).message}; is another node using this data folder?`, { cause: err })
    }
    const store = new NodeStore(db)
    await store.#readHeads()
    return store
  }

  async close (): Promise<void> {
    await this.#queue.catch(() => {})
    await this.#db.close()
  }

  async getRecord (id: string): Promise<StoredRecord | undefined> {
    return await this.#records.get(id) as StoredRecord | undefined
  }

  /** Reads several stored records in one request; ids not stored are missing from the map. */
  async getRecords (ids: readonly string[]): Promise<Map<string, StoredRecord>> {
    if (ids.length === 0) return new Map()
    const values = await this.#records.getMany([...ids]) as unknown as Array<StoredRecord | undefined>
    return new Map(ids.flatMap((id, i) => values[i] === undefined ? [] : [[id, values[i]]]))
  }

  /** Lists records in id order, through the type or jurisdiction index when one is given. */
  async listRecords (filter: RecordFilter): Promise<StoredRecord[]> {
    const out: StoredRecord[] = []
    const prefix = filter.type !== undefined
      ? `type!${filter.type}!`
      : filter.jurisdiction !== undefined ? `jur!${filter.jurisdiction}!` : undefined

    if (prefix === undefined) {
      const range = filter.after === undefined ? {} : { gt: filter.after }
      for await (const value of this.#records.values(range)) {
        out.push(value as unknown as StoredRecord)
        if (out.length >= filter.limit) break
      }
      return out
    }

    const gt = filter.after === undefined ? prefix : prefix + filter.after
    for await (const key of this.#index.keys({ gt, lt: prefix + '\uffff' })) {
      const stored = await this.getRecord(key.slice(prefix.length))
      if (stored === undefined) continue
      if (filter.jurisdiction !== undefined && stored.signed.record.provenance.jurisdiction !== filter.jurisdiction) continue
      out.push(stored)
      if (out.length >= filter.limit) break
    }
    return out
  }

  /** Lists up to `limit` record ids in order, after `after` when it is given, without reading the records. */
  async listRecordIds (after: string | undefined, limit: number): Promise<string[]> {
    return await this.#records.keys({ ...(after === undefined ? {} : { gt: after }), limit }).all()
  }

  /** Lists received records whose review-or-delete date is before `date` (YYYY-MM-DD). */
  async listExpired (date: string, limit: number): Promise<StoredRecord[]> {
    const out: StoredRecord[] = []
    for await (const key of this.#index.keys({ gt: 'review!', lt: `review!${date}`, limit })) {
      const stored = await this.getRecord(key.slice(key.lastIndexOf('!') + 1))
      if (stored !== undefined) out.push(stored)
    }
    return out
  }

  async countRecords (): Promise<number> {
    let n = 0
    for await (const _ of this.#records.keys()) n++
    return n
  }

  /**
   * Writes records, an inbox entry, collection writes and audit entries in one atomic, synced
   * batch. `skipped` holds, per `records` entry, the error its precondition threw.
   */
  async commit (change: Commit): Promise<{ audit: AuditEntry[], skipped: Array<unknown | undefined> }> {
    return await this.#serialise(async () => await this.#commit(change))
  }

  async listAudit (after: number, limit: number): Promise<AuditEntry[]> {
    return await this.#audit.values({ gt: seqKey(after), limit }).all() as unknown as AuditEntry[]
  }

  /** Recomputes the audit hash chain; returns the first sequence number that does not verify, or undefined. */
  async verifyAuditChain (): Promise<number | undefined> {
    let prev = GENESIS_HASH
    for await (const value of this.#audit.values()) {
      const entry = value as unknown as AuditEntry
      const { hash, ...rest } = entry
      if (entry.prevHash !== prev || hashEntry(rest) !== hash) return entry.seq
      prev = hash
    }
    return undefined
  }

  /**
   * Returns two sublevels for the signed audit heads: `heads`, where they are kept, and
   * `auditText`, a read view of the audit log as JSON text, so a chain check can report an entry
   * that no longer parses. Writes to these bypass `commit`; only `heads` is ever written.
   */
  auditHeadsLevels () {
    return {
      heads: this.#db.sublevel<string, unknown>('audit-heads', { valueEncoding: 'json' }),
      auditText: this.#db.sublevel<string, string>('audit', { valueEncoding: 'utf8' })
    }
  }

  async listInbox (after: number, limit: number): Promise<InboxEntry[]> {
    return await this.#inbox.values({ gt: seqKey(after), limit }).all() as unknown as InboxEntry[]
  }

  async #commit (change: Commit): Promise<{ audit: AuditEntry[], skipped: Array<unknown | undefined> }> {
    const ops: Array<{ type: 'put', sublevel: any, key: string, value: unknown }> = []
    const observed: ObservedChange[] = []
    const batch = {}
    const observe = async (before: StoredRecord | undefined, after: StoredRecord | undefined): Promise<void> => {
      if (this.#observer === undefined) return
      const result = await this.#observer(before, after, batch)
      if (result !== undefined) observed.push(result)
    }

    if (change.record !== undefined) {
      const existing = await this.getRecord(change.record.signed.record.id)
      change.precondition?.(existing)
      ops.push(...this.#recordOps(change.record, existing))
      await observe(existing, change.record)
    }

    // Versions written earlier in this batch, so a later entry for the same id is checked against them.
    const written = new Map<string, StoredRecord>()
    const ids = [...new Set((change.records ?? []).flatMap(entry => entry.record === undefined ? [] : [entry.record.signed.record.id]))]
    const stored = ids.length === 0 ? [] : await this.#records.getMany(ids)
    const before = new Map(ids.map((id, i) => [id, stored[i] as unknown as StoredRecord | undefined]))
    const drafts: AuditDraft[] = []
    const skipped: Array<unknown | undefined> = []
    for (const entry of change.records ?? []) {
      if (entry.record === undefined) {
        drafts.push(...entry.audit)
        skipped.push(undefined)
        continue
      }
      const id = entry.record.signed.record.id
      const existing = written.get(id) ?? before.get(id)
      try {
        entry.precondition?.(existing)
        ops.push(...this.#recordOps(entry.record, existing))
      } catch (err) {
        skipped.push(err)
        continue
      }
      await observe(existing, entry.record)
      written.set(id, entry.record)
      drafts.push(...entry.audit)
      skipped.push(undefined)
    }
    const completion = change.complete?.(skipped)
    drafts.push(...change.audit, ...(completion?.audit ?? []))

    if (change.deleteRecordId !== undefined) {
      const existing = await this.getRecord(change.deleteRecordId)
      if (existing !== undefined) {
        const record = existing.signed.record
        ops.push({ type: 'del', sublevel: this.#records, key: record.id } as any)
        ops.push({ type: 'del', sublevel: this.#index, key: `type!${record.type}!${record.id}` } as any)
        ops.push({ type: 'del', sublevel: this.#index, key: `jur!${record.provenance.jurisdiction}!${record.id}` } as any)
        if (existing.origin === 'received') ops.push({ type: 'del', sublevel: this.#index, key: reviewKey(existing) } as any)
        await observe(existing, undefined)
      }
    }

    if (change.reobserveRecordId !== undefined) {
      const existing = await this.getRecord(change.reobserveRecordId)
      if (existing !== undefined) await observe(existing, existing)
    }
    const reobserved = change.reobserveRecordIds ?? []
    if (reobserved.length > 0) {
      for (const existing of await this.#records.getMany(reobserved) as unknown as Array<StoredRecord | undefined>) {
        if (existing !== undefined) await observe(existing, existing)
      }
    }

    for (const write of [...change.writes ?? [], ...observed.flatMap(result => result.writes)]) {
      const sublevel = this.#collections.get(write.collection)
      const value = write.update === undefined ? write.value : write.update(await sublevel.get(write.key))
      ops.push(value === undefined
        ? { type: 'del', sublevel, key: write.key } as any
        : { type: 'put', sublevel, key: write.key, value })
    }

    let inboxSeq: number | undefined
    const inbox = completion?.inbox ?? change.inbox
    if (inbox !== undefined) {
      inboxSeq = this.#inboxSeq + 1
      ops.push({ type: 'put', sublevel: this.#inbox, key: seqKey(inboxSeq), value: { ...inbox, seq: inboxSeq } })
    }

    let seq = this.#auditSeq
    let head = this.#auditHead
    const entries: AuditEntry[] = []
    for (const draft of [...drafts, ...observed.flatMap(result => result.audit)]) {
      seq++
      const unhashed = { ...stripUndefined(draft), seq, at: new Date().toISOString(), prevHash: head }
      const entry = { ...unhashed, hash: hashEntry(unhashed) } as AuditEntry
      head = entry.hash
      entries.push(entry)
      ops.push({ type: 'put', sublevel: this.#audit, key: seqKey(seq), value: entry })
    }

    try {
      // sync makes the batch durable before the caller reports it as stored to a peer.
      await this.#db.batch(ops as any, { sync: change.durable !== false })
    } catch (err) {
      throw new errors.StoreFailureError(`database write failed: ${(err as Error).message}`, { cause: err })
    }

    // Heads move only after the batch is on disk, so a failed write leaves no gap in the chain.
    this.#auditSeq = seq
    this.#auditHead = head
    if (inboxSeq !== undefined) this.#inboxSeq = inboxSeq
    for (const result of observed) result.applied()
    return { audit: entries, skipped }
  }

  /**
   * Returns the batch operations that store a record with its type, jurisdiction and review
   * index entries over `existing`.
   *
   * @throws RecordInvalidError when the record would change the type it is stored as.
   */
  #recordOps (stored: StoredRecord, existing: StoredRecord | undefined): any[] {
    const record = stored.signed.record
    if (existing !== undefined && existing.signed.record.type !== record.type) {
      throw new errors.RecordInvalidError(`record \`${record.id}\` is stored as ${existing.signed.record.type} and cannot change type to ${record.type}`, { field: 'type' })
    }
    const ops: any[] = [
      { type: 'put', sublevel: this.#records, key: record.id, value: stored },
      { type: 'put', sublevel: this.#index, key: `type!${record.type}!${record.id}`, value: '' },
      { type: 'put', sublevel: this.#index, key: `jur!${record.provenance.jurisdiction}!${record.id}`, value: '' }
    ]
    if (existing?.origin === 'received') ops.push({ type: 'del', sublevel: this.#index, key: reviewKey(existing) })
    // Only received records are deleted at their review date; the originator reviews its own.
    if (stored.origin === 'received') ops.push({ type: 'put', sublevel: this.#index, key: reviewKey(stored), value: '' })
    return ops
  }

  async #readHeads (): Promise<void> {
    const [lastAudit] = await this.#audit.values({ reverse: true, limit: 1 }).all()
    if (lastAudit !== undefined) {
      this.#auditSeq = (lastAudit as unknown as AuditEntry).seq
      this.#auditHead = (lastAudit as unknown as AuditEntry).hash
    }
    const [lastInbox] = await this.#inbox.keys({ reverse: true, limit: 1 }).all()
    if (lastInbox !== undefined) this.#inboxSeq = Number(lastInbox)
  }

  async #serialise<T> (work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work)
    this.#queue = run.catch(() => {})
    return await run
  }
}

function reviewKey (stored: StoredRecord): string {
  return `review!${stored.signed.record.reviewBy}!${stored.signed.record.id}`
}

function seqKey (seq: number): string {
  return String(seq).padStart(16, '0')
}

function hashEntry (entry: object): string {
  return 'sha256:' + createHash('sha256').update(canonicalize(entry)).digest('hex')
}

function stripUndefined<T extends object> (value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T
}
