import { KeyObject, verify as verifySignature } from 'node:crypto'
import { base64url, compactVerify } from 'jose'
import { SIGNATURE_ALG } from '../constants.ts'
import {
  RecordInvalidError, RecordNotCanonicalError, RecordVersionMismatchError, SignatureDisclosureInvalidError, SignatureInvalidError, SignatureMissingError,
  SignatureProofInvalidError, SignatureRedactionForbiddenError, SignatureUnknownKeyError, SignatureVersionUnsupportedError
} from '../errors.ts'
import { verifySignedRecord } from '../signature.ts'
import type { KeyResolver } from '../signature.ts'
import { validateRecord } from '../validate.ts'
import { proofLeadsTo, rememberProof } from './proof-root.ts'
import type { KnownNodes, ProofPath } from './proof-root.ts'
import { MAX_UNITS, recomputeCommitment } from './recompute.ts'
import type { Disclosures } from './recompute.ts'
import { SALT_CHARS } from './salts.ts'
import { BATCH_SIGNATURE_TYP, SIGNATURE_VERSION_2 } from './types.ts'
import type { BatchRootStatement, VerifiedRecord } from './types.ts'
import { fixedPaths, isCommittedInClear, isPlainObject } from './units.ts'

export interface RecordVerifierOptions {
  /** Accept records with a version 1 signature (a JWS over the whole record). Default true. */
  acceptVersion1?: boolean
  /** Number of verified batch roots kept, oldest dropped first. Default 4096. */
  cacheSize?: number
}

/** Verifies one signed record of either signature version. */
export type RecordVerifier = (signed: unknown) => Promise<VerifiedRecord>

// Bounds that keep a hostile envelope from costing more than an honest one.
const MAX_PROOF_LENGTH = 32
// Proof nodes kept for the batches verified last, and per batch. Each record adds about half a
// node from level 2 up, so 512 nodes cover about the first thousand records of a batch, and all
// batches together take about a megabyte (an estimate, not measured).
const KNOWN_NODE_BATCHES = 16
const KNOWN_NODES_PER_BATCH = 512
const MAX_BATCH_SIZE = 2 ** 20
const SEED_PATTERN = /^[A-Za-z0-9_-]{22}$/
const SALT_PATTERN = new RegExp(`^[A-Za-z0-9_-]{${SALT_CHARS}}$`)
const DIGEST_PATTERN = /^[A-Za-z0-9_-]{43}$/
const SIGNATURE_PATTERN = /^[A-Za-z0-9_-]{86}$/
const BASE64URL_PATTERN = /^[A-Za-z0-9_-]*$/

// Node key objects of resolved WebCrypto keys, so each is converted once.
const keyObjects = new WeakMap<object, KeyObject>()

/** Returns the key as a node:crypto Ed25519 key object, or undefined for another kind of key. */
function ed25519KeyOf (key: unknown): KeyObject | undefined {
  let object: KeyObject | undefined
  if (key instanceof KeyObject) {
    object = key
  } else if (key instanceof CryptoKey) {
    object = keyObjects.get(key)
    if (object === undefined) {
      object = KeyObject.from(key)
      keyObjects.set(key, object)
    }
  }
  return object?.asymmetricKeyType === 'ed25519' ? object : undefined
}

/**
 * Creates a verifier of signed records. For a version 2 signature it checks, in this order:
 * - every unit present has a salt (from the seed, or given) and every salt a value;
 * - no field that identifies the record or carries its conditions was removed;
 * - the version hash matches the commitment recomputed from the values, salts and removed digests;
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
  const verifiedRoots = new Map<string, ParsedBatch>()
  // Checks under way, so records of one batch verified concurrently share one signature check.
  const pending = new Map<string, Promise<void>>()
  // Nodes of proofs checked against a verified root, so later records of a batch stop early.
  const knownNodes = new Map<string, KnownNodes>()

  // Returns a promise only when the key resolver or a WebCrypto check is asynchronous, because a
  // promise per record for nothing to wait on costs more than the rest of the root check.
  const verifyBatchSignature = (jurisdiction: string, batch: string, parsed: ParsedBatch, modified: string | undefined): Promise<void> | undefined => {
    // The key is resolved for every record, because its validity depends on the record's time.
    const key = resolveKey(jurisdiction, parsed.kid, modified)
    if (key instanceof Promise) return key.then(async resolved => await checkRoot(jurisdiction, batch, parsed, resolved))
    return checkRoot(jurisdiction, batch, parsed, key)
  }

  const checkRoot = (jurisdiction: string, batch: string, parsed: ParsedBatch, key: Awaited<ReturnType<KeyResolver>>): Promise<void> | undefined => {
    if (key === undefined) {
      throw new SignatureUnknownKeyError(`no record-signing key \`${parsed.kid}\` is registered for jurisdiction \`${jurisdiction}\` in the federation membership`)
    }
    if (verifiedRoots.has(batch)) return undefined
    const ed25519 = ed25519KeyOf(key)
    if (ed25519 !== undefined) {
      // node:crypto verifies on this thread, without WebCrypto's round trip through the thread
      // pool, which cost about 40 µs more per check (bench/signature.ts, batches of 1, Node 24).
      const dot = batch.lastIndexOf('.')
      const signature = batch.slice(dot + 1)
      let valid = false
      try {
        valid = SIGNATURE_PATTERN.test(signature) && verifySignature(null, Buffer.from(batch.slice(0, dot), 'latin1'), ed25519, Buffer.from(signature, 'base64url'))
      } catch {
        valid = false
      }
      // Deliberately bland: the message must not help anyone forge a signature.
      if (!valid) throw new SignatureInvalidError('batch root signature verification failed')
      verifiedRoots.set(batch, parsed)
      if (verifiedRoots.size > cacheSize) verifiedRoots.delete(verifiedRoots.keys().next().value as string)
      return undefined
    }
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
    return check
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
    const commitment = commitmentOf(record, envelope)

    const removedPaths = envelope.removed === undefined ? [] : Object.keys(envelope.removed).sort()
    if (removedPaths.length > 0) {
      const fixed = fixedPaths(typeof record.type === 'string' ? record.type : '')
      const forbidden = removedPaths.filter(path => fixed.has(path) || Array.from(fixed).some(f => f.startsWith(path + '/')))
      if (forbidden.length > 0) {
        throw new SignatureRedactionForbiddenError(`record \`${String(record.id)}\` lacks ${forbidden.map(p => `\`${p}\``).join(', ')}, which no holder may remove`, { field: forbidden[0] as string })
      }
    }

    if (record.versionHash !== 'sha256:' + commitment) {
      throw new RecordVersionMismatchError(`record \`${String(record.id)}\` carries version hash \`${String(record.versionHash)}\` but its disclosures hash to \`sha256:${commitment}\`: a value was added, altered or moved, or a digest replaced`, { field: 'versionHash' })
    }

    // Read only now: the jurisdiction is committed in clear, so a changed one fails the version
    // hash check above with that check's code, as SPEC section 5.2 orders the checks.
    const jurisdiction = readJurisdiction(record)
    // A statement verified once is cached under its exact JWS text, so it is not parsed again.
    const parsed = verifiedRoots.get(envelope.batch) ?? readBatch(envelope.batch)
    const { statement } = parsed
    if (statement.by !== jurisdiction) {
      throw new SignatureInvalidError(`batch root is signed for ${statement.by}, but the record originates at ${jurisdiction}`)
    }
    const known = knownNodes.get(envelope.batch)
    const path: ProofPath = { keys: [], nodes: [] }
    if (!proofLeadsTo(commitment, envelope.index, statement.size, envelope.proof, parsed.rootHex, known, path)) {
      throw new SignatureProofInvalidError(`inclusion proof of record \`${String(record.id)}\` (leaf ${envelope.index} of ${statement.size}) does not lead to the signed batch root`)
    }

    const modified = (record.provenance as { modified?: unknown }).modified
    const rootCheck = verifyBatchSignature(jurisdiction, envelope.batch, parsed, typeof modified === 'string' ? modified : undefined)
    if (rootCheck !== undefined) await rootCheck
    if (path.keys.length > 0) {
      let nodes = known ?? knownNodes.get(envelope.batch)
      if (nodes === undefined) {
        nodes = new Map()
        knownNodes.set(envelope.batch, nodes)
        if (knownNodes.size > KNOWN_NODE_BATCHES) knownNodes.delete(knownNodes.keys().next().value as string)
      }
      rememberProof(nodes, path, envelope.proof, KNOWN_NODES_PER_BATCH)
    }
    return { record: validateRecord(record), signatureVersion: 2, removedPaths }
  }
}

/**
 * Recomputes the commitment of a received record. A string with a lone surrogate has no
 * canonical form, so the signed bytes cannot be computed, and SPEC section 4 has the receiver
 * report ERR_SIG_INVALID for it, as the version 1 verifier does.
 */
function commitmentOf (record: Record<string, unknown>, envelope: EnvelopeV2): string {
  try {
    return recomputeCommitment(record, envelope)
  } catch (err) {
    if (!(err instanceof RecordNotCanonicalError)) throw err
    // The message names neither the field nor the id, because either may contain the lone
    // surrogate, and a receipt over the results could not canonicalize it either.
    throw new SignatureInvalidError('record has a name or string value with a lone surrogate, so it has no canonical form and its signed bytes cannot be computed', { cause: err })
  }
}

function readEnvelope (signed: unknown): { record: Record<string, unknown>, signature: Record<string, unknown> } {
  if (signed === null || typeof signed !== 'object') throw new SignatureMissingError('signed record must be an object with `record` and `signature`')
  const { record, signature } = signed as { record?: unknown, signature?: unknown }
  if (!isPlainObject(record)) throw new RecordInvalidError('signed record has no `record` object', { field: 'record' })
  if (!isPlainObject(signature)) throw new SignatureMissingError('record is not signed: `signature` is missing')
  return { record, signature }
}

/** A batch root statement whose header passed the checks, with its root as hex for the proof check. */
interface ParsedBatch {
  kid: string
  statement: BatchRootStatement
  rootHex: string
}

/** A version 2 envelope whose members have the types and bounds SPEC section 5.2 sets. */
interface EnvelopeV2 extends Disclosures {
  batch: string
  index: number
  proof: string[]
}

function readSignatureV2 (signature: Record<string, unknown>): EnvelopeV2 {
  const { batch, index, proof, seed, salts, removed } = signature
  const invalid = (problem: string, field?: string): never => {
    throw new SignatureDisclosureInvalidError(`version 2 signature is malformed: ${problem}`, field === undefined ? undefined : { field })
  }
  if (typeof batch !== 'string' || !isCompactJws(batch)) invalid('`batch` must be a compact JWS')
  if (!Number.isInteger(index) || (index as number) < 0) invalid('`index` must be a non-negative integer')
  if (!Array.isArray(proof) || proof.length > MAX_PROOF_LENGTH || !isHashList(proof)) {
    invalid(`\`proof\` must be at most ${MAX_PROOF_LENGTH} base64url SHA-256 hashes`)
  }
  if (signature.digests !== undefined) invalid('`digests` belongs to an earlier draft; a whole record carries `seed`, a redacted copy `salts` and `removed`')
  const envelope = { batch, index, proof } as EnvelopeV2

  if (seed !== undefined) {
    // A seed reveals every salt, so a copy that withholds a unit must not carry it.
    if (salts !== undefined || removed !== undefined) invalid('a signature with `seed` must not carry `salts` or `removed`: a holder that removes units replaces the seed by the salts of the units it keeps')
    if (typeof seed !== 'string' || !SEED_PATTERN.test(seed)) invalid('`seed` must be 16 bytes, base64url without padding')
    envelope.seed = Buffer.from(seed as string, 'base64url')
    return envelope
  }

  if (!isPlainObject(salts) || !isPlainObject(removed)) invalid('a version 2 signature needs `seed`, or both `salts` and `removed`')
  const saltPaths = Object.keys(salts as Record<string, unknown>)
  const removedPaths = Object.keys(removed as Record<string, unknown>)
  if (saltPaths.length + removedPaths.length > MAX_UNITS) invalid(`\`salts\` and \`removed\` together must have at most ${MAX_UNITS} entries`)
  for (const path of saltPaths) {
    const salt = (salts as Record<string, unknown>)[path]
    if (typeof salt !== 'string' || !SALT_PATTERN.test(salt)) invalid(`salt of \`${path}\` must be 18 bytes, ${SALT_CHARS} base64url characters`, path)
    if (isCommittedInClear(path)) invalid(`\`${path}\` is committed in clear and takes no salt`, path)
  }
  for (const path of removedPaths) {
    // A pointer of one or two tokens: a field, a member of `provenance`, or an element.
    const second = path.indexOf('/', 1)
    const digest = (removed as Record<string, unknown>)[path]
    if (path[0] !== '/' || (second >= 0 && path.indexOf('/', second + 1) >= 0) || typeof digest !== 'string' || !DIGEST_PATTERN.test(digest)) {
      invalid(`removed entry \`${path}\` must map a JSON Pointer of one or two tokens to a base64url SHA-256 hash`, path)
    }
    if ((salts as Record<string, unknown>)[path] !== undefined) invalid(`\`${path}\` has both a salt and a removed digest`, path)
  }
  envelope.salts = salts as Record<string, string>
  envelope.removed = removed as Record<string, string>
  return envelope
}

/** True for three parts separated by two dots, without splitting the string. */
function isCompactJws (text: string): boolean {
  const first = text.indexOf('.')
  const second = first < 0 ? -1 : text.indexOf('.', first + 1)
  return second > 0 && text.indexOf('.', second + 1) < 0
}

/** Returns true for a list of strings of 43 base64url characters each, with one pattern test over them all. */
function isHashList (list: unknown[]): boolean {
  for (const item of list) if (typeof item !== 'string' || item.length !== 43) return false
  return BASE64URL_PATTERN.test(list.join(''))
}

function readBatch (batch: string): ParsedBatch {
  const [encodedHeader, encodedPayload] = batch.split('.') as [string, string, string]
  let header: Record<string, unknown>
  let payload: Record<string, unknown>
  try {
    header = JSON.parse(new TextDecoder().decode(base64url.decode(encodedHeader))) as Record<string, unknown>
    payload = JSON.parse(new TextDecoder().decode(base64url.decode(encodedPayload))) as Record<string, unknown>
  } catch (err) {
    throw new SignatureInvalidError('batch root statement is not base64url-encoded JSON', { cause: err })
  }
  if (!isPlainObject(header)) throw new SignatureInvalidError('batch signature header must be a JSON object')
  if (header.alg !== SIGNATURE_ALG) throw new SignatureInvalidError(`batch signature algorithm must be \`${SIGNATURE_ALG}\`, got \`${String(header.alg)}\``)
  if (header.typ !== BATCH_SIGNATURE_TYP) throw new SignatureInvalidError(`batch signature type must be \`${BATCH_SIGNATURE_TYP}\`, got \`${String(header.typ)}\``)
  if (typeof header.kid !== 'string' || header.kid === '') throw new SignatureInvalidError('batch signature header has no `kid`')
  // No extension may change how the signature is checked (RFC 7515 section 4.1.11, RFC 7797),
  // and SPEC section 5.2 allows no other member, so two nodes agree on every header.
  const extra = Object.keys(header).filter(name => name !== 'alg' && name !== 'kid' && name !== 'typ')
  if (extra.length > 0) throw new SignatureInvalidError(`batch signature header must contain only \`alg\`, \`kid\` and \`typ\`, got also ${extra.map(name => `\`${name}\``).join(', ')}`)
  const { by, root, size, at } = isPlainObject(payload) ? payload : {}
  if (typeof by !== 'string' || typeof root !== 'string' || !DIGEST_PATTERN.test(root) || typeof at !== 'string' ||
      !Number.isInteger(size) || (size as number) < 1 || (size as number) > MAX_BATCH_SIZE) {
    throw new SignatureInvalidError(`batch root statement must name \`by\`, \`root\`, \`at\` and a \`size\` from 1 to ${MAX_BATCH_SIZE}`)
  }
  return { kid: header.kid, statement: { by, root, size: size as number, at }, rootHex: Buffer.from(root, 'base64url').toString('hex') }
}

function readJurisdiction (record: Record<string, unknown>): string {
  const jurisdiction = (record.provenance as { jurisdiction?: unknown } | undefined)?.jurisdiction
  if (typeof jurisdiction !== 'string' || !/^[A-Z]{2}$/.test(jurisdiction)) {
    throw new RecordInvalidError('field `provenance.jurisdiction` must name the originating jurisdiction as an ISO 3166-1 alpha-2 code', { field: 'provenance.jurisdiction' })
  }
  return jurisdiction
}
