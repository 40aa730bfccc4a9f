import type { NfpRecord } from '../record.ts'
import type { SignedRecord } from '../signature.ts'

/** Value of `signature.version` that marks a record signature of scheme version 2. */
export const SIGNATURE_VERSION_2 = 2

/** JWS `typ` of the statement that signs a batch root. */
export const BATCH_SIGNATURE_TYP = 'nfp-batch+jws'

/** Salt length in bytes: 128 bits, so a removed value cannot be found by hashing guesses. */
export const SALT_BYTES = 16

/**
 * Record signature of scheme version 2. The originator commits to every disclosure unit of the
 * record (a top-level field, a member of `provenance`, or one element of an array of record
 * ids) with a salted SHA-256 digest and hashes the digests into the record's version hash. It
 * then signs the root of a Merkle tree over the version hashes of a batch of records.
 */
export interface RecordSignatureV2 {
  version: 2
  /** Compact JWS (`typ` nfp-batch+jws) over the batch root statement. */
  batch: string
  /** Position of this record's leaf in the batch tree. */
  index: number
  /** Sibling hashes from the leaf up to the root, base64url, as in RFC 9162 section 2.1.3. */
  proof: string[]
  /** Digest of every disclosure unit the originator committed to, keyed by JSON Pointer. */
  digests: Record<string, string>
  /** Salt of every unit still disclosed, keyed by JSON Pointer; a removed unit has none. */
  salts: Record<string, string>
}

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
