import { createHmac, randomBytes } from 'node:crypto'
import { canonicalBytes, canonicalize } from '../canonical.ts'
import type { NfpRecord } from '../record.ts'
import { commitmentHash, disclosureDigest, versionHashOf } from './digest.ts'
import { deriveSalts, SALT_CHARS } from './salts.ts'
import { SEED_BYTES } from './types.ts'
import type { RecordSignatureV2 } from './types.ts'
import { disclosureUnits, isCommittedInClear } from './units.ts'

/** A record with the seed of its salts, ready to be signed in a batch. */
export interface CommittedRecord {
  /** The record with `versionHash` set to the hex form of `commitment`. */
  record: NfpRecord
  /** 16 bytes, base64url: the salts of all units derive from it (SPEC section 5.2). */
  seed: string
  commitment: Buffer
}

export interface CommitOptions {
  /**
   * The signature of an earlier version of the same record. The seed is then derived from that
   * signature's seed (or salts) and the new content with HMAC-SHA256, so committing the same copy
   * twice gives the same version hash. The derived seed is as hard to guess as the one it comes from.
   */
  derivedFrom?: RecordSignatureV2
  /** A fixed seed, base64url; only for fixed test vectors, never in a running node. */
  seed?: string
}

/**
 * Commits to every disclosure unit of a complete record. It draws a 128-bit seed from the
 * operating system's CSPRNG (unless `options` gives or derives one) and derives the salt of each
 * salted unit from it. The record's version hash then covers the digests of those units and the
 * values of the units committed in clear. The record is not validated here, so the caller must
 * validate the returned record.
 */
export function commitRecord (record: Record<string, unknown>, options: CommitOptions = {}): CommittedRecord {
  const { versionHash: _ignored, ...content } = record
  const seed = options.seed ?? seedOf(content, options.derivedFrom)
  // Code unit order of the paths, as RFC 8785 sorts member names; paths are unique.
  const units = disclosureUnits(content).sort((a, b) => a.path < b.path ? -1 : 1)
  const salted = units.filter(unit => !isCommittedInClear(unit.path))
  const salts = deriveSalts(Buffer.from(seed, 'base64url'), salted.length)
  const committed: Record<string, unknown> = {}
  for (const unit of units) committed[unit.path] = unit.value
  salted.forEach((unit, i) => { committed[unit.path] = disclosureDigest(salts.slice(i * SALT_CHARS, (i + 1) * SALT_CHARS), unit.path, unit.value) })
  const commitment = commitmentHash(committed)
  return { record: { ...record, versionHash: versionHashOf(commitment) } as NfpRecord, seed, commitment }
}

function seedOf (content: Record<string, unknown>, earlier: RecordSignatureV2 | undefined): string {
  // A copy with every unit removed contains no secret to derive from, so it gets a fresh seed.
  if (earlier === undefined || (earlier.seed === undefined && Object.keys(earlier.salts).length === 0)) return randomBytes(SEED_BYTES).toString('base64url')
  // The earlier seed, or the salts a redacted copy still carries, is the secret behind the new one.
  const key = earlier.seed !== undefined ? Buffer.from(earlier.seed, 'base64url') : canonicalBytes(earlier.salts)
  return createHmac('sha256', key).update(canonicalize(content)).digest().subarray(0, SEED_BYTES).toString('base64url')
}
