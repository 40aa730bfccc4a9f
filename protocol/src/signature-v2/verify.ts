import { base64url, compactVerify } from 'jose'
import { SIGNATURE_ALG } from '../constants.ts'
import {
  RecordInvalidError, RecordVersionMismatchError, SignatureDisclosureInvalidError, SignatureInvalidError, SignatureMissingError,
  SignatureProofInvalidError, SignatureRedactionForbiddenError, SignatureUnknownKeyError, SignatureVersionUnsupportedError
} from '../errors.ts'
import { verifySignedRecord } from '../signature.ts'
import type { KeyResolver } from '../signature.ts'
import { validateRecord } from '../validate.ts'
import { commitmentHash, disclosureDigest, versionHashOf } from './digest.ts'
import { rootFromProof } from './merkle-proof.ts'
import { leafHash } from './merkle-tree.ts'
import { toPointer } from './pointer.ts'
import { BATCH_SIGNATURE_TYP, SIGNATURE_VERSION_2 } from './types.ts'
import type { BatchRootStatement, RecordSignatureV2, VerifiedRecord } from './types.ts'
import { fixedPaths, isDerivedField, isMemberwiseField, isPlainObject } from './units.ts'

export interface RecordVerifierOptions {
  /** Accept records with a version 1 signature (a JWS over the whole record). Default true. */
  acceptVersion1?: boolean
  /** Number of verified batch roots kept, oldest dropped first. Default 4096. */
  cacheSize?: number
}

/** Verifies one signed record of either signature version. */
export type RecordVerifier = (signed: unknown) => Promise<VerifiedRecord>

// Bounds that keep a hostile envelope from costing more than an honest one.
const MAX_DIGESTS = 1024
const MAX_PROOF_LENGTH = 32
const MAX_BATCH_SIZE = 2 ** 20
const SALT_PATTERN = /^[A-Za-z0-9_-]{22,86}$/
const DIGEST_PATTERN = /^[A-Za-z0-9_-]{43}$/
const INDEX_TOKEN = /^(0|[1-9][0-9]{0,5})$/

/**
 * Creates a verifier of signed records. For a version 2 signature it checks, in this order:
 * - every field present matches the originator's digest with the salt given;
 * - no field that identifies the record or carries its conditions was removed;
 * - the version hash matches the digests;
 * - the inclusion proof leads to the signed batch root;
 * - the root is signed by a key of the originating jurisdiction valid at `provenance.modified`;
 * - the record matches its schema.
 * A verified root is cached, so the other records of its batch cost no signature check.
 *
 * @returns a function that throws SignatureMissingError, SignatureVersionUnsupportedError,
 *   SignatureDisclosureInvalidError, SignatureRedactionForbiddenError, RecordVersionMismatchError,
 *   SignatureProofInvalidError, SignatureUnknownKeyError, SignatureInvalidError, the key validity
 *   errors of `resolveKey`, or RecordInvalidError.
 */
export function createRecordVerifier (resolveKey: KeyResolver, options: RecordVerifierOptions = {}): RecordVerifier {
  const acceptVersion1 = options.acceptVersion1 ?? true
  const cacheSize = options.cacheSize ?? 4096
  // Batch root statements whose signature verified, keyed by the compact JWS, with their parsed content.
  const verifiedRoots = new Map<string, { kid: string, statement: BatchRootStatement }>()
  // Checks under way, so records of one batch verified concurrently share one signature check.
  const pending = new Map<string, Promise<void>>()

  const verifyBatchSignature = async (jurisdiction: string, batch: string, parsed: { kid: string, statement: BatchRootStatement }, modified: string | undefined): Promise<void> => {
    // The key is resolved for every record, because its validity depends on the record's time.
    const key = await resolveKey(jurisdiction, parsed.kid, modified)
    if (key === undefined) {
      throw new SignatureUnknownKeyError(`no record-signing key \`${parsed.kid}\` is registered for jurisdiction \`${jurisdiction}\` in the federation membership`)
    }
    if (verifiedRoots.has(batch)) return
    let check = pending.get(batch)
    if (check === undefined) {
      check = compactVerify(batch, key, { algorithms: [SIGNATURE_ALG] }).then(() => {
        verifiedRoots.set(batch, parsed)
        if (verifiedRoots.size > cacheSize) verifiedRoots.delete(verifiedRoots.keys().next().value as string)
      }, (err: unknown) => {
        // Deliberately bland: the message must not help anyone forge a signature.
        throw new SignatureInvalidError('batch root signature verification failed', { cause: err })
      }).finally(() => pending.delete(batch))
      pending.set(batch, check)
    }
    await check
  }

  return async (signed: unknown): Promise<VerifiedRecord> => {
    const { record, signature } = readEnvelope(signed)
    const version = (signature as { version?: unknown }).version
    if (version === undefined) {
      if (!acceptVersion1) {
        throw new SignatureVersionUnsupportedError('record carries a version 1 signature, which this node no longer accepts on the wire; the originator must sign it again with version 2')
      }
      return { record: await verifySignedRecord(signed, resolveKey), signatureVersion: 1, removedPaths: [] }
    }
    if (version !== SIGNATURE_VERSION_2) {
      throw new SignatureVersionUnsupportedError(`record signature version ${JSON.stringify(version)} is not supported; this node verifies versions 1 and 2`)
    }

    const envelope = readSignatureV2(signature)
    const jurisdiction = readJurisdiction(record)
    const removedPaths = checkDisclosures(record, envelope)

    const type = typeof record.type === 'string' ? record.type : ''
    const fixed = fixedPaths(type)
    const forbidden = removedPaths.filter(path => fixed.has(path) || Array.from(fixed).some(f => f.startsWith(path + '/')))
    if (forbidden.length > 0) {
      throw new SignatureRedactionForbiddenError(`record \`${String(record.id)}\` lacks ${forbidden.map(p => `\`${p}\``).join(', ')}, which no holder may remove`, { field: forbidden[0] as string })
    }

    const commitment = commitmentHash(envelope.digests)
    const expected = versionHashOf(commitment)
    if (record.versionHash !== expected) {
      throw new RecordVersionMismatchError(`record \`${String(record.id)}\` carries version hash \`${String(record.versionHash)}\` but its digests hash to \`${expected}\``, { field: 'versionHash' })
    }

    // The kid is a thumbprint of the key, so a statement verified once needs no second parse.
    const parsed = verifiedRoots.get(envelope.batch) ?? readBatch(envelope.batch)
    const { statement } = parsed
    if (statement.by !== jurisdiction) {
      throw new SignatureInvalidError(`batch root is signed for ${statement.by}, but the record originates at ${jurisdiction}`)
    }
    const root = rootFromProof(leafHash(commitment), envelope.index, statement.size, envelope.proof.map(p => Buffer.from(p, 'base64url')))
    if (root === undefined || root.toString('base64url') !== statement.root) {
      throw new SignatureProofInvalidError(`inclusion proof of record \`${String(record.id)}\` (leaf ${envelope.index} of ${statement.size}) does not lead to the signed batch root`)
    }

    const modified = (record.provenance as { modified?: unknown }).modified
    await verifyBatchSignature(jurisdiction, envelope.batch, parsed, typeof modified === 'string' ? modified : undefined)
    return { record: validateRecord(record), signatureVersion: 2, removedPaths }
  }
}

/**
 * Checks every field of the record against the originator's digests and returns the paths the
 * originator committed to that are no longer disclosed.
 */
function checkDisclosures (record: Record<string, unknown>, envelope: RecordSignatureV2): string[] {
  const { digests, salts } = envelope
  const disclosed = new Set<string>()
  const check = (path: string, value: unknown): void => {
    const salt = salts[path]
    const digest = digests[path]
    if (digest === undefined) throw new SignatureDisclosureInvalidError(`field \`${path}\` is not covered by the originator's signature`, { field: path })
    if (salt === undefined) throw new SignatureDisclosureInvalidError(`field \`${path}\` has no salt, so it cannot be checked against the originator's digest`, { field: path })
    if (disclosureDigest(salt, path, value) !== digest) {
      throw new SignatureDisclosureInvalidError(`field \`${path}\` does not match the originator's digest: it was altered or moved`, { field: path })
    }
    disclosed.add(path)
  }

  for (const [name, value] of Object.entries(record)) {
    if (isDerivedField(name)) continue
    const whole = toPointer(name)
    if (digests[whole] !== undefined) {
      check(whole, value)
    } else if (isMemberwiseField(name)) {
      if (!isPlainObject(value)) throw new SignatureDisclosureInvalidError(`field \`${whole}\` must be an object`, { field: whole })
      for (const [member, inner] of Object.entries(value)) check(toPointer(name, member), inner)
    } else {
      const indexes = elementIndexes(salts, whole)
      if (indexes.length === 0 || !Array.isArray(value)) {
        throw new SignatureDisclosureInvalidError(`field \`${whole}\` is not covered by the originator's signature`, { field: whole })
      }
      if (value.length !== indexes.length) {
        throw new SignatureDisclosureInvalidError(`field \`${whole}\` has ${value.length} elements but ${indexes.length} disclosures`, { field: whole })
      }
      value.forEach((element, i) => check(toPointer(name, indexes[i] as number), element))
    }
  }

  for (const path of Object.keys(salts)) {
    if (!disclosed.has(path)) throw new SignatureDisclosureInvalidError(`a salt is given for \`${path}\`, but the record has no value there`, { field: path })
  }
  return Object.keys(digests).filter(path => !disclosed.has(path)).sort()
}

/** Original positions of the disclosed elements of an array committed element by element, ascending. */
function elementIndexes (salts: Record<string, string>, whole: string): number[] {
  const prefix = whole + '/'
  return Object.keys(salts)
    .filter(path => path.startsWith(prefix) && INDEX_TOKEN.test(path.slice(prefix.length)))
    .map(path => Number(path.slice(prefix.length)))
    .sort((a, b) => a - b)
}

function readEnvelope (signed: unknown): { record: Record<string, unknown>, signature: Record<string, unknown> } {
  if (signed === null || typeof signed !== 'object') throw new SignatureMissingError('signed record must be an object with `record` and `signature`')
  const { record, signature } = signed as { record?: unknown, signature?: unknown }
  if (!isPlainObject(record)) throw new RecordInvalidError('signed record has no `record` object', { field: 'record' })
  if (!isPlainObject(signature)) throw new SignatureMissingError('record is not signed: `signature` is missing')
  return { record, signature }
}

function readSignatureV2 (signature: Record<string, unknown>): RecordSignatureV2 {
  const { batch, index, proof, digests, salts } = signature
  const invalid = (what: string): never => { throw new SignatureDisclosureInvalidError(`version 2 signature is malformed: ${what}`) }
  if (typeof batch !== 'string' || batch.split('.').length !== 3) invalid('`batch` must be a compact JWS')
  if (!Number.isInteger(index) || (index as number) < 0) invalid('`index` must be a non-negative integer')
  if (!Array.isArray(proof) || proof.length > MAX_PROOF_LENGTH || !proof.every(p => typeof p === 'string' && DIGEST_PATTERN.test(p))) {
    invalid(`\`proof\` must be at most ${MAX_PROOF_LENGTH} base64url SHA-256 hashes`)
  }
  if (!isPlainObject(digests) || Object.keys(digests).length > MAX_DIGESTS) invalid(`\`digests\` must be an object of at most ${MAX_DIGESTS} entries`)
  if (!isPlainObject(salts)) invalid('`salts` must be an object')
  for (const [path, digest] of Object.entries(digests as Record<string, unknown>)) {
    // A pointer of one or two tokens: a field, a member of `provenance`, or an element.
    const second = path.indexOf('/', 1)
    if (path[0] !== '/' || (second >= 0 && path.indexOf('/', second + 1) >= 0) || typeof digest !== 'string' || !DIGEST_PATTERN.test(digest)) {
      invalid(`digest entry \`${path}\` must map a JSON Pointer of one or two tokens to a base64url SHA-256 hash`)
    }
  }
  for (const [path, salt] of Object.entries(salts as Record<string, unknown>)) {
    if ((digests as Record<string, unknown>)[path] === undefined) invalid(`salt \`${path}\` has no digest`)
    if (typeof salt !== 'string' || !SALT_PATTERN.test(salt)) invalid(`salt of \`${path}\` must be base64url of at least 128 bits`)
  }
  return signature as unknown as RecordSignatureV2
}

function readBatch (batch: string): { kid: string, statement: BatchRootStatement } {
  const [encodedHeader, encodedPayload] = batch.split('.') as [string, string, string]
  let header: Record<string, unknown>
  let payload: Record<string, unknown>
  try {
    header = JSON.parse(new TextDecoder().decode(base64url.decode(encodedHeader))) as Record<string, unknown>
    payload = JSON.parse(new TextDecoder().decode(base64url.decode(encodedPayload))) as Record<string, unknown>
  } catch (err) {
    throw new SignatureInvalidError('batch root statement is not base64url-encoded JSON', { cause: err })
  }
  if (header.alg !== SIGNATURE_ALG) throw new SignatureInvalidError(`batch signature algorithm must be \`${SIGNATURE_ALG}\`, got \`${String(header.alg)}\``)
  if (header.typ !== BATCH_SIGNATURE_TYP) throw new SignatureInvalidError(`batch signature type must be \`${BATCH_SIGNATURE_TYP}\`, got \`${String(header.typ)}\``)
  if (typeof header.kid !== 'string' || header.kid === '') throw new SignatureInvalidError('batch signature header has no `kid`')
  const { by, root, size, at } = payload ?? {}
  if (typeof by !== 'string' || typeof root !== 'string' || !DIGEST_PATTERN.test(root) || typeof at !== 'string' ||
      !Number.isInteger(size) || (size as number) < 1 || (size as number) > MAX_BATCH_SIZE) {
    throw new SignatureInvalidError(`batch root statement must name \`by\`, \`root\`, \`at\` and a \`size\` from 1 to ${MAX_BATCH_SIZE}`)
  }
  return { kid: header.kid, statement: { by, root, size: size as number, at } }
}

function readJurisdiction (record: Record<string, unknown>): string {
  const jurisdiction = (record.provenance as { jurisdiction?: unknown } | undefined)?.jurisdiction
  if (typeof jurisdiction !== 'string' || !/^[A-Z]{2}$/.test(jurisdiction)) {
    throw new RecordInvalidError('field `provenance.jurisdiction` must name the originating jurisdiction as an ISO 3166-1 alpha-2 code', { field: 'provenance.jurisdiction' })
  }
  return jurisdiction
}
