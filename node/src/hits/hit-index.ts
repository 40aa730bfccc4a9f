import { FILTER_TAG_BYTES, IDENTIFIER_TYPES, evaluateBlinded, evaluateDirect, generateOprfKey, hitTokensOf, oprfInputOf } from '@ceasefire/protocol'
import type { IdentifierType, NfpRecord } from '@ceasefire/protocol'
import type { Decision } from '../policy/index.ts'
import type { AuditDraft, CollectionWrite, NodeStore, ObservedChange, StoredRecord } from '../store/store.ts'
import { CountedSet } from './counted-set.ts'
import { identifiersOf } from './extract.ts'

/** Filter versions whose deltas a node keeps per identifier type; a querier further behind gets the full filter. */
const MAX_DELTAS = 1000

/** Tags per filter page: 500,000 bytes, which base64url-encoded stays below the 1 MiB frame limit. */
export const FILTER_PAGE_TAGS = 100_000

/** Entries read per database request while the filters are loaded. */
const LOAD_PAGE = 1000

/** Layout of the index in the database; 2 adds the `t!` token entries that `lookup` reads. */
const LAYOUT = 2

/** Records decided again per commit of a rebuild. */
const REBUILD_PAGE = 250

/** Hex digits of a confirm token kept in memory: 48 bits, which a double represents exactly. */
const TOKEN_PREFIX_DIGITS = 12

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

/** Value of a `t!<type>!<token>!<record id>` entry. */
interface TokenEntry {
  tag: string
  jurisdiction: string
}

interface TypeState {
  epoch: number
  secretKey: Uint8Array
  version: number
  /** Filter tag to the number of distinct tokens that share it; its members are the filter. */
  tags: CountedSet
  /**
   * First 48 bits of each confirm token to the number of index entries with that prefix. A
   * prefix with count 0 means the token is not in the index. Any other count means it may be,
   * so the token entries in the database decide.
   */
  tokens: CountedSet
  /** Index entries (identifier and record pairs). */
  entries: number
  /** Sorted tags of one version, so that the pages of a full filter fit together. */
  snapshot?: { version: number, tags: Float64Array }
}

/** A change to the filter of one type in one commit. */
interface FilterDelta { added: string[], removed: string[] }

/** Changes of the records observed so far in one commit, kept until the commit is on disk. */
interface PendingCommit {
  /** Record id to its entries after the changes so far; undefined when it has none. */
  records: Map<string, RecordEntries | undefined>
  /** `<type>!<token>` to the ids of the records containing it after the changes so far. */
  tokens: Map<string, Set<string>>
  types: Map<IdentifierType, PendingType>
  applied: boolean
}

interface PendingType {
  /** Tag to its count before the commit, for each tag the commit changes. */
  before: Map<number, number>
  /** Tag to its count after the changes so far. */
  after: Map<number, number>
  /** True once the filter writes of this type are in the commit. */
  writesAdded: boolean
  /** The version and delta this commit writes, decided once every record is observed. */
  outcome?: { version: number, delta?: FilterDelta }
}

/**
 * The node's pseudonymised hit index: for each identifier type, an OPRF key and the confirm
 * tokens and filter tags of the identifiers in the records the index policy admits. It follows
 * every record write and deletion through the store's record observer, in the same atomic batch,
 * and keeps a versioned filter with deltas for members. It never stores an identifier in clear.
 *
 * The tokens live in the database, one `t!<type>!<token>!<record id>` entry per identifier and
 * record. Memory holds only the filter tags and a 48-bit prefix of each token in compact sorted
 * arrays (about 16 bytes per entry), so `lookup` reads the database only for a token that may
 * be held. These arrays are loaded in the background after `open`; every operation that needs
 * them waits for the load.
 */
export class HitIndex {
  readonly #store: NodeStore
  readonly #decide: (record: NfpRecord) => Decision
  readonly #types = new Map<IdentifierType, TypeState>()
  readonly #pending = new WeakMap<object, PendingCommit>()
  #loaded: Promise<void> = Promise.resolve()
  #ready = false
  #rebuilds: Promise<unknown> = Promise.resolve()
  #rebuildsPending = 0
  #rebuildDone = 0
  #rebuildFailed = false
  #closing = false

  private constructor (store: NodeStore, decide: (record: NfpRecord) => Decision) {
    this.#store = store
    this.#decide = decide
  }

  /**
   * Opens the index, creating the OPRF key of each type that has none, and registers it as the
   * store's record observer. The filters load in the background; see `loaded`.
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
      index.#types.set(type, { epoch: key.epoch, secretKey: Uint8Array.from(Buffer.from(key.secretKey, 'hex')), version: filter?.version ?? 0, tags: CountedSet.empty(), tokens: CountedSet.empty(), entries: 0 })
    }
    if (writes.length > 0) {
      // NOTE: the OPRF keys are stored unencrypted in the node's database, unlike its identity keys.
      await store.commit({ writes, audit: [{ event: 'hit.keys-created', detail: `OPRF keys created for ${created.join(', ')}` }] })
    }

    // Before the observer is registered, because a commit waits for the load, and the load
    // would otherwise wait for the commits that write the token entries.
    const layout = await store.read<{ layout: number }>('hit-index', 'layout')
    if (layout?.layout !== LAYOUT) await index.#writeTokenEntries()

    index.#loaded = index.#load().then(() => { index.#ready = true })
    // A failed load rejects every later operation that waits for it; this only keeps the
    // rejection from being reported as unhandled before one does.
    index.#loaded.catch(() => {})
    store.observeRecords(async (before, after, batch) => await index.#observe(before, after, batch))
    return index
  }

  /** Resolves once the filters are in memory; rejects when they could not be read. */
  async loaded (): Promise<void> {
    await this.#loaded
  }

  /**
   * Decides every stored record again under the current index policy when `policyHash` differs
   * from the module the index was last built under, such as after a policy change or on the
   * first start with an index. Rebuilds run one after another; `building` is true from the call
   * until the last one ends. A rebuild that a stop interrupted resumes after the last record it
   * committed. Returns the number of records decided again.
   */
  async rebuildIfPolicyChanged (policyHash: string): Promise<number> {
    this.#rebuildsPending++
    const run = this.#rebuilds.then(async () => await this.#rebuild(policyHash))
    this.#rebuilds = run.catch(() => {})
    try {
      return await run
    } catch (err) {
      // A partial rebuild mixes decisions of two policies, so the index stays closed to members.
      this.#rebuildFailed = true
      throw err
    } finally {
      this.#rebuildsPending--
    }
  }

  /**
   * True while a rebuild runs or waits, while the filters are not loaded yet, and from a failed
   * rebuild until the next start. Members then get ERR_HIT_INDEX_BUILDING, because an index built
   * under another policy can contain records the current one keeps out and miss records it admits.
   */
  get building (): boolean {
    return this.#rebuildsPending > 0 || this.#rebuildFailed || !this.#ready
  }

  /** Stops a running rebuild after its current page and waits for it; the next start resumes it. */
  async close (): Promise<void> {
    this.#closing = true
    await this.#rebuilds
  }

  /** Records decided again by the rebuild that runs now, for progress reports. */
  get rebuildProgress (): number {
    return this.#rebuildDone
  }

  async #rebuild (policyHash: string): Promise<number> {
    const built = await this.#store.read<{ policyHash: string }>('hit-index', 'meta')
    if (built?.policyHash === policyHash) return 0
    await this.#loaded
    const checkpoint = await this.#store.read<{ policyHash: string, after: string }>('hit-index', 'rebuild')
    let after = checkpoint?.policyHash === policyHash ? checkpoint.after : undefined
    this.#rebuildDone = 0
    // One commit per page, because a synced commit per record (a few ms each) would take over
    // half an hour at a million records. Pages stay small because the store queue waits for a
    // page's OPRF evaluations (about 0.13 ms per identifier on a 2-core Xeon), and shares wait in that queue.
    for (;;) {
      if (this.#closing) return this.#rebuildDone
      const ids = await this.#store.listRecordIds(after, REBUILD_PAGE)
      if (ids.length === 0) break
      after = ids[ids.length - 1]!
      // Not synced: a crash loses at most the last pages, and the checkpoint with them.
      await this.#store.commit({ reobserveRecordIds: ids, writes: [{ collection: 'hit-index', key: 'rebuild', value: { policyHash, after } }], audit: [], durable: false })
      this.#rebuildDone += ids.length
    }
    await this.#store.commit({
      writes: [{ collection: 'hit-index', key: 'meta', value: { policyHash } }, { collection: 'hit-index', key: 'rebuild' }],
      audit: [{ event: 'hit.index-rebuilt', policyHash, detail: `${this.#rebuildDone} record(s) decided again${checkpoint?.policyHash === policyHash ? ', resumed after a stop' : ''}` }]
    })
    return this.#rebuildDone
  }

  /** Returns the key epoch and filter version of one type. */
  filterState (type: IdentifierType): { epoch: number, version: number } {
    const state = this.#state(type)
    return { epoch: state.epoch, version: state.version }
  }

  /** Returns the number of index entries (identifier and record pairs) of one type. */
  async size (type: IdentifierType): Promise<number> {
    await this.#loaded
    return this.#state(type).entries
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
  async lookup (type: IdentifierType, token: string): Promise<Array<{ recordId: string, jurisdiction: string }>> {
    await this.#loaded
    if (!/^[0-9a-f]{64}$/.test(token)) return []
    if (this.#state(type).tokens.count(tokenPrefix(token)) === 0) return []
    const prefix = tokenKeyPrefix(type, token)
    const rows = await this.#store.range<TokenEntry>('hit-index', { gt: prefix, lt: prefix + '\uffff' })
    return rows.map(([key, value]) => ({ recordId: key.slice(prefix.length), jurisdiction: value.jurisdiction }))
  }

  /** Returns one page of the full filter of `type` at its current version. */
  async filterPage (type: IdentifierType, offset: number): Promise<{ tags: string[], total: number, version: number }> {
    await this.#loaded
    const state = this.#state(type)
    if (state.snapshot?.version !== state.version) state.snapshot = { version: state.version, tags: state.tags.sorted() }
    const tags = state.snapshot.tags
    return { tags: Array.from(tags.subarray(offset, offset + FILTER_PAGE_TAGS), tagHex), total: tags.length, version: state.version }
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

  /** Reads the token entries into the in-memory filters, a page at a time. */
  async #load (): Promise<void> {
    for (const [type, state] of this.#types) {
      let tags = new Float64Array(1024)
      let tokens = new Float64Array(1024)
      let tagCount = 0
      let entries = 0
      let previousToken = ''
      const prefix = `t!${type}!`
      let gt = prefix
      for (;;) {
        const rows = await this.#store.range<TokenEntry>('hit-index', { gt, lt: prefix + '\uffff', limit: LOAD_PAGE })
        for (const [key, value] of rows) {
          const token = key.slice(prefix.length, prefix.length + 64)
          if (entries === tokens.length) tokens = grow(tokens)
          tokens[entries++] = tokenPrefix(token)
          // Entries of one token are adjacent in key order, so each distinct token counts its tag once.
          if (token !== previousToken) {
            if (tagCount === tags.length) tags = grow(tags)
            tags[tagCount++] = Number.parseInt(value.tag, 16)
            previousToken = token
          }
        }
        if (rows.length < LOAD_PAGE) break
        gt = rows[rows.length - 1]![0]
      }
      state.tags = CountedSet.fromValues(tags, tagCount)
      state.tokens = CountedSet.fromValues(tokens, entries)
      state.entries = entries
    }
  }

  /** Writes the token entries of every record entry, for a database written before they existed, then marks the layout. */
  async #writeTokenEntries (): Promise<void> {
    let gt = 'r!'
    for (;;) {
      const rows = await this.#store.range<RecordEntries>('hit-index', { gt, lt: 'r"', limit: LOAD_PAGE })
      const writes: CollectionWrite[] = []
      for (const [key, value] of rows) {
        const recordId = key.slice(2)
        for (const entry of value.entries) writes.push({ collection: 'hit-index', key: tokenKey(entry, recordId), value: { tag: entry.tag, jurisdiction: value.jurisdiction } })
      }
      if (writes.length > 0) await this.#store.commit({ writes, audit: [] })
      if (rows.length < LOAD_PAGE) break
      gt = rows[rows.length - 1]![0]
    }
    await this.#store.commit({ writes: [{ collection: 'hit-index', key: 'layout', value: { layout: LAYOUT } }], audit: [] })
  }

  /**
   * Computes the index writes for one record change: entries of the old version out, entries
   * of the new version in when the index policy permits, and, once per commit and type, the
   * filter delta of the whole commit.
   */
  async #observe (before: StoredRecord | undefined, after: StoredRecord | undefined, batch: object): Promise<ObservedChange | undefined> {
    await this.#loaded
    const pending = this.#pendingOf(batch)
    const recordId = (after ?? before)!.signed.record.id
    // A record that did not exist has no entries; only a stored one needs its entries read.
    const old = pending.records.has(recordId)
      ? pending.records.get(recordId)
      : before === undefined ? undefined : await this.#store.read<RecordEntries>('hit-index', `r!${recordId}`)
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
    if (next !== undefined && next.entries.length === 0) next = undefined

    const removed = (old?.entries ?? []).filter(entry => !next?.entries.some(other => sameEntry(entry, other)))
    const added = (next?.entries ?? []).filter(entry => !old?.entries.some(other => sameEntry(entry, other)))
    const writes: CollectionWrite[] = [{ collection: 'hit-index', key: `r!${recordId}`, ...(next === undefined ? {} : { value: next }) }]
    for (const entry of removed) writes.push({ collection: 'hit-index', key: tokenKey(entry, recordId) })
    for (const entry of added) writes.push({ collection: 'hit-index', key: tokenKey(entry, recordId), value: { tag: entry.tag, jurisdiction: next!.jurisdiction } })
    for (const entry of removed) await this.#moveToken(pending, entry, recordId, -1)
    for (const entry of added) await this.#moveToken(pending, entry, recordId, 1)
    pending.records.set(recordId, next)
    writes.push(...this.#filterWrites(pending, [...removed, ...added]))

    return {
      writes,
      audit,
      applied: () => {
        for (const entry of removed) this.#applyEntry(entry, -1)
        for (const entry of added) this.#applyEntry(entry, 1)
        this.#applyCommit(pending)
      }
    }
  }

  #pendingOf (batch: object): PendingCommit {
    let pending = this.#pending.get(batch)
    if (pending === undefined) {
      pending = { records: new Map(), tokens: new Map(), types: new Map(), applied: false }
      this.#pending.set(batch, pending)
    }
    return pending
  }

  /**
   * Takes `recordId` out of (`step` -1) or into (`step` 1) the records of one token in the
   * pending commit, and counts the tag of a token that disappears or appears.
   */
  async #moveToken (pending: PendingCommit, entry: IndexEntry, recordId: string, step: 1 | -1): Promise<void> {
    const key = `${entry.type}!${entry.token}`
    let records = pending.tokens.get(key)
    if (records === undefined) {
      records = await this.#recordsOf(entry.type, entry.token)
      pending.tokens.set(key, records)
    }
    const wasHeld = records.size > 0
    if (step === 1) records.add(recordId)
    else records.delete(recordId)
    if (wasHeld === records.size > 0) return

    const state = this.#state(entry.type)
    let type = pending.types.get(entry.type)
    if (type === undefined) {
      type = { before: new Map(), after: new Map(), writesAdded: false }
      pending.types.set(entry.type, type)
    }
    const tag = Number.parseInt(entry.tag, 16)
    if (!type.before.has(tag)) type.before.set(tag, state.tags.count(tag))
    type.after.set(tag, (type.after.get(tag) ?? type.before.get(tag)!) + step)
  }

  /** Reads the ids of the records that contain a token, from the database when the prefix filter may contain it. */
  async #recordsOf (type: IdentifierType, token: string): Promise<Set<string>> {
    if (this.#state(type).tokens.count(tokenPrefix(token)) === 0) return new Set()
    const prefix = tokenKeyPrefix(type, token)
    const rows = await this.#store.range<TokenEntry>('hit-index', { gt: prefix, lt: prefix + '\uffff' })
    return new Set(rows.map(([key]) => key.slice(prefix.length)))
  }

  /**
   * Returns the filter writes of the commit for the types these entries belong to, once per
   * type. Their values are computed when the store writes them, after every record of the
   * commit was observed, so one commit makes one version with the net change of all its records.
   */
  #filterWrites (pending: PendingCommit, entries: IndexEntry[]): CollectionWrite[] {
    const writes: CollectionWrite[] = []
    for (const type of new Set(entries.map(entry => entry.type))) {
      const changes = pending.types.get(type)
      if (changes === undefined || changes.writesAdded) continue
      changes.writesAdded = true
      const version = this.#state(type).version + 1
      const outcome = (): { version: number, delta?: FilterDelta } => this.#outcomeOf(type, changes, version)
      writes.push({ collection: 'hit-index', key: deltaKey(type, version), update: (current) => outcome().delta ?? current })
      writes.push({ collection: 'hit-index', key: `f!${type}`, update: () => ({ version: outcome().version }) })
      if (version > MAX_DELTAS) writes.push({ collection: 'hit-index', key: deltaKey(type, version - MAX_DELTAS), update: (current) => outcome().delta === undefined ? current : undefined })
    }
    return writes
  }

  /** Decides the version and delta of one type in a commit: a new version only when the set of tags changed. */
  #outcomeOf (type: IdentifierType, changes: PendingType, version: number): { version: number, delta?: FilterDelta } {
    if (changes.outcome !== undefined) return changes.outcome
    const delta: FilterDelta = { added: [], removed: [] }
    for (const [tag, count] of changes.after) {
      const before = changes.before.get(tag)!
      if (before === 0 && count > 0) delta.added.push(tagHex(tag))
      if (before > 0 && count === 0) delta.removed.push(tagHex(tag))
    }
    changes.outcome = delta.added.length === 0 && delta.removed.length === 0
      ? { version: this.#state(type).version }
      : { version, delta }
    return changes.outcome
  }

  /** Applies the tag counts and versions of a commit to the in-memory filters, once, after it is on disk. */
  #applyCommit (pending: PendingCommit): void {
    if (pending.applied) return
    pending.applied = true
    for (const [type, changes] of pending.types) {
      const state = this.#state(type)
      for (const [tag, count] of changes.after) state.tags.set(tag, count)
      if (changes.outcome !== undefined) state.version = changes.outcome.version
    }
  }

  #applyEntry (entry: IndexEntry, step: 1 | -1): void {
    const state = this.#state(entry.type)
    state.tokens.add(tokenPrefix(entry.token), step)
    state.entries += step
  }

  #entryOf (type: IdentifierType, input: Uint8Array): IndexEntry {
    const { tag, token } = hitTokensOf(evaluateDirect(this.#state(type).secretKey, input))
    return { type, token: Buffer.from(token).toString('hex'), tag: Buffer.from(tag).toString('hex') }
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

function tokenKeyPrefix (type: IdentifierType, token: string): string {
  return `t!${type}!${token}!`
}

function tokenKey (entry: IndexEntry, recordId: string): string {
  return tokenKeyPrefix(entry.type, entry.token) + recordId
}

function tokenPrefix (token: string): number {
  return Number.parseInt(token.slice(0, TOKEN_PREFIX_DIGITS), 16)
}

/** Formats a 40-bit tag as the 10 lower-case hex digits of its 5 bytes. */
function tagHex (tag: number): string {
  return tag.toString(16).padStart(FILTER_TAG_BYTES * 2, '0')
}

function grow (values: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const bigger = new Float64Array(values.length * 2)
  bigger.set(values)
  return bigger
}
