import { CompactSign, base64url, compactVerify } from 'jose'
import { SIGNATURE_ALG, canonicalBytes, errors, importSigningKey } from '@ceasefire/protocol'
import type { Membership, SigningKey } from '@ceasefire/protocol'

/** JWS `typ` header value that marks a signed audit head. */
export const AUDIT_HEAD_TYP = 'nfp-audit-head+jws'

/** Statement a node signs about its audit log: entry `seq` of `jurisdiction`'s log has hash `hash`, as of `at`. */
export interface AuditHead {
  jurisdiction: string
  seq: number
  hash: string
  at: string
}

/** A head with its compact JWS, as a node keeps its own heads and those of its peers. */
export interface SignedAuditHead extends AuditHead {
  jws: string
}

/** Finds the public key of a jurisdiction under a key id, or returns undefined. */
export type HeadKeyResolver = (jurisdiction: string, kid: string) => Promise<SigningKey | undefined>

const HASH_PATTERN = /^sha256:[0-9a-f]{64}$/

/** Signs a head with the node's record-signing key as a compact JWS over the head's RFC 8785 form. */
export async function signAuditHead (head: AuditHead, key: { privateKey: SigningKey, kid: string }): Promise<SignedAuditHead> {
  const payload = { jurisdiction: head.jurisdiction, seq: head.seq, hash: head.hash, at: head.at }
  const jws = await new CompactSign(canonicalBytes(payload))
    .setProtectedHeader({ alg: SIGNATURE_ALG, kid: key.kid, typ: AUDIT_HEAD_TYP })
    .sign(key.privateKey)
  return { ...payload, jws }
}

/**
 * Verifies a signed head that `jurisdiction` sent or signed and returns it. The key is looked up
 * for that jurisdiction only, so one member's key can never vouch for another member's log.
 *
 * @throws SignatureInvalidError (not a compact JWS, wrong `alg` or `typ`, bad signature or payload),
 *   SignatureUnknownKeyError (no such key for the jurisdiction) or PeerIdentityMismatchError (the
 *   payload names another jurisdiction).
 */
export async function verifyAuditHead (jws: string, jurisdiction: string, resolveKey: HeadKeyResolver): Promise<SignedAuditHead> {
  const parts = jws.split('.')
  if (parts.length !== 3) throw new errors.SignatureInvalidError('audit head is not a compact JWS')

  let header: Record<string, unknown>
  try {
    header = JSON.parse(new TextDecoder().decode(base64url.decode(parts[0] as string))) as Record<string, unknown>
  } catch (err) {
    throw new errors.SignatureInvalidError('audit head header is not base64url-encoded JSON', { cause: err })
  }
  if (header.alg !== SIGNATURE_ALG) throw new errors.SignatureInvalidError(`audit head algorithm must be \`${SIGNATURE_ALG}\`, got \`${String(header.alg)}\``)
  if (header.typ !== AUDIT_HEAD_TYP) throw new errors.SignatureInvalidError(`audit head type must be \`${AUDIT_HEAD_TYP}\`, got \`${String(header.typ)}\``)
  if (typeof header.kid !== 'string' || header.kid === '') throw new errors.SignatureInvalidError('audit head header has no `kid`')

  const key = await resolveKey(jurisdiction, header.kid)
  if (key === undefined) {
    throw new errors.SignatureUnknownKeyError(`audit head is signed with key \`${header.kid}\`, which the federation membership does not list for ${jurisdiction}`)
  }

  let payloadBytes: Uint8Array
  try {
    payloadBytes = (await compactVerify(jws, key, { algorithms: [SIGNATURE_ALG] })).payload
  } catch (err) {
    // Deliberately bland, as for record signatures.
    throw new errors.SignatureInvalidError('audit head signature verification failed', { cause: err })
  }

  const head = readPayload(payloadBytes)
  if (head.jurisdiction !== jurisdiction) {
    throw new errors.PeerIdentityMismatchError(`audit head from ${jurisdiction} names jurisdiction \`${head.jurisdiction}\``)
  }
  return { ...head, jws }
}

/** Builds a key resolver over the record-signing keys a membership file lists, importing each key once. */
export function membershipKeyResolver (membership: () => Membership): HeadKeyResolver {
  const cache = new Map<string, SigningKey>()
  return async (jurisdiction, kid) => {
    const entry = membership().members.find(m => m.jurisdiction === jurisdiction)?.signingKeys.find(k => k.kid === kid)
    if (entry === undefined) return undefined
    const cacheKey = `${jurisdiction}/${kid}`
    let key = cache.get(cacheKey)
    if (key === undefined) {
      key = await importSigningKey(entry.jwk)
      cache.set(cacheKey, key)
    }
    return key
  }
}

function readPayload (bytes: Uint8Array): AuditHead {
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (err) {
    throw new errors.SignatureInvalidError('audit head payload is not UTF-8 JSON', { cause: err })
  }
  const { jurisdiction, seq, hash, at, ...extra } = (value ?? {}) as Record<string, unknown>
  const valid = typeof jurisdiction === 'string' && /^[A-Z]{2}$/.test(jurisdiction) &&
    Number.isSafeInteger(seq) && (seq as number) >= 0 &&
    typeof hash === 'string' && HASH_PATTERN.test(hash) &&
    typeof at === 'string' && !Number.isNaN(Date.parse(at)) &&
    Object.keys(extra).length === 0
  if (!valid) {
    throw new errors.SignatureInvalidError('audit head payload must be exactly { jurisdiction, seq, hash, at } with an alpha-2 code, an integer seq of 0 or more, a sha256: hash and a date-time')
  }
  return { jurisdiction, seq: seq as number, hash, at }
}
