import { computeVersionHash, signRecord, validateRecord } from '@ceasefire/protocol'
import type { NfpRecord, SignedRecord, SigningKey } from '@ceasefire/protocol'
import { applyDecision } from './policy/index.ts'
import type { Decision } from './policy/index.ts'

/**
 * Builds the copy of a record that a permitted decision lets go: fields removed, links withheld
 * and conditions attached as the decision says. When the copy differs from the record, the
 * originator signs it as a new version; otherwise the stored signed record goes out unchanged.
 */
export async function outgoingCopy (signed: SignedRecord, decision: Decision, key: { privateKey: SigningKey, kid: string }): Promise<SignedRecord> {
  const { versionHash: _old, ...copy } = applyDecision(signed.record, decision)
  const versionHash = computeVersionHash(copy)
  if (versionHash === signed.record.versionHash) return signed
  const record: NfpRecord = validateRecord({ ...copy, versionHash })
  return await signRecord(record, key)
}
