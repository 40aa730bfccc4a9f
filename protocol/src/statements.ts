import { CompactSign, base64url, compactVerify } from 'jose'
import { canonicalBytes } from './canonical.ts'
import { SIGNATURE_ALG } from './constants.ts'
import { SignatureInvalidError, SignatureUnknownKeyError } from './errors.ts'
import type { SigningKey } from './signature.ts'

/**
 * A signed statement a node makes about an exchange: a delivery receipt, a revocation or a
 * deletion receipt. Hop batch statements are built the same way by `signHopBatch`. It is a compact JWS whose payload is the RFC 8785
 * canonical form of a JSON object naming the signing jurisdiction in `by`; the `typ` header
 * says which kind of statement it is, so one kind can never be replayed as another.
 */
export interface Statement {
  by: string
  [field: string]: unknown
}

/** Finds the public key of a jurisdiction under a key id. */
export type StatementKeyResolver = (jurisdiction: string, kid: string) => Promise<SigningKey | undefined> | SigningKey | undefined

export const STATEMENT_TYPES = {
  receipt: 'nfp-receipt+jws',
  revocation: 'nfp-revocation+jws',
  deletion: 'nfp-deletion+jws'
} as const

export type StatementKind = keyof typeof STATEMENT_TYPES

/** Signs a statement as the jurisdiction named in its `by` field. */
export async function signStatement (kind: StatementKind, statement: Statement, key: { privateKey: SigningKey, kid: string }): Promise<string> {
  return await new CompactSign(canonicalBytes(statement))
    .setProtectedHeader({ alg: SIGNATURE_ALG, kid: key.kid, typ: STATEMENT_TYPES[kind] })
    .sign(key.privateKey)
}

/**
 * Verifies a statement of the given kind and returns its payload. The key is looked up for the
 * jurisdiction named in `by`, so a node can only make statements in its own name.
 *
 * @throws SignatureInvalidError or SignatureUnknownKeyError.
 */
export async function verifyStatement<T extends { by: string }> (kind: StatementKind, jws: unknown, resolveKey: StatementKeyResolver): Promise<T> {
  if (typeof jws !== 'string' || jws.split('.').length !== 3) throw new SignatureInvalidError(`${kind} is not a compact JWS`)
  const [encodedHeader, encodedPayload] = jws.split('.') as [string, string, string]

  let header: Record<string, unknown>
  let payload: T
  try {
    header = JSON.parse(new TextDecoder().decode(base64url.decode(encodedHeader))) as Record<string, unknown>
    payload = JSON.parse(new TextDecoder().decode(base64url.decode(encodedPayload))) as T
  } catch (err) {
    throw new SignatureInvalidError(`${kind} is not base64url-encoded JSON`, { cause: err })
  }
  if (header.typ !== STATEMENT_TYPES[kind]) throw new SignatureInvalidError(`${kind} has type ${String(header.typ)}, expected ${STATEMENT_TYPES[kind]}`)
  if (header.alg !== SIGNATURE_ALG || typeof header.kid !== 'string') throw new SignatureInvalidError(`${kind} header must name alg ${SIGNATURE_ALG} and a kid`)
  if (payload === null || typeof payload !== 'object' || typeof payload.by !== 'string') throw new SignatureInvalidError(`${kind} payload must be an object naming its signer in \`by\``)

  const key = await resolveKey(payload.by, header.kid)
  if (key === undefined) throw new SignatureUnknownKeyError(`no signing key \`${header.kid}\` is registered for jurisdiction \`${payload.by}\``)
  try {
    await compactVerify(jws, key, { algorithms: [SIGNATURE_ALG] })
  } catch (err) {
    throw new SignatureInvalidError(`${kind} signature verification failed`, { cause: err })
  }
  return payload
}
