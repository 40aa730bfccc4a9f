import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { computeVersionHash } from '@ceasefire/protocol'
import { detachedJws } from './jws.ts'
import type { VectorKey } from './jws.ts'

/** Mutations that make a vector's signed record from its draft. */
export const MUTATIONS = [
  'none', 'tamper-field', 'other-key-same-kid', 'unknown-kid', 'empty-signature', 'wrong-typ', 'wrong-alg',
  'version-hash-mismatch'
] as const
export type Mutation = typeof MUTATIONS[number]

export type Expectation = { outcome: 'accepted' } | { outcome: 'rejected', code: string }

/** A record vector file in `vectors/records/`. */
export interface RecordVector {
  id: string
  description: string
  section: string
  requirement: string
  /** The record before signing, without `versionHash`; `versionHash` is computed from it. */
  draft: Record<string, unknown>
  mutation: Mutation
  /** The signed record made with the fixed vector keys (`vectors/keys.json`). */
  signed: { record: Record<string, unknown>, signature: { protected: string, signature: string } }
  expect: Expectation
}

export const VECTORS_DIR = new URL('../../vectors/', import.meta.url).pathname

/** Reads every JSON file of one folder under `vectors/`, sorted by name. */
export function readVectorFiles<T> (folder: string): T[] {
  const dir = join(VECTORS_DIR, folder)
  return readdirSync(dir).filter(f => f.endsWith('.json')).sort().map(f => JSON.parse(readFileSync(join(dir, f), 'utf8')) as T)
}

/**
 * Signs a vector's draft as `main` and then applies its mutation. `other` is a key the
 * receiver does not know. The generator uses fixed keys; the live suite uses the test member's.
 */
export function buildSigned (draft: Record<string, unknown>, mutation: Mutation, main: VectorKey, other: VectorKey): RecordVector['signed'] {
  const header = { alg: 'EdDSA', kid: main.kid, typ: 'nfp-record+jws' }
  const record = { ...draft, versionHash: computeVersionHash(draft) }
  switch (mutation) {
    case 'none':
      return { record, signature: detachedJws(record, header, main) }
    case 'tamper-field': {
      // The attacker changes a field after signing and recomputes the version hash, so only
      // the signature can tell.
      const signature = detachedJws(record, header, main)
      const changed: Record<string, unknown> = { ...draft, legalBasis: `${String(draft.legalBasis)} (changed in transit)` }
      return { record: { ...changed, versionHash: computeVersionHash(changed) }, signature }
    }
    case 'other-key-same-kid':
      return { record, signature: detachedJws(record, header, other) }
    case 'unknown-kid':
      return { record, signature: detachedJws(record, { ...header, kid: other.kid }, other) }
    case 'empty-signature':
      return { record, signature: { protected: '', signature: '' } }
    case 'wrong-typ':
      return { record, signature: detachedJws(record, { ...header, typ: 'nfp-hop+jws' }, main) }
    case 'wrong-alg':
      return { record, signature: detachedJws(record, { ...header, alg: 'ES256' }, main) }
    case 'version-hash-mismatch': {
      const wrong = { ...record, versionHash: 'sha256:' + '0'.repeat(64) }
      return { record: wrong, signature: detachedJws(wrong, header, main) }
    }
  }
}

/**
 * Rewrites a vector draft for another originating jurisdiction and a unique local id, so the
 * live suite can send it as the test member without clashing with earlier runs.
 */
export function personalise (draft: Record<string, unknown>, jurisdiction: string, suffix: string): Record<string, unknown> {
  const id = String(draft.id)
  const [, , idJurisdiction, type, local] = id.split(':') as [string, string, string, string, string]
  // A draft whose id names another jurisdiction than its provenance keeps that mismatch.
  const provenance = draft.provenance as Record<string, unknown>
  const sameOrigin = idJurisdiction === String(provenance.jurisdiction).toLowerCase()
  const newIdJurisdiction = sameOrigin ? jurisdiction.toLowerCase() : idJurisdiction
  return {
    ...draft,
    id: `urn:nfp:${newIdJurisdiction}:${type}:${local}-${suffix}`.slice(0, 200),
    provenance: { ...provenance, jurisdiction }
  }
}
