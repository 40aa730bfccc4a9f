import { createHash } from 'node:crypto'
import { canonicalize } from '@ceasefire/protocol'
import { GENESIS_HASH } from './levels.ts'
import type { KeyValueView } from './levels.ts'

/**
 * Problem of the first broken entry. `unreadable`: not JSON, or no `seq`, `prevHash` or `hash`.
 * `seq`: stored under another number, or entries before it are missing. `prev-hash`: does not
 * link to the entry before it. `entry-hash`: its content does not hash to its `hash`.
 */
export type ChainProblem = 'unreadable' | 'seq' | 'prev-hash' | 'entry-hash'

export interface ChainBreak {
  seq: number
  problem: ChainProblem
  message: string
}

/** Result of checking the audit log from entry 1 to its last entry. */
export interface ChainState {
  entries: number
  /** The last entry's number and stored hash; `hash` is missing when that entry is unreadable. */
  head: { seq: number, hash?: string }
  /** The first entry that does not verify; later entries are read but not reported. */
  broken?: ChainBreak
}

/** Entries read per database request. */
const PAGE_SIZE = 500

/** Computes an audit entry's hash the way NodeStore does: SHA-256 over the RFC 8785 form without `hash`. */
export function hashAuditEntry (entryWithoutHash: object): string {
  return 'sha256:' + createHash('sha256').update(canonicalize(entryWithoutHash)).digest('hex')
}

/**
 * Checks the audit hash chain from the text of each stored entry, independently of
 * `NodeStore.verifyAuditChain`, so it can report what is wrong and where. `advance` continues from
 * the last entry it read, so a running node checks each entry once. That is sound while the node
 * holds the database lock, because no other process can change entries in the meantime.
 */
export class ChainScanner {
  readonly #log: KeyValueView<string>
  #lastKey = ''
  #entries = 0
  #expectedSeq = 1
  #prevHash: string | undefined = GENESIS_HASH
  #head: { seq: number, hash?: string } = { seq: 0, hash: GENESIS_HASH }
  #broken: ChainBreak | undefined

  constructor (auditText: KeyValueView<string>) {
    this.#log = auditText
  }

  /** Reads and checks the entries added since the last call, then returns the state of the whole chain. */
  async advance (): Promise<ChainState> {
    // Each round reads up to PAGE_SIZE entries after the last one read, so the loop ends once it
    // has caught up with a log that grows more slowly than it is read.
    for (;;) {
      const rows = await this.#log.iterator({ gt: this.#lastKey, limit: PAGE_SIZE }).all()
      for (const [key, text] of rows) this.#check(key, text)
      if (rows.length < PAGE_SIZE) break
    }
    return this.state()
  }

  state (): ChainState {
    return {
      entries: this.#entries,
      head: { ...this.#head },
      ...(this.#broken === undefined ? {} : { broken: { ...this.#broken } })
    }
  }

  #check (key: string, text: string): void {
    this.#lastKey = key
    this.#entries++
    if (!/^[0-9]{16}$/.test(key)) {
      // Not a key NodeStore writes; it is reported at the seq the next entry should have.
      this.#fail(this.#expectedSeq, 'seq', `audit log holds a value under key \`${key}\`, which is not an entry number`)
      return
    }
    const keySeq = Number(key)
    const entry = parseEntry(text)

    if (entry === undefined) {
      this.#fail(keySeq, 'unreadable', `audit entry under key ${key} is not a JSON object with \`seq\`, \`prevHash\` and \`hash\``)
      this.#head = { seq: keySeq }
      this.#prevHash = undefined
      this.#expectedSeq = keySeq + 1
      return
    }

    const { hash, ...rest } = entry
    if (entry.seq !== keySeq) {
      this.#fail(keySeq, 'seq', `audit entry under key ${key} carries seq ${entry.seq}`)
    } else if (keySeq !== this.#expectedSeq) {
      this.#fail(keySeq, 'seq', `audit entry ${keySeq} follows entry ${this.#expectedSeq - 1}, so entries ${this.#expectedSeq} to ${keySeq - 1} are missing`)
    } else if (entry.prevHash !== this.#prevHash) {
      this.#fail(keySeq, 'prev-hash', `audit entry ${keySeq} has prevHash ${entry.prevHash}, but entry ${keySeq - 1} has hash ${this.#prevHash ?? '(unreadable)'}`)
    } else {
      const computed = safeHash(rest)
      if (computed !== hash) {
        this.#fail(keySeq, 'entry-hash', `audit entry ${keySeq} has hash ${hash}, but its content hashes to ${computed ?? '(no canonical form)'}`)
      }
    }

    this.#expectedSeq = keySeq + 1
    this.#prevHash = hash
    this.#head = { seq: keySeq, hash }
  }

  #fail (seq: number, problem: ChainProblem, message: string): void {
    if (this.#broken === undefined) this.#broken = { seq, problem, message }
  }
}

/** Returns the stored `hash` of one audit entry, or undefined when it is missing or unreadable. */
export async function readEntryHash (auditText: KeyValueView<string>, key: string): Promise<string | undefined> {
  const text = await auditText.get(key)
  return text === undefined ? undefined : parseEntry(text)?.hash
}

interface ParsedEntry {
  seq: number
  prevHash: string
  hash: string
  [field: string]: unknown
}

function parseEntry (text: string): ParsedEntry | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined
  const { seq, prevHash, hash } = value as Record<string, unknown>
  if (!Number.isSafeInteger(seq) || typeof prevHash !== 'string' || typeof hash !== 'string') return undefined
  return value as ParsedEntry
}

function safeHash (entryWithoutHash: object): string | undefined {
  try {
    return hashAuditEntry(entryWithoutHash)
  } catch {
    // A tampered entry can hold a lone surrogate, which has no canonical form.
    return undefined
  }
}
