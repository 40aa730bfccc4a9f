import { commitRecord, computeVersionHash, errors, redactSignedRecord, signRecordBatch, validateRecord } from '@ceasefire/protocol'
import type { AnySignedRecord, NfpRecord, Removal, SignedRecordV2, SigningKey } from '@ceasefire/protocol'
import { applyDecision } from './policy/index.ts'
import type { Decision } from './policy/index.ts'

/** The copy of a record that goes out, and the JSON Pointers this node removed from it. */
export interface OutgoingCopy {
  signed: AnySignedRecord
  removed: string[]
}

/** The node that sends the copy: its jurisdiction and record-signing key. */
export interface Sender {
  jurisdiction: string
  key: { privateKey: SigningKey, kid: string }
}

/**
 * Builds the copy of a record that a permitted decision lets go. Removed fields, withheld links
 * and a dropped `onwardSharingConsent` are taken out of a version 2 record by redaction, so the
 * originator's signature still covers the copy. When the decision also changes a value (an
 * earlier `reviewBy`, a stricter `handlingCode`), or removes a part smaller than a disclosure
 * unit, the originator signs the copy as a new version. A relay cannot do that and gets the error.
 *
 * @throws SignatureRedactionForbiddenError when this node is a relay and the copy needs more
 *   than redaction (see `relayCopy`).
 */
export async function outgoingCopy (signed: AnySignedRecord, decision: Decision, sender: Sender): Promise<OutgoingCopy> {
  if (signed.record.provenance.jurisdiction !== sender.jurisdiction) return relayCopy(signed, decision)

  const plan = planCopy(signed.record, decision)
  if (isVersion2(signed) && !plan.changesValues) {
    try {
      return redact(signed, plan.removals)
    } catch (err) {
      // A removal finer than a disclosure unit: the originator signs a new version instead.
      if (!(err instanceof errors.SignatureRedactionForbiddenError)) throw err
    }
  }

  const { versionHash: _old, ...copy } = applyDecision(signed.record, decision)
  if (!isVersion2(signed) && computeVersionHash(copy) === signed.record.versionHash) return { signed, removed: [] }
  // A seed derived from the stored version makes the copy the same each time this decision applies.
  const committed = commitRecord(copy, isVersion2(signed) ? { derivedFrom: signed.signature } : {})
  if (isVersion2(signed) && committed.record.versionHash === signed.record.versionHash) return { signed, removed: [] }
  validateRecord(committed.record)
  const [resigned] = await signRecordBatch([committed], sender.key, sender.jurisdiction)
  return { signed: resigned as SignedRecordV2, removed: [] }
}

/**
 * Builds the copy a relay passes on: the record as the originator signed it, minus the units
 * the decision removes. A relay has no key of the originator, so it cannot change a value.
 *
 * @throws SignatureRedactionForbiddenError when the decision changes a value, removes a field
 *   no holder may remove or a part smaller than a disclosure unit, or removes anything from a
 *   record with a version 1 signature.
 */
export function relayCopy (signed: AnySignedRecord, decision: Decision): OutgoingCopy {
  const plan = planCopy(signed.record, decision)
  if (plan.changesValues) {
    throw new errors.SignatureRedactionForbiddenError(`the decision changes ${plan.changedFields.join(' and ')} of \`${signed.record.id}\`, which only its originator ${signed.record.provenance.jurisdiction} can sign`)
  }
  if (isVersion2(signed)) return redact(signed, plan.removals)

  const { versionHash: _old, ...copy } = applyDecision(signed.record, decision)
  if (computeVersionHash(copy) === signed.record.versionHash) return { signed, removed: [] }
  throw new errors.SignatureRedactionForbiddenError(`\`${signed.record.id}\` carries a version 1 signature over the whole record, so no field can be removed without breaking it`)
}

/** Returns true for an envelope with a version 2 signature. */
export function isVersion2 (signed: AnySignedRecord): signed is SignedRecordV2 {
  return (signed.signature as { version?: unknown }).version === 2
}

interface CopyPlan {
  removals: Removal[]
  changesValues: boolean
  changedFields: string[]
}

function planCopy (record: NfpRecord, decision: Decision): CopyPlan {
  // Policy paths are dotted (`provenance.sourceReference`); the signature names units by JSON Pointer.
  const removals: Removal[] = decision.removedFields.map(path => '/' + path.split('.').join('/'))
  for (const link of decision.withheldLinks) removals.push({ field: link.field, element: link.id })
  if (decision.attached.noOnwardSharingWithoutConsent === true) removals.push('/onwardSharingConsent')

  const changedFields: string[] = []
  if (decision.attached.reviewBy !== undefined && decision.attached.reviewBy !== record.reviewBy) changedFields.push('reviewBy')
  if (decision.attached.handlingCode !== undefined && decision.attached.handlingCode !== record.handlingCode) changedFields.push('handlingCode')
  return { removals, changesValues: changedFields.length > 0, changedFields }
}

function redact (signed: SignedRecordV2, removals: Removal[]): OutgoingCopy {
  if (removals.length === 0) return { signed, removed: [] }
  const result = redactSignedRecord(signed, removals)
  return result.removed.length === 0 ? { signed, removed: [] } : result
}
