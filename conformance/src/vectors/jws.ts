import { createPrivateKey, sign } from 'node:crypto'
import type { JWK } from 'jose'
import { canonicalBytes } from '@ceasefire/protocol'

/** A private Ed25519 key as a JWK with its key id. */
export interface VectorKey {
  kid: string
  privateJwk: JWK
}

const b64u = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString('base64url')

/**
 * Signs `payload` as a detached flattened JWS with exactly the given protected header. Unlike a
 * JWS library it lets a vector carry a wrong `alg` or `typ`, which is what invalid vectors need.
 */
export function detachedJws (payload: unknown, header: Record<string, unknown>, key: VectorKey): { protected: string, signature: string } {
  const protectedHeader = b64u(JSON.stringify(header))
  const input = `${protectedHeader}.${b64u(canonicalBytes(payload))}`
  const keyObject = createPrivateKey({ key: key.privateJwk as never, format: 'jwk' })
  return { protected: protectedHeader, signature: b64u(sign(null, Buffer.from(input), keyObject)) }
}

/** Signs `payload` as a compact JWS statement (SPEC section 6.2) with the given `typ`. */
export function compactJws (payload: unknown, typ: string, key: VectorKey): string {
  const protectedHeader = b64u(JSON.stringify({ alg: 'EdDSA', kid: key.kid, typ }))
  const body = b64u(canonicalBytes(payload))
  const keyObject = createPrivateKey({ key: key.privateJwk as never, format: 'jwk' })
  return `${protectedHeader}.${body}.${b64u(sign(null, Buffer.from(`${protectedHeader}.${body}`), keyObject))}`
}
