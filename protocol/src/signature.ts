import { FlattenedSign, base64url, flattenedVerify } from 'jose'
import type { CryptoKey, KeyObject } from 'jose'
import { canonicalBytes } from './canonical.ts'
import { SIGNATURE_ALG, SIGNATURE_TYP } from './constants.ts'
import { RecordInvalidError, RecordVersionMismatchError, SignatureInvalidError, SignatureMissingError, SignatureUnknownKeyError } from './errors.ts'
import { computeVersionHash } from './record.ts'
import type { NfpRecord } from './record.ts'
import type { RecordSignatureV2 } from './signature-v2/types.ts'
import { validateRecord } from './validate.ts'

/**
 * Detached JWS (RFC 7515, flattened JSON serialisation without `payload`) over the RFC 8785
 * canonical form of the record.
 */
export interface RecordSignature {
  protected: string
  signature: string
}

/** A record together with the signature of its originating node. */
export interface SignedRecord {
  record: NfpRecord
  signature: RecordSignature
}

export type SigningKey = CryptoKey | KeyObject | Uint8Array

/**
 * Finds the public key a jurisdiction signs with under a key id, or returns undefined. `at` is
 * the signing time the object claims (a record's `provenance.modified`); a resolver that keeps
 * key validity periods throws SignatureKeyNotValidError or SignatureKeyRevokedError for it.
 */
export type KeyResolver = (jurisdiction: string, kid: string, at?: string) => Promise<SigningKey | undefined> | SigningKey | undefined

/**
 * Returns the key id of a record signature of either version (the protected header of a
 * version 1 JWS, or of a version 2 batch root statement), or undefined when it cannot be read.
 */
export function signatureKeyId (signature: RecordSignature | RecordSignatureV2): string | undefined {
  try {
    const encoded = 'batch' in signature ? signature.batch.split('.')[0] as string : signature.protected
    const header = JSON.parse(new TextDecoder().decode(base64url.decode(encoded))) as { kid?: unknown }
    return typeof header.kid === 'string' ? header.kid : undefined
  } catch {
    return undefined
  }
}

/** Signs a record as its originating node. The record must already carry its version hash. */
export async function signRecord (record: NfpRecord, key: { privateKey: SigningKey, kid: string }): Promise<SignedRecord> {
  const jws = await new FlattenedSign(canonicalBytes(record))
    .setProtectedHeader({ alg: SIGNATURE_ALG, kid: key.kid, typ: SIGNATURE_TYP })
    .sign(key.privateKey)
  return { record, signature: { protected: jws.protected as string, signature: jws.signature } }
}

/**
 * Verifies a signed record before anything is stored: the signature by the key its
 * originating jurisdiction published under the given key id, then the record schema, then
 * the version hash.
 *
 * @throws SignatureMissingError, SignatureUnknownKeyError, SignatureInvalidError,
 *   RecordInvalidError or RecordVersionMismatchError.
 */
export async function verifySignedRecord (signed: unknown, resolveKey: KeyResolver): Promise<NfpRecord> {
  const { record, signature } = readEnvelope(signed)
  const header = readProtectedHeader(signature.protected)

  const jurisdiction = readJurisdiction(record)
  const modified = (record.provenance as { modified?: unknown }).modified
  const key = await resolveKey(jurisdiction, header.kid, typeof modified === 'string' ? modified : undefined)
  if (key === undefined) {
    throw new SignatureUnknownKeyError(`no record-signing key \`${header.kid}\` is registered for jurisdiction \`${jurisdiction}\` in the federation membership`)
  }

  let payload: string
  try {
    payload = base64url.encode(canonicalBytes(record))
  } catch (err) {
    throw new SignatureInvalidError('record signature verification failed', { cause: err })
  }
  try {
    await flattenedVerify({ protected: signature.protected, payload, signature: signature.signature }, key, { algorithms: [SIGNATURE_ALG] })
  } catch (err) {
    // Deliberately bland: the message must not help anyone forge a signature.
    throw new SignatureInvalidError('record signature verification failed', { cause: err })
  }

  const valid = validateRecord(record)
  const expected = computeVersionHash(valid)
  if (valid.versionHash !== expected) {
    throw new RecordVersionMismatchError(`record \`${valid.id}\` carries version hash \`${valid.versionHash}\` but its content hashes to \`${expected}\``, { field: 'versionHash' })
  }
  return valid
}

function readEnvelope (signed: unknown): { record: Record<string, unknown>, signature: RecordSignature } {
  if (signed === null || typeof signed !== 'object') throw new SignatureMissingError('signed record must be an object with `record` and `signature`')
  const { record, signature } = signed as { record?: unknown, signature?: unknown }
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    throw new RecordInvalidError('signed record has no `record` object', { field: 'record' })
  }
  if (signature === null || typeof signature !== 'object') throw new SignatureMissingError('record is not signed: `signature` is missing')
  const { protected: prot, signature: value } = signature as Record<string, unknown>
  if (typeof prot !== 'string' || typeof value !== 'string' || prot === '' || value === '') {
    throw new SignatureMissingError('record is not signed: `signature.protected` and `signature.signature` must be non-empty strings')
  }
  return { record: record as Record<string, unknown>, signature: { protected: prot, signature: value } }
}

function readProtectedHeader (encoded: string): { kid: string } {
  let header: unknown
  try {
    header = JSON.parse(new TextDecoder().decode(base64url.decode(encoded)))
  } catch (err) {
    throw new SignatureInvalidError('signature protected header is not base64url-encoded JSON', { cause: err })
  }
  const { alg, kid, typ } = (header ?? {}) as Record<string, unknown>
  if (alg !== SIGNATURE_ALG) throw new SignatureInvalidError(`signature algorithm must be \`${SIGNATURE_ALG}\`, got \`${String(alg)}\``)
  if (typ !== SIGNATURE_TYP) throw new SignatureInvalidError(`signature type must be \`${SIGNATURE_TYP}\`, got \`${String(typ)}\``)
  if (typeof kid !== 'string' || kid === '') throw new SignatureInvalidError('signature protected header has no `kid`')
  return { kid }
}

function readJurisdiction (record: Record<string, unknown>): string {
  const provenance = record.provenance as { jurisdiction?: unknown } | undefined
  const jurisdiction = provenance?.jurisdiction
  if (typeof jurisdiction !== 'string' || !/^[A-Z]{2}$/.test(jurisdiction)) {
    throw new RecordInvalidError('field `provenance.jurisdiction` must name the originating jurisdiction as an ISO 3166-1 alpha-2 code', { field: 'provenance.jurisdiction' })
  }
  return jurisdiction
}
