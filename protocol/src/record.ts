import { createHash } from 'node:crypto'
import { canonicalBytes } from './canonical.ts'
import type { RecordType } from './constants.ts'

/** Originating jurisdiction, agency and times of a record. */
export interface Provenance {
  jurisdiction: string
  agency: string
  created: string
  modified: string
  sourceReference?: string
}

/** Europol source reliability (A, B, C, X) and information accuracy (1 to 4). */
export interface Grading {
  sourceReliability: 'A' | 'B' | 'C' | 'X'
  informationAccuracy: 1 | 2 | 3 | 4
}

/** Fields every record carries; the type-specific fields are checked by the JSON Schemas. */
export interface NfpRecord {
  '@context': string
  id: string
  type: RecordType
  versionHash: string
  provenance: Provenance
  handlingCode: 'H0' | 'H1' | 'H2' | 'H3'
  handlingConditions?: string
  grading: Grading
  legalBasis: string
  reviewBy: string
  onwardSharingConsent?: string[]
  redactedFields?: string[]
  [field: string]: unknown
}

/**
 * Computes the version hash of a record: SHA-256 over the RFC 8785 canonical form of the
 * record without its `versionHash` field, written as `sha256:<hex>`.
 */
export function computeVersionHash (record: Record<string, unknown>): string {
  const { versionHash: _ignored, ...content } = record
  return 'sha256:' + createHash('sha256').update(canonicalBytes(content)).digest('hex')
}

/** Returns a copy of the record with its version hash set from its current content. */
export function withVersionHash<T extends Record<string, unknown>> (record: T): T & { versionHash: string } {
  return { ...record, versionHash: computeVersionHash(record) }
}
