import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK } from 'jose'
import type { JWK } from 'jose'
import { SIGNATURE_ALG } from './constants.ts'
import type { SigningKey } from './signature.ts'

/** A record-signing key pair as JWKs, with its key id (the RFC 7638 thumbprint of the public key). */
export interface SigningKeyPair {
  kid: string
  publicJwk: JWK
  privateJwk: JWK
}

/** Generates a new Ed25519 record-signing key pair. */
export async function generateSigningKey (): Promise<SigningKeyPair> {
  const { publicKey, privateKey } = await generateKeyPair(SIGNATURE_ALG, { crv: 'Ed25519', extractable: true })
  const publicJwk = await exportJWK(publicKey)
  const privateJwk = await exportJWK(privateKey)
  const kid = await calculateJwkThumbprint(publicJwk)
  return { kid, publicJwk: { ...publicJwk, kid }, privateJwk: { ...privateJwk, kid } }
}

/** Imports a JWK (public or private) for use with `signRecord` or `verifySignedRecord`. */
export async function importSigningKey (jwk: JWK): Promise<SigningKey> {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') throw new TypeError('record-signing keys must be Ed25519 OKP JWKs')
  return await importJWK(jwk, SIGNATURE_ALG) as SigningKey
}

/** Computes the key id of a public JWK. */
export async function keyIdOf (jwk: JWK): Promise<string> {
  return await calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x } as JWK)
}
