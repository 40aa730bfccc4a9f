import type { Expectation } from './records.ts'

/**
 * A hop vector file in `vectors/hops/`: one hop entry of a record's path (SPEC section 6.3),
 * the record id and version hash it travels with, and the outcome of the checks of section 6.6.
 */
export interface HopVector {
  id: string
  description: string
  section: string
  requirement: string
  record: { id: string, versionHash: string }
  hop: Record<string, unknown>
  expect: Expectation
}
