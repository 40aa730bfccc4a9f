import { FlattenedSign, base64url, flattenedVerify, importJWK } from 'jose'
import type { JWK } from 'jose'
import { canonicalBytes } from './canonical.ts'
import { SIGNATURE_ALG } from './constants.ts'
import { MembershipStaleError, MembershipUntrustedError } from './errors.ts'
import { keyIdOf } from './keys.ts'
import { validateMembership } from './membership.ts'
import type { Membership } from './membership.ts'
import type { SigningKey } from './signature.ts'

/** JWS `typ` of a membership signature, so no other signed object can pass for one. */
export const MEMBERSHIP_SIGNATURE_TYP = 'nfp-membership+jws'

/**
 * A membership document with the federation authority's signature: a detached JWS (flattened
 * serialisation without `payload`) over the RFC 8785 canonical form of `membership`, the same
 * construction as a record signature.
 */
export interface SignedMembership {
  membership: Membership
  signature: { protected: string, signature: string }
}

/** The federation authority's public key that a node trusts for membership documents. */
export interface TrustAnchor {
  kid: string
  jwk: JWK
}

/** Signs a membership document with the federation authority's private key. */
export async function signMembership (membership: Membership, key: { privateKey: SigningKey, kid: string }): Promise<SignedMembership> {
  const valid = await validateMembership(membership, `membership version ${membership.version}`)
  const jws = await new FlattenedSign(canonicalBytes(valid))
    .setProtectedHeader({ alg: SIGNATURE_ALG, kid: key.kid, typ: MEMBERSHIP_SIGNATURE_TYP })
    .sign(key.privateKey)
  return { membership: valid, signature: { protected: jws.protected as string, signature: jws.signature } }
}

/**
 * Verifies a signed membership document against the trust anchor and, when `current` is
 * given, checks that it is a newer version of the same federation. The document is validated
 * only after the signature holds, so unsigned input never reaches the schema code.
 *
 * @throws MembershipUntrustedError (not signed, or not by the anchor), MembershipStaleError
 *   (not newer than `current`, or another federation), MembershipInvalidError (signed but
 *   invalid).
 */
export async function verifyMembership (signed: unknown, anchor: TrustAnchor, current?: Membership): Promise<Membership> {
  if (signed === null || typeof signed !== 'object') throw new MembershipUntrustedError('membership document is not an object with `membership` and `signature`')
  const { membership, signature } = signed as { membership?: unknown, signature?: { protected?: unknown, signature?: unknown } }
  if (membership === null || typeof membership !== 'object' || typeof signature?.protected !== 'string' || typeof signature.signature !== 'string') {
    throw new MembershipUntrustedError('membership document is not signed: it needs `membership` and `signature.protected` / `signature.signature`')
  }

  let header: Record<string, unknown>
  try {
    header = JSON.parse(new TextDecoder().decode(base64url.decode(signature.protected))) as Record<string, unknown>
  } catch (err) {
    throw new MembershipUntrustedError('membership signature header is not base64url-encoded JSON', { cause: err })
  }
  if (header.alg !== SIGNATURE_ALG || header.typ !== MEMBERSHIP_SIGNATURE_TYP) {
    throw new MembershipUntrustedError(`membership signature must have alg ${SIGNATURE_ALG} and typ ${MEMBERSHIP_SIGNATURE_TYP}`)
  }
  if (header.kid !== anchor.kid) {
    throw new MembershipUntrustedError(`membership is signed with key \`${String(header.kid)}\`, not with the federation authority key \`${anchor.kid}\` this node trusts`)
  }

  let payload: string
  try {
    payload = base64url.encode(canonicalBytes(membership))
  } catch (err) {
    throw new MembershipUntrustedError('membership signature verification failed', { cause: err })
  }
  try {
    const key = await importJWK({ kty: 'OKP', crv: 'Ed25519', x: anchor.jwk.x }, SIGNATURE_ALG)
    await flattenedVerify({ protected: signature.protected, payload, signature: signature.signature }, key, { algorithms: [SIGNATURE_ALG] })
  } catch (err) {
    throw new MembershipUntrustedError('membership signature does not verify with the federation authority key', { cause: err })
  }

  const valid = await validateMembership(membership, `membership version ${String((membership as { version?: unknown }).version)}`)
  if (current !== undefined) {
    if (valid.federation !== current.federation) {
      throw new MembershipStaleError(`membership is for federation \`${valid.federation}\`, but this node belongs to \`${current.federation}\``)
    }
    if (valid.version <= current.version) {
      throw new MembershipStaleError(`membership version ${valid.version} is not newer than version ${current.version} held`)
    }
  }
  return valid
}

/** Builds a trust anchor from a public JWK, computing its key id. */
export async function trustAnchorOf (jwk: JWK): Promise<TrustAnchor> {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new MembershipUntrustedError('the federation authority key must be a public Ed25519 JWK')
  return { kid: await keyIdOf(jwk), jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x } }
}
