import { createHmac, randomBytes } from 'node:crypto'
import { canonicalize } from '../canonical.ts'
import type { NfpRecord } from '../record.ts'
import { commitmentHash, disclosureDigest, versionHashOf } from './digest.ts'
import { SALT_BYTES } from './types.ts'
import { disclosureUnits } from './units.ts'

/** A record with its salted digests, ready to be signed in a batch. */
export interface CommittedRecord {
  /** The record with `versionHash` set to the hex form of `commitment`. */
  record: NfpRecord
  digests: Record<string, string>
  salts: Record<string, string>
  commitment: Buffer
}

export interface CommitOptions {
  /**
   * Salts of an earlier version of the same record. A unit gets a salt derived from its earlier
   * salt and its value (HMAC-SHA256), so committing the same copy twice gives the same version
   * hash. The derived salt is as hard to guess as the random one it comes from.
   */
  derivedFrom?: Record<string, string>
  /** Returns the salt for a path; only for fixed test vectors, never in a running node. */
  saltFor?: (path: string) => string
}

/**
 * Commits to every disclosure unit of a complete record with a fresh 128-bit salt from the
 * operating system's CSPRNG and sets the record's version hash from the digests. The record is
 * not validated here; the caller validates the returned record.
 */
export function commitRecord (record: Record<string, unknown>, options: CommitOptions = {}): CommittedRecord {
  const digests: Record<string, string> = {}
  const salts: Record<string, string> = {}
  for (const unit of disclosureUnits(record)) {
    const salt = saltOf(unit.path, unit.value, options)
    salts[unit.path] = salt
    digests[unit.path] = disclosureDigest(salt, unit.path, unit.value)
  }
  const commitment = commitmentHash(digests)
  return { record: { ...record, versionHash: versionHashOf(commitment) } as NfpRecord, digests, salts, commitment }
}

function saltOf (path: string, value: unknown, options: CommitOptions): string {
  if (options.saltFor !== undefined) return options.saltFor(path)
  const earlier = options.derivedFrom?.[path]
  if (earlier !== undefined) {
    return createHmac('sha256', Buffer.from(earlier, 'base64url')).update(canonicalize([path, value])).digest().subarray(0, SALT_BYTES).toString('base64url')
  }
  return randomBytes(SALT_BYTES).toString('base64url')
}
