import { recordSchemas } from '../validate.ts'
import { toPointer } from './pointer.ts'

/** A part of a record that is committed to, and can be removed, on its own. */
export interface DisclosureUnit {
  path: string
  value: unknown
}

/** Object fields committed member by member, so a single member can be removed. */
const MEMBERWISE_FIELDS = new Set(['provenance'])

/** Derived from the other units, so never committed to separately. */
const DERIVED_FIELD = 'versionHash'

const LINK_PATTERN = /^urn:nfp:[a-z]{2}:[a-z]+:/

/**
 * Lists the disclosure units of a complete record, one per top-level field. The members of
 * `provenance` and the elements of a non-empty array of record ids (a list of links to other
 * records) are units of their own, so one link can be withheld without the others.
 */
export function disclosureUnits (record: Record<string, unknown>): DisclosureUnit[] {
  const units: DisclosureUnit[] = []
  for (const [name, value] of Object.entries(record)) {
    if (name === DERIVED_FIELD || value === undefined) continue
    if (MEMBERWISE_FIELDS.has(name) && isPlainObject(value)) {
      for (const [member, inner] of Object.entries(value)) {
        if (inner !== undefined) units.push({ path: toPointer(name, member), value: inner })
      }
    } else if (isLinkList(value) && !isCommittedInClear(toPointer(name))) {
      value.forEach((element, i) => units.push({ path: toPointer(name, i), value: element }))
    } else {
      units.push({ path: toPointer(name), value })
    }
  }
  return units
}

/** Returns true when `name` is committed member by member. */
export function isMemberwiseField (name: string): boolean {
  return MEMBERWISE_FIELDS.has(name)
}

/** Returns true for the field whose value the verifier derives from the digests. */
export function isDerivedField (name: string): boolean {
  return name === DERIVED_FIELD
}

export function isPlainObject (value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/**
 * Returns true for a non-empty array whose elements are all record ids: a list of links, whose
 * elements are units of their own.
 */
export function isLinkList (value: unknown): value is string[] {
  return Array.isArray(value) && value.length > 0 && value.every(v => typeof v === 'string' && LINK_PATTERN.test(v))
}

/**
 * Identity fields (who made which record, and when) and the conditions that protect it. No
 * holder may remove them: without them a receiver could not tell what it holds, and without
 * the handling code, review date or legal basis it would get the data with fewer restrictions.
 */
const ALWAYS_FIXED = [
  '/@context', '/id', '/type',
  '/provenance/jurisdiction', '/provenance/agency', '/provenance/created', '/provenance/modified',
  '/handlingCode', '/handlingConditions', '/grading', '/legalBasis', '/reviewBy'
]

const fixedByType = new Map<string, Set<string>>()

const CLEAR_PATHS = new Set(ALWAYS_FIXED)

/**
 * Returns true for a unit the commitment contains in clear, without salt or digest: a field that
 * no record of any type may lose. Since it is always disclosed, hiding it would buy nothing,
 * and each unit committed in clear saves a verifier one hash.
 */
export function isCommittedInClear (path: string): boolean {
  return CLEAR_PATHS.has(path)
}

/** Returns the paths no holder may remove from a record of `type`: the fields above and those its schema requires. */
export function fixedPaths (type: string): Set<string> {
  let fixed = fixedByType.get(type)
  if (fixed !== undefined) return fixed
  const schema = recordSchemas().get(`urn:ceasefire:schema:${type}`) as { required?: string[] } | undefined
  // The type comes from a record not yet verified, so only the types with a schema are cached,
  // because a cache entry per unknown name would let a peer fill memory with made-up types.
  if (schema === undefined) return CLEAR_PATHS
  fixed = new Set([...ALWAYS_FIXED, ...(schema.required ?? []).map(name => toPointer(name))])
  fixedByType.set(type, fixed)
  return fixed
}
