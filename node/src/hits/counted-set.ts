/** Changes held in the overlay before they are merged into the sorted base: at least this many, or 1/16 of the base. */
const MIN_OVERLAY = 1024

/**
 * A compact multiset of integers from 0 to 2^53 - 1, such as 40-bit filter tags. It keeps a
 * sorted Float64Array of the distinct members (8 bytes each) and a map of the few members
 * counted more than once. Recent changes go to a small overlay, which is merged into the array
 * when it grows. A million members take about 8 MiB, where a Map of them would take an
 * estimated 50 MiB or more.
 */
export class CountedSet {
  #base: Float64Array
  /** Members of `base` counted more than once, with their count. */
  #multi: Map<number, number>
  /** Counts changed since the last merge, zero for a removed member; they override `base`. */
  #overlay = new Map<number, number>()
  #size: number

  private constructor (base: Float64Array, multi: Map<number, number>) {
    this.#base = base
    this.#multi = multi
    this.#size = base.length
  }

  /** Returns an empty set. */
  static empty (): CountedSet {
    return new CountedSet(new Float64Array(0), new Map())
  }

  /** Builds the set from the first `length` values of `values`, each counted once per occurrence; sorts `values` in place. */
  static fromValues (values: Float64Array, length: number): CountedSet {
    const sorted = values.subarray(0, length).sort()
    const base = new Float64Array(countDistinct(sorted))
    const multi = new Map<number, number>()
    let n = 0
    for (let i = 0; i < sorted.length; i++) {
      const value = sorted[i]!
      if (n > 0 && base[n - 1] === value) {
        multi.set(value, (multi.get(value) ?? 1) + 1)
        continue
      }
      base[n++] = value
    }
    return new CountedSet(base, multi)
  }

  /** Number of distinct members. */
  get size (): number {
    return this.#size
  }

  /** Returns how many times `value` is counted; 0 when it is not a member. */
  count (value: number): number {
    const changed = this.#overlay.get(value)
    if (changed !== undefined) return changed
    return this.#baseCount(value)
  }

  /** Adds `delta` (negative to remove) to the count of `value`, which never falls below 0. */
  add (value: number, delta: number): void {
    this.set(value, this.count(value) + delta)
  }

  /** Sets the count of `value`; 0 removes it. */
  set (value: number, count: number): void {
    const next = Math.max(0, count)
    const before = this.count(value)
    if (before === 0 && next > 0) this.#size++
    if (before > 0 && next === 0) this.#size--
    this.#overlay.set(value, next)
    if (this.#overlay.size > Math.max(MIN_OVERLAY, this.#base.length >> 4)) this.#merge()
  }

  /**
   * Returns the distinct members in ascending order. The array is shared and never changed
   * afterwards, because a later change builds a new one, so callers may keep it as a snapshot
   * but must not write to it.
   */
  sorted (): Float64Array {
    if (this.#overlay.size > 0) this.#merge()
    return this.#base
  }

  #baseCount (value: number): number {
    const base = this.#base
    let low = 0
    let high = base.length - 1
    while (low <= high) {
      const middle = (low + high) >>> 1
      const member = base[middle]!
      if (member === value) return this.#multi.get(value) ?? 1
      if (member < value) low = middle + 1
      else high = middle - 1
    }
    return 0
  }

  /** Merges the overlay into a new sorted base. */
  #merge (): void {
    const changed = Float64Array.from(this.#overlay.keys()).sort()
    const base = new Float64Array(this.#size)
    const multi = new Map<number, number>()
    let n = 0
    const put = (value: number, count: number): void => {
      if (count === 0) return
      base[n++] = value
      if (count > 1) multi.set(value, count)
    }
    let i = 0
    let j = 0
    while (i < this.#base.length || j < changed.length) {
      const old = i < this.#base.length ? this.#base[i]! : Infinity
      const next = j < changed.length ? changed[j]! : Infinity
      if (old < next) {
        put(old, this.#multi.get(old) ?? 1)
        i++
      } else {
        // The overlay overrides the base for a value present in both.
        put(next, this.#overlay.get(next)!)
        j++
        if (old === next) i++
      }
    }
    this.#base = base
    this.#multi = multi
    this.#overlay.clear()
  }
}

function countDistinct (sorted: Float64Array): number {
  let n = 0
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) n++
  return n
}
