import type { NodeStore, StoredRecord } from '../store/store.ts'
import type { InformationSought } from './types.ts'

/** Maximum number of records one request can match, so a broad request cannot fill one answer frame. */
export const MAX_MATCHES = 50

/**
 * Finds the stored records a request names: every record whose id it lists, and every record
 * of the listed types (or of any type, when the request lists fields only) whose named
 * top-level fields equal the given values. Strings compare without regard to case; a field
 * holding a list matches when one element does.
 */
export async function findMatches (store: NodeStore, sought: InformationSought): Promise<StoredRecord[]> {
  const found = new Map<string, StoredRecord>()
  for (const id of sought.ids ?? []) {
    const stored = await store.getRecord(id)
    if (stored !== undefined) found.set(id, stored)
  }

  const fields = Object.entries(sought.fields ?? {})
  const types = sought.types ?? []
  if (fields.length === 0 && types.length === 0) return Array.from(found.values()).slice(0, MAX_MATCHES)

  // NOTE: this scans records of the listed types (or all records); a field index would be needed for large stores.
  const candidates: StoredRecord[] = []
  if (types.length > 0) {
    for (const type of types) candidates.push(...await store.listRecords({ type, limit: 10_000 }))
  } else {
    candidates.push(...await store.listRecords({ limit: 10_000 }))
  }
  for (const stored of candidates) {
    if (found.size >= MAX_MATCHES) break
    const record = stored.signed.record as unknown as Record<string, unknown>
    if (fields.every(([name, value]) => fieldMatches(record[name], value))) found.set(stored.signed.record.id, stored)
  }
  return Array.from(found.values()).slice(0, MAX_MATCHES)
}

function fieldMatches (actual: unknown, expected: string): boolean {
  if (Array.isArray(actual)) return actual.some(element => fieldMatches(element, expected))
  if (typeof actual === 'string') return actual.toLowerCase() === expected.toLowerCase()
  if (typeof actual === 'number' || typeof actual === 'boolean') return String(actual) === expected
  return false
}
