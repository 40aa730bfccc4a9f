/** Token-bucket settings for one peer: `burst` frames at once, refilled at `perSecond`. */
export interface RateLimit {
  perSecond: number
  burst: number
}

/**
 * Default limit for share frames from one peer. A sender that pipelines full frames of 100
 * items needs about 200 frames per second for 20,000 records per second, so this leaves it
 * twice that, while a member that floods small frames is cut to the same frame rate.
 */
export const DEFAULT_SHARE_RATE_LIMIT: RateLimit = { perSecond: 400, burst: 64 }

/**
 * Per-peer token buckets. `take` spends one token of the peer's bucket and returns false when
 * it is empty. Buckets exist only for peers that sent something, and the connection gater
 * admits members only, so the map stays as small as the federation.
 */
export class PeerRateLimiter {
  readonly #limit: RateLimit
  readonly #now: () => number
  readonly #buckets = new Map<string, { tokens: number, at: number }>()

  constructor (limit: RateLimit, now: () => number = () => performance.now()) {
    this.#limit = limit
    this.#now = now
  }

  take (peer: string): boolean {
    const now = this.#now()
    const bucket = this.#buckets.get(peer) ?? { tokens: this.#limit.burst, at: now }
    bucket.tokens = Math.min(this.#limit.burst, bucket.tokens + (now - bucket.at) / 1000 * this.#limit.perSecond)
    bucket.at = now
    this.#buckets.set(peer, bucket)
    if (bucket.tokens < 1) return false
    bucket.tokens -= 1
    return true
  }
}
