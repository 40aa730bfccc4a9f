import { keyIdOf, validateMembership } from '@ceasefire/protocol'
import type { Member, MemberKey, Membership } from '@ceasefire/protocol'
import type { JWK } from 'jose'
import { didKeyOf } from './credential.ts'

/**
 * Changes a federation authority makes to the membership document. Each returns a new,
 * validated document with the next version number and a new `issued` time; none changes its
 * input. Signing is a separate step (`signMembership`).
 */

/** Creates version 1 of a membership document with no members. */
export async function createMembership (federation: string, now = new Date()): Promise<Membership> {
  return await validateMembership({ federation, version: 1, issued: now.toISOString(), members: [] }, 'new membership')
}

/** Adds a member; its `did` is set to the did:key of its current signing key when missing. */
export async function addMember (document: Membership, member: Member, now = new Date()): Promise<Membership> {
  if (document.members.some(m => m.jurisdiction === member.jurisdiction)) {
    throw new TypeError(`${member.jurisdiction} is already a member; remove it first or rotate its key`)
  }
  const current = member.signingKeys[member.signingKeys.length - 1]
  const did = member.did ?? (current === undefined ? undefined : await didKeyOf(current.jwk))
  return await next(document, [...document.members, { ...member, ...(did === undefined ? {} : { did }) }], now)
}

/** Removes the member of a jurisdiction. */
export async function removeMember (document: Membership, jurisdiction: string, now = new Date()): Promise<Membership> {
  if (!document.members.some(m => m.jurisdiction === jurisdiction)) throw new TypeError(`${jurisdiction} is not a member`)
  return await next(document, document.members.filter(m => m.jurisdiction !== jurisdiction), now)
}

/**
 * Adds a new signing key valid from `validFrom` and ends every open-ended, unrevoked key of the
 * member at that instant, so at any time exactly one key of the member is valid. The member's
 * `did` moves to the new key.
 */
export async function rotateKey (document: Membership, jurisdiction: string, publicJwk: JWK, validFrom: Date, now = new Date()): Promise<Membership> {
  const member = findMember(document, jurisdiction)
  const kid = await keyIdOf(publicJwk)
  if (member.signingKeys.some(k => k.kid === kid)) throw new TypeError(`key ${kid} is already registered for ${jurisdiction}`)
  const from = validFrom.toISOString()
  const keys: MemberKey[] = member.signingKeys.map(k => k.validUntil === undefined && k.revokedAt === undefined ? { ...k, validUntil: from } : k)
  keys.push({ kid, jwk: { kty: 'OKP', crv: 'Ed25519', x: publicJwk.x }, validFrom: from })
  return await replaceMember(document, { ...member, did: await didKeyOf(publicJwk), signingKeys: keys }, now)
}

/** Marks a member's key as revoked from `at` on: records it signed from then on are rejected. */
export async function revokeKey (document: Membership, jurisdiction: string, kid: string, at: Date, now = new Date()): Promise<Membership> {
  const member = findMember(document, jurisdiction)
  if (!member.signingKeys.some(k => k.kid === kid)) throw new TypeError(`${jurisdiction} has no key ${kid}`)
  const keys = member.signingKeys.map(k => k.kid === kid ? { ...k, revokedAt: at.toISOString() } : k)
  return await replaceMember(document, { ...member, signingKeys: keys }, now)
}

function findMember (document: Membership, jurisdiction: string): Member {
  const member = document.members.find(m => m.jurisdiction === jurisdiction)
  if (member === undefined) throw new TypeError(`${jurisdiction} is not a member`)
  return member
}

async function replaceMember (document: Membership, member: Member, now: Date): Promise<Membership> {
  return await next(document, document.members.map(m => m.jurisdiction === member.jurisdiction ? member : m), now)
}

async function next (document: Membership, members: Member[], now: Date): Promise<Membership> {
  const issued = now.toISOString()
  return await validateMembership({ ...document, version: document.version + 1, issued, members }, `membership version ${document.version + 1}`)
}
