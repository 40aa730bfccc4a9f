import { SignatureKeyNotValidError, SignatureKeyRevokedError, SignatureUnknownKeyError } from './errors.ts'
import type { Member, MemberKey } from './membership.ts'

/**
 * Finds the key a member signed with under `kid` and checks that it was valid at `at`, the
 * time the signed object claims for itself (a record's `provenance.modified`). Revocation is
 * reported apart from an ordinary validity window, because it means the key may be in other
 * hands: anything it signed from `revokedAt` on is rejected.
 *
 * @throws SignatureUnknownKeyError, SignatureKeyRevokedError or SignatureKeyNotValidError.
 */
export function memberKeyAt (member: Member | undefined, jurisdiction: string, kid: string, at: string): MemberKey {
  const key = member?.signingKeys.find(k => k.kid === kid)
  if (key === undefined) {
    throw new SignatureUnknownKeyError(`no record-signing key \`${kid}\` is registered for jurisdiction \`${jurisdiction}\` in the federation membership`)
  }
  const time = Date.parse(at)
  if (Number.isNaN(time)) throw new SignatureKeyNotValidError(`signing time \`${at}\` is not an ISO 8601 date-time`)
  if (key.revokedAt !== undefined && time >= Date.parse(key.revokedAt)) {
    throw new SignatureKeyRevokedError(`key \`${kid}\` of ${jurisdiction} was revoked at ${key.revokedAt}; it cannot sign at ${at}`)
  }
  if (key.validFrom !== undefined && time < Date.parse(key.validFrom)) {
    throw new SignatureKeyNotValidError(`key \`${kid}\` of ${jurisdiction} is valid from ${key.validFrom}, not at ${at}`)
  }
  if (key.validUntil !== undefined && time >= Date.parse(key.validUntil)) {
    throw new SignatureKeyNotValidError(`key \`${kid}\` of ${jurisdiction} was valid until ${key.validUntil}, not at ${at}; records from then on need the key that replaced it`)
  }
  return key
}
