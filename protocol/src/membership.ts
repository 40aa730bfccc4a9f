import { readFileSync } from 'node:fs'
import type { JWK } from 'jose'
import { MembershipInvalidError } from './errors.ts'
import { keyIdOf } from './keys.ts'
import { createAjv } from './lib/ajv.ts'

/** Roles an agency can hold for a member, as the federation authority records them. */
export const AGENCY_ROLES = ['single-point-of-contact', 'law-enforcement', 'customs', 'border-guard', 'judicial-authority'] as const
export type AgencyRole = typeof AGENCY_ROLES[number]

/**
 * A record-signing key of a member with its validity period. Times are ISO 8601; a missing
 * `validFrom` or `validUntil` leaves that side open, as in the unsigned version 1 files.
 */
export interface MemberKey {
  kid: string
  jwk: JWK
  validFrom?: string
  validUntil?: string
  revokedAt?: string
}

/** One member of the federation: a jurisdiction's node and the keys that sign for it. */
export interface Member {
  jurisdiction: string
  name: string
  agency?: string
  /** did:key of the member's current record-signing key, the subject of its membership credential. */
  did?: string
  agencies?: Array<{ name: string, roles: AgencyRole[] }>
  peerId: string
  addresses: string[]
  languages?: string[]
  signingKeys: MemberKey[]
}

/** The federation membership file every node is configured with. */
export interface Membership {
  federation: string
  version: number
  issued?: string
  members: Member[]
}

const validate = createAjv().compile(
  JSON.parse(readFileSync(new URL('../schemas/membership.schema.json', import.meta.url), 'utf8')) as object
)

/**
 * Checks a membership document: its schema, one member per jurisdiction and per peer id, and
 * that every key id is the thumbprint of its key, so a key cannot be registered under a
 * misleading id.
 */
export async function validateMembership (document: unknown, source = 'membership'): Promise<Membership> {
  if (!validate(document)) {
    const first = (validate.errors ?? [])[0]
    const where = first?.instancePath === undefined || first.instancePath === '' ? '(document)' : first.instancePath
    throw new MembershipInvalidError(`${source} is invalid at \`${where}\`: ${first?.message ?? 'invalid'}`)
  }

  const membership = document as Membership
  const jurisdictions = new Set<string>()
  const peers = new Set<string>()
  const keys = new Map<string, string>()
  for (const member of membership.members) {
    if (jurisdictions.has(member.jurisdiction)) throw new MembershipInvalidError(`${source} lists jurisdiction \`${member.jurisdiction}\` twice`)
    if (peers.has(member.peerId)) throw new MembershipInvalidError(`${source} lists peer id \`${member.peerId}\` twice`)
    jurisdictions.add(member.jurisdiction)
    peers.add(member.peerId)
    for (const key of member.signingKeys) {
      // One key speaking for two jurisdictions would let one sign records as the other.
      const owner = keys.get(key.kid)
      if (owner !== undefined) throw new MembershipInvalidError(`${source} lists signing key \`${key.kid}\` for both ${owner} and ${member.jurisdiction}`)
      keys.set(key.kid, member.jurisdiction)
      if (key.validFrom !== undefined && key.validUntil !== undefined && Date.parse(key.validUntil) <= Date.parse(key.validFrom)) {
        throw new MembershipInvalidError(`${source}: key \`${key.kid}\` of ${member.jurisdiction} has validUntil ${key.validUntil} not after validFrom ${key.validFrom}`)
      }
      const expected = await keyIdOf(key.jwk)
      if (key.kid !== expected) {
        throw new MembershipInvalidError(`${source}: key id \`${key.kid}\` of ${member.jurisdiction} is not the RFC 7638 thumbprint of its key (expected \`${expected}\`)`)
      }
    }
  }
  return membership
}
