import type { NfpRecord } from '../record.ts'
import type { SignedRecord } from '../signature.ts'

/** Value of `signature.version` that marks a record signature of scheme version 2. */
export const SIGNATURE_VERSION_2 = 2

/** JWS `typ` of the statement that signs a batch root. */
export const BATCH_SIGNATURE_TYP = 'nfp-batch+jws'

/** Seed length in bytes: 128 bits, from which the salt of every unit is derived. */
export const SEED_BYTES = 16

/**
 * Salt length in bytes (144 bits). It is at least 128 bits, so a removed value cannot be found by
 * hashing guesses. It is a multiple of 3, so each salt is exactly 24 base64url characters and the
 * salts of a record can be cut from one base64url string.
 */
export const SALT_BYTES = 18

/** Members every version 2 signature carries. */
interface RecordSignatureV2Base {
  version: 2
  /** Compact JWS (`typ` nfp-batch+jws) over the batch root statement. */
  batch: string
  /** Position of this record's leaf in the batch tree. */
  index: number
  /** Sibling hashes from the leaf up to the root, base64url, as in RFC 9162 section 2.1.3. */
  proof: string[]
}

/**
 * A version 2 signature of a record with every unit disclosed: one seed, from which the
 * verifier derives the salt of every unit (SPEC section 5.2), and no digests.
 */
export interface RecordSignatureV2Whole extends RecordSignatureV2Base {
  /** 16 random bytes, base64url. */
  seed: string
  salts?: undefined
  removed?: undefined
}

/**
 * A version 2 signature of a copy from which a holder removed units. The seed would make the
 * removed values guessable, so it is replaced by the salts of the units still disclosed and the
 * digests of the removed ones.
 */
export interface RecordSignatureV2Redacted extends RecordSignatureV2Base {
  seed?: undefined
  /** Salt of every unit still disclosed, keyed by JSON Pointer, 24 base64url characters each. */
  salts: Record<string, string>
  /** Digest of every removed unit, keyed by JSON Pointer, base64url SHA-256. */
  removed: Record<string, string>
}

/**
 * Record signature of scheme version 2. The originator commits to every disclosure unit of the
 * record (a top-level field, a member of `provenance`, or one element of an array of record
 * ids) with a salted SHA-256 digest and hashes the digests into the record's version hash. It
 * then signs the root of a Merkle tree over the version hashes of a batch of records.
 */
export type RecordSignatureV2 = RecordSignatureV2Whole | RecordSignatureV2Redacted

/** A record with a version 2 signature. */
export interface SignedRecordV2 {
  record: NfpRecord
  signature: RecordSignatureV2
}

/** A record signed with either scheme version. */
export type AnySignedRecord = SignedRecord | SignedRecordV2

/** Payload of the batch root statement. */
export interface BatchRootStatement {
  /** Originating jurisdiction; every record of the batch must name it in `provenance.jurisdiction`. */
  by: string
  /** Merkle root over the batch, base64url. */
  root: string
  /** Number of records in the batch. */
  size: number
  at: string
}

/** The outcome of verifying a signed record. */
export interface VerifiedRecord {
  record: NfpRecord
  /** Signature scheme version of the envelope. */
  signatureVersion: 1 | 2
  /** JSON Pointers of the units the originator committed to and a later holder removed, sorted. */
  removedPaths: string[]
}
