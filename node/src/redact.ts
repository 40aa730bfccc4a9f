import { computeVersionHash, signRecord, validateRecord } from '@ceasefire/protocol'
import type { NfpRecord, SignedRecord, SigningKey } from '@ceasefire/protocol'

/**
 * Builds the copy of a record that is sent when the policy removes fields: each field, given
 * as a dotted path, is deleted wherever it sits, its path is listed in `redactedFields`, and the
 * originator signs the result as a new version.
 */
export async function redactedCopy (record: NfpRecord, fields: string[], key: { privateKey: SigningKey, kid: string }): Promise<SignedRecord> {
  const copy = structuredClone(record) as Record<string, unknown>
  for (const field of fields) deletePath(copy, field.split('.'))
  copy.redactedFields = Array.from(new Set([...(record.redactedFields ?? []), ...fields])).sort()
  delete copy.versionHash
  const redacted = validateRecord({ ...copy, versionHash: computeVersionHash(copy) })
  return await signRecord(redacted, key)
}

function deletePath (target: Record<string, unknown>, path: string[]): void {
  const [head, ...rest] = path
  if (head === undefined) return
  if (rest.length === 0) {
    delete target[head]
    return
  }
  const next = target[head]
  if (Array.isArray(next)) {
    for (const item of next) if (item !== null && typeof item === 'object') deletePath(item as Record<string, unknown>, rest)
  } else if (next !== null && typeof next === 'object') {
    deletePath(next as Record<string, unknown>, rest)
  }
}
