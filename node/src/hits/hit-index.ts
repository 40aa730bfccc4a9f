import { IDENTIFIER_TYPES, evaluateBlinded, evaluateDirect, generateOprfKey, hitTokensOf, oprfInputOf } from '@ceasefire/protocol'
import type { IdentifierType, NfpRecord } from '@ceasefire/protocol'
import type { Decision } from '../policy/index.ts'
import type { AuditDraft, CollectionWrite, NodeStore, RecordObserver, StoredRecord } from '../store/store.ts'
import { identifiersOf } from './extract.ts'

/** Filter versions whose deltas a node keeps per identifier type; a querier further behind gets the full filter. */
const MAX_DELTAS = 1000

/** Tags per filter page: 500,000 bytes, which base64url-encoded stays below the 1 MiB frame limit. */
export const FILTER_PAGE_TAGS = 100_000

interface IndexEntry {
  type: IdentifierType
  /** Confirm token, lower-case hex. */
  token: string
  /** Filter tag, lower-case hex. */
  tag: string
}

interface RecordEntries {
  /** The jurisdiction that owns the record, returned with a hit. */
  jurisdiction: string
  entries: IndexEntry[]
}

interface TypeState {
  epoch: number
  secretKey: Uint8Array
  version: number
  /** Confirm token to the ids of the records that contain the identifier. */
  tokens: Map<string, Set<string>>
  /** Filter tag to the number of distinct tokens that share it. */
  tagCounts: Map<string, number>
  /** Sorted tags of one version, so that the pages of a full filter fit together. */
  snapshot?: { version: number, tags: string[] }
}

/** A change to the filter of one type in one commit. */
interface FilterDelta { added: string[], removed: string[] }

/**
 * The node's pseudonymised hit index: for each identifier type, an OPRF key and the confirm
 * tokens and filter tags of the identifiers in the records the index policy admits. It follows
 * every record write and deletion through the store's record observer, in the same atomic batch,
 * and keeps a versioned filter with deltas for members. It never stores an identifier in clear.
 */
export class HitIndex {
  readonly #store: NodeStore
  readonly #decide: (record: NfpRecord) => Decision
  readonly #types = new Map<IdentifierType, TypeState>()
  readonly #records = new Map<string, RecordEntries>()

  private constructor (store: NodeStore, decide: (record: NfpRecord) => Decision) {
    this.#store = store
    this.#decide = decide
  }

  /**
   * Loads the index from the store, creating the OPRF key of each type that has none, and
   * registers it as the store's record observer.
   */
  static async open (store: NodeStore, decide: (record: NfpRecord) => Decision): Promise<HitIndex> {
    const index = new HitIndex(store, decide)
    const created: IdentifierType[] = []
    const writes: CollectionWrite[] = []
    for (const type of IDENTIFIER_TYPES) {
      let key = await store.read<{ epoch: number, secretKey: string }>('hit-index', `k!${type}`)
      if (key === undefined) {
        key = { epoch: 1, secretKey: Buffer.from(generateOprfKey()).toString('hex') }
        writes.push({ collection: 'hit-index', key: `k!${type}`, value: { ...key, createdAt: new Date().toISOString() } })
        created.push(type)
      }
      const filter = await store.read<{ version: number }>('hit-index', `f!${type}`)
      index.#types.set(type, { epoch: key.epoch, secretKey: Uint8Array.from(Buffer.from(key.secretKey, 'hex')), version: filter?.version ?? 0, tokens: new Map(), tagCounts: new Map() })
    }
    if (writes.length > 0) {
      // NOTE: the OPRF keys are stored unencrypted in the node's database, unlike its identity keys.
      await store.commit({ writes, audit: [{ event: 'hit.keys-created', detail: `OPRF keys created for ${created.join(', ')}` }] })
    }

    for (const [key, value] of await store.range<RecordEntries>('hit-index', { gte: 'r!', lt: 'r"' })) {
      const recordId = key.slice(2)
      index.#records.set(recordId, value)
      for (const entry of value.entries) index.#add(entry, recordId)
    }
    store.observeRecords((before, after) => index.#observe(before, after))
    return index
  }

  /**
   * Decides every stored record again under the current index policy when `policyHash` differs
   * from the module the index was last built under, such as after a policy change or on the
   * first start with an index. Returns the number of records decided again.
   */
  async rebuildIfPolicyChanged (policyHash: string): Promise<number> {
    const built = await this.#store.read<{ policyHash: string }>('hit-index', 'meta')
    if (built?.policyHash === policyHash) return 0
    // One commit per page, because a synced commit per record (a few ms each) would take over half
    // an hour at a million records.
    let count = 0
    let after: string | undefined
    for (;;) {
      const page = await this.#store.listRecords({ limit: 500, ...(after === undefined ? {} : { after }) })
      if (page.length === 0) break
      await this.#store.commit({ reobserveRecordIds: page.map(stored => stored.signed.record.id), audit: [] })
      count += page.length
      after = page[page.length - 1]!.signed.record.id
    }
    await this.#store.commit({ writes: [{ collection: 'hit-index', key: 'meta', value: { policyHash } }], audit: [{ event: 'hit.index-rebuilt', policyHash, detail: `${count} record(s) decided again` }] })
    return count
  }

  /** Returns the key epoch and filter version of one type. */
  filterState (type: IdentifierType): { epoch: number, version: number } {
    const state = this.#state(type)
    return { epoch: state.epoch, version: state.version }
  }

  /** Returns the number of index entries (identifier and record pairs) of one type. */
  size (type: IdentifierType): number {
    let count = 0
    for (const records of this.#state(type).tokens.values()) count += records.size
    return count
  }

  /**
   * Evaluates a querier's blinded element with the key of `type`.
   *
   * @throws HitElementInvalidError when the element is not a valid ristretto255 encoding.
   */
  evaluate (type: IdentifierType, blinded: Uint8Array): { evaluated: Uint8Array, epoch: number, version: number } {
    const state = this.#state(type)
    return { evaluated: evaluateBlinded(state.secretKey, blinded), epoch: state.epoch, version: state.version }
  }

  /** Returns the records whose identifier has this confirm token, with the jurisdiction owning each. */
  lookup (type: IdentifierType, token: string): Array<{ recordId: string, jurisdiction: string }> {
    const records = this.#state(type).tokens.get(token)
    if (records === undefined) return []
    return [...records].map(recordId => ({ recordId, jurisdiction: this.#records.get(recordId)?.jurisdiction ?? '' }))
  }

  /** Returns one page of the full filter of `type` at its current version. */
  filterPage (type: IdentifierType, offset: number): { tags: string[], total: number, version: number } {
    const state = this.#state(type)
    if (state.snapshot?.version !== state.version) state.snapshot = { version: state.version, tags: [...state.tagCounts.keys()].sort() }
    const tags = state.snapshot.tags
    return { tags: tags.slice(offset, offset + FILTER_PAGE_TAGS), total: tags.length, version: state.version }
  }

  /**
   * Returns the net change of the filter of `type` since `version`, or undefined when the deltas
   * are no longer kept or the change exceeds one page, so the querier must load the full filter.
   */
  async deltaSince (type: IdentifierType, version: number): Promise<FilterDelta & { version: number } | undefined> {
    const state = this.#state(type)
    if (version > state.version || version < state.version - MAX_DELTAS) return undefined
    const deltas = await this.#store.range<FilterDelta>('hit-index', { gt: deltaKey(type, version), lte: deltaKey(type, state.version) })
    if (deltas.length !== state.version - version) return undefined
    const added = new Set<string>()
    const removed = new Set<string>()
    for (const [, delta] of deltas) {
      for (const tag of delta.added) if (!removed.delete(tag)) added.add(tag)
      for (const tag of delta.removed) if (!added.delete(tag)) removed.add(tag)
    }
    if (added.size + removed.size > FILTER_PAGE_TAGS) return undefined
    return { added: [...added], removed: [...removed], version: state.version }
  }

  /**
   * Computes the index writes for one record change: entries of the old version out, entries
   * of the new version in when the index policy permits, and a filter delta per changed type.
   */
  #observe (before: StoredRecord | undefined, after: StoredRecord | undefined): ReturnType<RecordObserver> {
    const recordId = (after ?? before)!.signed.record.id
    const old = this.#records.get(recordId)
    const audit: AuditDraft[] = []
    let next: RecordEntries | undefined
    if (after !== undefined) {
      const record = after.signed.record
      const { identifiers } = identifiersOf(record as unknown as Record<string, unknown>)
      if (identifiers.length > 0) {
        const decision = this.#decide(record)
        audit.push({ event: 'hit.index', recordId, recordType: record.type, decision: decision.effect, policyHash: decision.module.hash, rules: decision.reasons.map(reason => reason.ruleId), detail: `${identifiers.length} identifier(s)` })
        if (decision.effect === 'permit') {
          next = { jurisdiction: record.provenance.jurisdiction, entries: identifiers.map(identifier => this.#entryOf(identifier.type, oprfInputOf(identifier))) }
        }
      }
    }
    if (old === undefined && next === undefined && audit.length === 0) return undefined

    const removed = (old?.entries ?? []).filter(entry => !next?.entries.some(other => sameEntry(entry, other)))
    const added = (next?.entries ?? []).filter(entry => !old?.entries.some(other => sameEntry(entry, other)))
    const writes: CollectionWrite[] = [{ collection: 'hit-index', key: `r!${recordId}`, ...(next === undefined || next.entries.length === 0 ? {} : { value: next }) }]
    const versions = new Map<IdentifierType, number>()
    for (const type of new Set([...removed, ...added].map(entry => entry.type))) {
      const delta = this.#filterDelta(type, recordId, removed.filter(entry => entry.type === type), added.filter(entry => entry.type === type))
      if (delta.added.length === 0 && delta.removed.length === 0) continue
      const version = this.#state(type).version + 1
      versions.set(type, version)
      writes.push({ collection: 'hit-index', key: deltaKey(type, version), value: delta })
      writes.push({ collection: 'hit-index', key: `f!${type}`, value: { version } })
      if (version > MAX_DELTAS) writes.push({ collection: 'hit-index', key: deltaKey(type, version - MAX_DELTAS) })
    }

    return {
      writes,
      audit,
      applied: () => {
        for (const entry of removed) this.#remove(entry, recordId)
        for (const entry of added) this.#add(entry, recordId)
        if (next === undefined || next.entries.length === 0) this.#records.delete(recordId)
        else this.#records.set(recordId, next)
        for (const [type, version] of versions) this.#state(type).version = version
      }
    }
  }

  /** Computes the tags that appear or disappear when this record's entries change. */
  #filterDelta (type: IdentifierType, recordId: string, removed: IndexEntry[], added: IndexEntry[]): FilterDelta {
    const state = this.#state(type)
    const counts = new Map<string, number>()
    const count = (tag: string): number => counts.get(tag) ?? state.tagCounts.get(tag) ?? 0
    const remaining = new Map<string, Set<string>>()
    const recordsOf = (token: string): Set<string> => remaining.get(token) ?? new Set(state.tokens.get(token))
    for (const entry of removed) {
      const records = recordsOf(entry.token)
      records.delete(recordId)
      remaining.set(entry.token, records)
      if (records.size === 0) counts.set(entry.tag, count(entry.tag) - 1)
    }
    for (const entry of added) {
      const records = recordsOf(entry.token)
      if (records.size === 0) counts.set(entry.tag, count(entry.tag) + 1)
      records.add(recordId)
      remaining.set(entry.token, records)
    }
    const delta: FilterDelta = { added: [], removed: [] }
    for (const [tag, value] of counts) {
      const before = state.tagCounts.get(tag) ?? 0
      if (before === 0 && value > 0) delta.added.push(tag)
      if (before > 0 && value === 0) delta.removed.push(tag)
    }
    return delta
  }

  #entryOf (type: IdentifierType, input: Uint8Array): IndexEntry {
    const { tag, token } = hitTokensOf(evaluateDirect(this.#state(type).secretKey, input))
    return { type, token: Buffer.from(token).toString('hex'), tag: Buffer.from(tag).toString('hex') }
  }

  #add (entry: IndexEntry, recordId: string): void {
    const state = this.#state(entry.type)
    let records = state.tokens.get(entry.token)
    if (records === undefined) {
      records = new Set()
      state.tokens.set(entry.token, records)
      state.tagCounts.set(entry.tag, (state.tagCounts.get(entry.tag) ?? 0) + 1)
    }
    records.add(recordId)
  }

  #remove (entry: IndexEntry, recordId: string): void {
    const state = this.#state(entry.type)
    const records = state.tokens.get(entry.token)
    if (records === undefined) return
    records.delete(recordId)
    if (records.size > 0) return
    state.tokens.delete(entry.token)
    const count = (state.tagCounts.get(entry.tag) ?? 1) - 1
    if (count === 0) state.tagCounts.delete(entry.tag)
    else state.tagCounts.set(entry.tag, count)
  }

  #state (type: IdentifierType): TypeState {
    const state = this.#types.get(type)
    if (state === undefined) throw new Error(`hit index has no state for identifier type ${type}`)
    return state
  }
}

function sameEntry (a: IndexEntry, b: IndexEntry): boolean {
  return a.type === b.type && a.token === b.token
}

function deltaKey (type: IdentifierType, version: number): string {
  return `d!${type}!${String(version).padStart(12, '0')}`
}
