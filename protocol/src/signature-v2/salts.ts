import { hash } from 'node:crypto'
import { SALT_BYTES } from './types.ts'

/** Base64url characters of one salt: 18 bytes encode to exactly 24 characters. */
export const SALT_CHARS = SALT_BYTES / 3 * 4

/**
 * Derives the salts of `count` units from a record's seed in one call: SHAKE256 of the 16 seed
 * bytes, read to `count` × 18 bytes, base64url. The salt of the unit at position i of the sorted
 * unit paths is characters 24·i to 24·i + 24 of the result. SHAKE256 is a pseudorandom function
 * of the seed, so the salts a redacted copy reveals tell nothing about the salts it withholds.
 */
export function deriveSalts (seed: Uint8Array, count: number): string {
  if (count === 0) return ''
  // Node 24 accepts an options object with `outputLength` for the XOF algorithms.
  return hash('shake256', seed, { outputEncoding: 'base64url', outputLength: count * SALT_BYTES } as unknown as 'base64url')
}
