import { auditKey } from './levels.ts'
import type { KeyValueView } from './levels.ts'
import type { SignedAuditHead } from './signed-head.ts'

/** A signed head as stored: this node's own, or one received from a peer (with `receivedAt`). */
export interface StoredHead extends SignedAuditHead {
  receivedAt?: string
}

/**
 * How a peer's response contradicts what this node stored before. `hash-changed`: another hash
 * for a seq seen before. `seq-decreased`: a head below a seq seen before. `entry-missing`: no
 * entry for a seq seen before. `chain-broken`: the peer's own check fails from this seq on.
 */
export type MismatchKind = 'hash-changed' | 'seq-decreased' | 'entry-missing' | 'chain-broken'

export interface Mismatch {
  peer: string
  seq: number
  kind: MismatchKind
  /** Hash this node stored for `seq` before, where there is one. */
  seen?: string
  /** Hash or head seq the peer sent now, where there is one. */
  received?: string
  message: string
}

export interface StoredMismatch extends Mismatch {
  detectedAt: string
  /** The peer's signed head from the exchange that found it, kept as evidence. */
  evidence?: string
}

/** Keys in the `audit-heads` sublevel. Jurisdictions are two capital letters, so no key is a prefix of another kind. */
const OWN = 'own!'
const PEER = (jurisdiction: string): string => `peer!${jurisdiction}!`
const MISMATCH = (jurisdiction: string): string => `mismatch!${jurisdiction}!`

function mismatchKey (mismatch: Mismatch): string {
  return `${MISMATCH(mismatch.peer)}${auditKey(mismatch.seq)}!${mismatch.kind}`
}

/**
 * The signed heads a node keeps: its own, those received from each peer and the mismatches
 * found. For each peer and seq the first accepted head is kept and never replaced. Everything is
 * written directly to the `audit-heads` sublevel, not through `NodeStore.commit`.
 */
export class HeadsStore {
  readonly #level: KeyValueView<unknown>

  constructor (heads: KeyValueView<unknown>) {
    this.#level = heads
  }

  async putOwnHead (head: SignedAuditHead): Promise<void> {
    await this.#level.put(OWN + auditKey(head.seq), head)
  }

  async latestOwnHead (): Promise<StoredHead | undefined> {
    return await this.#last(OWN)
  }

  async countOwnHeads (): Promise<number> {
    return await this.#count(OWN)
  }

  /**
   * Yields every stored own head in seq order, reading `pageSize` at a time. Values are yielded
   * as stored and may be damaged, so callers check them.
   */
  async * ownHeads (pageSize: number): AsyncGenerator<unknown> {
    // Pages follow the keys, not the stored values, so a damaged value cannot repeat a page.
    for (let after = OWN; ;) {
      const rows = await this.#level.iterator({ gt: after, lt: OWN + '\uffff', limit: pageSize }).all()
      for (const [, value] of rows) yield value
      if (rows.length < pageSize) return
      after = rows[rows.length - 1]![0]
    }
  }

  async getPeerHead (jurisdiction: string, seq: number): Promise<StoredHead | undefined> {
    return await this.#level.get(PEER(jurisdiction) + auditKey(seq)) as StoredHead | undefined
  }

  /** Stores a peer's head unless one is already stored for its seq; returns whether it was stored. */
  async addPeerHead (head: StoredHead): Promise<boolean> {
    if (await this.getPeerHead(head.jurisdiction, head.seq) !== undefined) return false
    await this.#level.put(PEER(head.jurisdiction) + auditKey(head.seq), head)
    return true
  }

  async latestPeerHead (jurisdiction: string): Promise<StoredHead | undefined> {
    return await this.#last(PEER(jurisdiction))
  }

  async countPeerHeads (jurisdiction: string): Promise<number> {
    return await this.#count(PEER(jurisdiction))
  }

  /**
   * Picks up to `max` stored heads of a peer to ask about again: the latest, then the nearest
   * heads at 1, 2, 4, 8, … seqs below it, and the first one. The hash chain makes the latest
   * enough to detect any change before it; the older ones narrow down where the change happened.
   * Each pick is one reverse seek, so the cost does not grow with the number of stored heads.
   */
  async samplePeerHeads (jurisdiction: string, max: number): Promise<StoredHead[]> {
    const prefix = PEER(jurisdiction)
    const latest = await this.#last(prefix)
    if (latest === undefined) return []

    const picked: StoredHead[] = [latest]
    for (let distance = 1; picked.length < max - 1; distance *= 2) {
      const target = Math.min(picked[picked.length - 1]!.seq - 1, latest.seq - distance)
      if (target < 0) break
      const [row] = await this.#level.iterator({ gte: prefix, lte: prefix + auditKey(target), reverse: true, limit: 1 }).all()
      if (row === undefined) break
      picked.push(row[1] as StoredHead)
    }

    const [first] = await this.#level.iterator({ gt: prefix, lt: prefix + '\uffff', limit: 1 }).all()
    if (first !== undefined && !picked.some(h => h.seq === (first[1] as StoredHead).seq)) picked.push(first[1] as StoredHead)
    return picked
  }

  async hasMismatch (mismatch: Mismatch): Promise<boolean> {
    return await this.#level.get(mismatchKey(mismatch)) !== undefined
  }

  /** Stores a mismatch; one with the same peer, seq and kind is replaced. */
  async putMismatch (mismatch: StoredMismatch): Promise<void> {
    await this.#level.put(mismatchKey(mismatch), mismatch)
  }

  /** Lists a peer's stored mismatches in seq order, at most `limit`. */
  async listMismatches (jurisdiction: string, limit: number): Promise<StoredMismatch[]> {
    const prefix = MISMATCH(jurisdiction)
    const rows = await this.#level.iterator({ gt: prefix, lt: prefix + '\uffff', limit }).all()
    return rows.map(([, value]) => value as StoredMismatch)
  }

  async #last (prefix: string): Promise<StoredHead | undefined> {
    const [row] = await this.#level.iterator({ gt: prefix, lt: prefix + '\uffff', reverse: true, limit: 1 }).all()
    return row === undefined ? undefined : row[1] as StoredHead
  }

  async #count (prefix: string): Promise<number> {
    // Counted a page of keys at a time; the loop ends when a page comes back short.
    let count = 0
    let after = prefix
    for (;;) {
      const rows = await this.#level.iterator({ gt: after, lt: prefix + '\uffff', limit: 1000, values: false }).all()
      count += rows.length
      if (rows.length < 1000) return count
      after = rows[rows.length - 1]![0]
    }
  }
}
