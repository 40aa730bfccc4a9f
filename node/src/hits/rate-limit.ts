import { errors } from '@ceasefire/protocol'

const WINDOW_MS = 60_000

/**
 * Counts hit-query operations per requesting member in fixed one-minute windows. Counts live
 * in memory only, so a restart starts a fresh window.
 */
export class HitRateLimit {
  readonly #limit: number
  readonly #now: () => number
  readonly #windows = new Map<string, { start: number, count: number }>()

  constructor (limitPerMinute: number, now: () => number = Date.now) {
    this.#limit = limitPerMinute
    this.#now = now
  }

  /**
   * Counts one operation for `requester`.
   *
   * @throws HitRateLimitedError when the requester used up its operations of the current window.
   */
  take (requester: string): void {
    const now = this.#now()
    let window = this.#windows.get(requester)
    if (window === undefined || now - window.start >= WINDOW_MS) {
      window = { start: now, count: 0 }
      this.#windows.set(requester, window)
    }
    if (window.count >= this.#limit) {
      const retryAfterMs = window.start + WINDOW_MS - now
      throw Object.assign(new errors.HitRateLimitedError(`${requester} has used its ${this.#limit} hit-query operations for this minute; retry in ${Math.ceil(retryAfterMs / 1000)} s`), { retryAfterMs })
    }
    window.count++
  }
}
