import type { Decision } from './types.ts'

/**
 * Returns the copy of `record` that a permit (or an approved require-approval) lets go: the
 * removed fields deleted and added to `redactedFields`, the withheld link ids taken out of
 * their fields, `reviewBy` and `handlingCode` set to the attached conditions. The caller
 * recomputes `versionHash` and signs the copy. `record` itself is not changed.
 *
 * The ban on onward sharing without consent empties `onwardSharingConsent`: a receiver may pass
 * a record on only to the jurisdictions that field lists, so an absent list means no one.
 *
 * @throws RangeError for a denied decision, which has nothing to apply.
 */
export function applyDecision (record: Readonly<Record<string, unknown>>, decision: Decision): Record<string, unknown> {
  if (decision.effect === 'deny') throw new RangeError('a denied decision cannot be applied to a record')
  const copy = structuredClone(record) as Record<string, unknown>

  for (const path of decision.removedFields) deleteField(copy, path)
  if (decision.removedFields.length > 0) {
    const earlier = Array.isArray(record.redactedFields) ? record.redactedFields as string[] : []
    copy.redactedFields = [...new Set([...earlier, ...decision.removedFields])].sort()
  }

  for (const link of decision.withheldLinks) {
    const value = copy[link.field]
    if (Array.isArray(value)) copy[link.field] = value.filter(id => id !== link.id)
    else if (value === link.id) delete copy[link.field]
  }
  if (decision.attached.reviewBy !== undefined) copy.reviewBy = decision.attached.reviewBy
  if (decision.attached.handlingCode !== undefined) copy.handlingCode = decision.attached.handlingCode
  if (decision.attached.noOnwardSharingWithoutConsent === true) delete copy.onwardSharingConsent
  return copy
}

function deleteField (target: unknown, path: string): void {
  const [head, ...rest] = path.split('.')
  if (head === undefined || target === null || typeof target !== 'object') return
  // A path through a list of objects (identityDocuments.documentNumber) reaches every item.
  if (Array.isArray(target)) {
    for (const item of target) deleteField(item, path)
    return
  }
  if (rest.length === 0) delete (target as Record<string, unknown>)[head]
  else deleteField((target as Record<string, unknown>)[head], rest.join('.'))
}
