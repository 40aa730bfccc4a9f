import { signRecordBatch } from '@ceasefire/protocol'
import type { CommittedRecord, SignedRecordV2, SigningKey } from '@ceasefire/protocol'

/** Largest batch one root signature covers; a receiver's proof then has at most 10 hashes. */
const MAX_BATCH = 1024

interface Waiting {
  committed: CommittedRecord
  resolve: (signed: SignedRecordV2) => void
  reject: (err: unknown) => void
}

/**
 * Signs the records of this node in batches, as a group commit: a record waits while the
 * batch before it is being signed, and all records that arrived meanwhile are signed together
 * under one root. A lone record is signed at once, in a batch of one, so it never waits for
 * company. Concurrent ingests share a signature, and receivers verify them with one check.
 */
export class SigningQueue {
  readonly #key: () => { privateKey: SigningKey, kid: string }
  readonly #jurisdiction: string
  readonly #now: () => Date
  #waiting: Waiting[] = []
  #signing = false

  constructor (jurisdiction: string, key: () => { privateKey: SigningKey, kid: string }, now: () => Date) {
    this.#jurisdiction = jurisdiction
    this.#key = key
    this.#now = now
  }

  /** Signs one committed record, in a batch with those queued beside it. */
  async sign (committed: CommittedRecord): Promise<SignedRecordV2> {
    return await new Promise((resolve, reject) => {
      this.#waiting.push({ committed, resolve, reject })
      if (!this.#signing) void this.#drain()
    })
  }

  async #drain (): Promise<void> {
    this.#signing = true
    try {
      while (this.#waiting.length > 0) {
        const batch = this.#waiting.splice(0, MAX_BATCH)
        try {
          const signed = await signRecordBatch(batch.map(w => w.committed), this.#key(), this.#jurisdiction, this.#now())
          batch.forEach((waiting, i) => waiting.resolve(signed[i] as SignedRecordV2))
        } catch (err) {
          for (const waiting of batch) waiting.reject(err)
        }
      }
    } finally {
      this.#signing = false
    }
  }
}
