import { CompactSign, base64url, flattenedVerify } from 'jose'
import { SIGNATURE_ALG, canonicalBytes, errors, importSigningKey, memberKeyAt } from '@ceasefire/protocol'
import type { Member, SigningKey } from '@ceasefire/protocol'
import type { RequestMessage, UnsignedRequestMessage } from './types.ts'

/** JWS `typ` of a message of `/nfp/request/1.0.0`, so the signature cannot pass for a record or a statement. */
export const REQUEST_MESSAGE_TYP = 'nfp-request-message+jws'

/**
 * Signs a message of `/nfp/request/1.0.0` with the sending node's record-signing key. The
 * signature is a compact JWS with a detached payload (`header..signature`); the payload is the
 * RFC 8785 canonical form of the message without its `signature` member, so every field,
 * including the records and refusals of an answer and the clock, is covered.
 */
export async function signRequestMessage (message: UnsignedRequestMessage, key: { privateKey: SigningKey, kid: string }): Promise<RequestMessage> {
  const jws = await new CompactSign(canonicalBytes(message))
    .setProtectedHeader({ alg: SIGNATURE_ALG, kid: key.kid, typ: REQUEST_MESSAGE_TYP })
    .sign(key.privateKey)
  const [header, , signature] = jws.split('.')
  return { ...message, signature: `${header as string}..${signature as string}` } as RequestMessage
}

/**
 * Checks that `message` was signed by its `sender` with a key the membership lists for that
 * member and that was valid at the `sentAt` the message claims.
 *
 * @throws SignatureInvalidError when the signature is malformed or does not match the message
 *   (a forged or altered message), SignatureUnknownKeyError, SignatureKeyRevokedError or
 *   SignatureKeyNotValidError when the key does not fit.
 */
export async function verifyRequestMessage (message: RequestMessage, sender: Member | undefined, keys: Map<string, SigningKey>): Promise<void> {
  const what = `${message.type} message \`${message.messageId}\` from ${message.sender}`
  const parts = typeof message.signature === 'string' ? message.signature.split('.') : []
  if (parts.length !== 3 || parts[1] !== '') throw new errors.SignatureInvalidError(`${what} has no detached compact JWS in \`signature\``, { field: 'signature' })
  const [encodedHeader, , encodedSignature] = parts as [string, string, string]
  let header: Record<string, unknown>
  try {
    header = JSON.parse(new TextDecoder().decode(base64url.decode(encodedHeader))) as Record<string, unknown>
  } catch (err) {
    throw new errors.SignatureInvalidError(`${what} has a signature header that is not base64url-encoded JSON`, { cause: err, field: 'signature' })
  }
  if (header.typ !== REQUEST_MESSAGE_TYP || header.alg !== SIGNATURE_ALG || typeof header.kid !== 'string') {
    throw new errors.SignatureInvalidError(`${what} must be signed with alg ${SIGNATURE_ALG}, typ ${REQUEST_MESSAGE_TYP} and a kid`, { field: 'signature' })
  }
  const entry = memberKeyAt(sender, message.sender, header.kid, message.sentAt)
  const cacheKey = `${message.sender}/${entry.kid}`
  let key = keys.get(cacheKey)
  if (key === undefined) {
    key = await importSigningKey(entry.jwk)
    keys.set(cacheKey, key)
  }
  const { signature: _signature, ...unsigned } = message
  try {
    await flattenedVerify({ protected: encodedHeader, payload: base64url.encode(canonicalBytes(unsigned)), signature: encodedSignature }, key, { algorithms: [SIGNATURE_ALG] })
  } catch (err) {
    throw new errors.SignatureInvalidError(`${what} does not match its signature: it was altered or not signed by ${message.sender}; it was rejected`, { cause: err, field: 'signature' })
  }
}
